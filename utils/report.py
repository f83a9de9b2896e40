"""One table of every notebook's quality numbers, with the published numbers beside them.

    python -m utils.report                  # write run/REPORT.md and run/REPORT.png
    python -m utils.report --readme         # ... and the README's chapter and comparison tables
    python -m utils.report --keep           # copy each notebook's newest full run to results/
    python -m utils.report --keep 02_03_cnn # ... only for the notebooks named
    python -m utils.report --recover        # results/ from the notebooks' stored outputs

Where the numbers come from, in this order:

1. ``run/<notebook>*/metrics.json`` (written by ``RunFolder.save_metrics``): the newest
   *complete* run in *full mode* of each notebook. Fast-mode runs (``<notebook>_fast``)
   and runs on stand-in data are code checks, never results; a folder without
   ``metrics.json``, or one marked ``RUNNING`` and not ``COMPLETE`` (see ``utils.runs``),
   is an unfinished run. "Newest" is the ``date`` the record carries (a re-run in
   ``_2``, ``_3``, ... is usually newer).
2. ``results/<notebook>.json``: the tracked copy of the run whose outputs are committed
   in the notebook, so that its numbers survive a fresh clone (``run/`` is git-ignored).
   ``--keep`` writes it from run/ after a full run (keep a run only once the notebook's
   outputs from that run are committed); ``--recover`` rebuilds it from a
   ``metrics.json`` that the notebook printed in its stored outputs. Each says where it
   came from in its ``source`` field.

``run/REPORT.md`` and ``run/REPORT.png`` show this machine's view (run/ first). The
README's chapter table (``--readme``, between the ``<!-- report:begin -->`` and
``<!-- report:end -->`` lines) is built from results/ alone: it describes the committed
notebooks and reads the same on every clone. So is chapter 10's comparison of every model
family on Fashion-MNIST (``utils.comparison``), between its own pair of markers.

Every notebook in ``notebooks/`` gets a row, with "no full run" when neither place has
one, so the README table lists the whole course. Which quality numbers a row shows is
set per notebook in ``HEADLINES``; the published numbers a reader can compare with
(each with its source, and a note where it is not comparable) are in ``ANCHORS``.
This module reads JSON files and draws with Matplotlib; it trains and loads nothing.
"""

from __future__ import annotations

import argparse
import fnmatch
import io
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import comparison
from .runs import COMPLETE, RUNNING, atomic_path  # the markers utils.runs leaves in a run folder

README_BEGIN = "<!-- report:begin -->"
README_END = "<!-- report:end -->"


class ReportError(RuntimeError):
    """A problem the user must fix (e.g. README markers missing); the message says what."""


# -- what each notebook's row shows -----------------------------------------------------

# Metric names (shell-style patterns) shown in a notebook's row, in this order. Metrics
# not listed are in the run's metrics.json only. A notebook that is not listed here, or
# whose record matches none of its patterns, shows all its top-level numbers.
HEADLINES: dict[str, list[str]] = {
    "01_01_generative_modeling": ["naive_bayes_bits_per_pixel", "wrodl_novel_fraction"],
    "02_01_mlp": ["test_accuracy"],
    "02_02_convolutions": ["max_abs_difference"],
    "02_03_cnn": ["test_accuracy"],
    "03_01_autoencoder": ["test_reconstruction_bce_nats"],
    "03_02_vae_digits": ["test_negative_elbo_2d", "test_negative_elbo_20d"],
    "03_03_vae_faces": ["test_negative_elbo_nats"],
    "03_04_cvae_fashion": ["test_negative_elbo_nats", "class_fidelity", "classifier_test_accuracy"],
    "04_01_dcgan_camels": ["frechet", "frechet_real_floor", "fake_classified_camel"],
    "04_02_wgan_horses": ["frechet", "frechet_real_floor", "frechet_noise", "fake_classified_horse"],
    "04_03_wgan_gp_faces": ["frechet", "frechet_real_floor"],
    "05_01_cyclegan_unet": ["success_ab", "success_ba", "real_b_called_b", "cycle_error_a",
                            "frechet_ab", "frechet_floor_b"],
    "05_02_cyclegan_resnet": ["success_ab", "success_ba", "cycle_error_a", "frechet_ab",
                              "frechet_floor_b"],  # its seconds per epoch shared the CPU: see the notebook
    "05_03_style_transfer": ["content_loss", "style_loss", "style_loss_photo"],
    "05_04_what_a_cnn_sees": ["cnn_test_accuracy", "class_images_plain_called_target",
                              "class_images_plain_called_target_shifted",
                              "class_images_regularised_called_target_shifted"],
    "06_01_lstm_aesop": ["test_perplexity*", "val_perplexity*"],
    "06_02_rnn_extensions": ["best_model", "best_test_perplexity*", "best_val_perplexity*"],
    "06_03_char_rnn_shakespeare": ["test_bits_per_char*", "val_bits_per_char*",
                                   "test_loss_nats_per_char*", "val_loss_nats_per_char*"],
    "06_04_question_generator": ["test_perplexity*", "dev_perplexity*", "test_bleu4", "dev_bleu4"],
    "07_01_music_notation": ["midi_round_trip_notes_kept", "sixteenth_grid_notes_kept",
                             "synth_worst_pitch_error_cents"],
    "07_02_attention_rnn_cello": ["test_note_accuracy", "test_note_perplexity", "test_duration_accuracy",
                                  "test_duration_perplexity", "baseline_most_frequent_note_accuracy",
                                  "baseline_unigram_note_perplexity", "baseline_repeat_last_duration_accuracy"],
    "07_03_musegan_chorales": ["generated_upc", "real_test_upc", "generated_qn", "real_test_qn",
                               "generated_empty_bars", "real_test_empty_bars"],
    "09_01_attention_from_scratch": ["mha_max_abs_difference", "mha_causal_max_abs_difference",
                                     "decoder_causal_leak", "memorise_last_loss"],
    "09_03_modern_gan_blocks": ["frechet_modern", "frechet_dcgan", "frechet_real_floor"],
    "10_01_pixelcnn": ["test_bits_per_dim", "baseline_marginal_bits_per_dim", "frechet",
                       "frechet_real_pipeline_floor", "sample_seconds_per_image"],
    "10_02_realnvp_moons": ["test_log_likelihood_nats_realnvp", "test_log_likelihood_nats_gaussian",
                            "test_log_likelihood_nats_kde", "inversion_max_abs_error"],
    "10_03_energy_based_model": ["frechet_fresh", "frechet_real_floor", "frechet_buffer", "class_entropy_bits_fresh",
                                 "sample_seconds_per_image"],
    "10_04_diffusion": ["frechet", "frechet_real_floor", "frechet_10_steps", "frechet_100_steps",
                        "ms_per_image_50_steps", "cifar10_frechet", "cifar10_frechet_real_floor"],
    "09_02_char_gpt_shakespeare": ["test_bits_per_char_gpt", "test_bits_per_char_lstm",
                                   "heldout_loss_nats_per_char_gpt", "seconds_per_step_gpt",
                                   "seconds_per_step_lstm", "chars_per_second_cached",
                                   "chars_per_second_uncached"],
}


@dataclass(frozen=True)
class Anchor:
    """A published number a reader compares a notebook's result with.

    ``value`` is None for a note that says why no published number is comparable.
    ``metric`` names the notebook's metric it is drawn beside in the figure (or None).
    """

    text: str
    source: str
    value: float | None = None
    metric: str | None = None
    note: str = ""

    def describe(self) -> str:
        head = f"{self.value:g} {self.text}" if self.value is not None else self.text
        return f"{head} ({self.source})" + (f"; {self.note}" if self.note else "")


_BCE_NOTE = Anchor(
    text="none comparable",
    source="published MNIST likelihoods, e.g. Kingma & Welling 2014, are on binarised digits",
    note="this is binary cross-entropy on grey levels")
_FRECHET_NOTE = Anchor(
    text="none comparable",
    source="published GAN scores are FIDs on Inception-v3 features",
    note="this Fréchet distance uses the course's own small classifier: compare it with its real-data floor")

ANCHORS: dict[str, list[Anchor]] = {
    "02_03_cnn": [Anchor(
        value=0.655, metric="test_accuracy",
        text="test accuracy, the book's CNN after 10 epochs",
        source="Foster, Generative Deep Learning, 1st ed. 2019, ch. 2, as the course syllabus quotes it",
        note="official split (50,000 / 10,000 images): not comparable with a run on a subset")],
    "03_01_autoencoder": [_BCE_NOTE],
    "03_02_vae_digits": [_BCE_NOTE],
    "04_01_dcgan_camels": [_FRECHET_NOTE],
    "04_02_wgan_horses": [_FRECHET_NOTE],
    "04_03_wgan_gp_faces": [_FRECHET_NOTE],
    "05_01_cyclegan_unet": [Anchor(
        text="none comparable", source="the CycleGAN paper measures photo pairs (FCN scores, AMT studies)",
        note="offline pair: Fashion-MNIST sneakers <-> ankle boots, judged by the course's classifier")],
    "05_03_style_transfer": [Anchor(
        text="no published number", source="Gatys et al. 2015 show pictures, not losses",
        note="offline the VGG19 has RANDOM weights: a control, not the method's result")],
    "06_03_char_rnn_shakespeare": [Anchor(
        value=1.4697, metric="val_loss_nats_per_char",
        text="nats/char (2.120 bits/char) best validation loss of nanoGPT's shakespeare_char model",
        source="karpathy/nanoGPT README: a 10.7M-parameter Transformer, one A100 GPU",
        note="same text; nanoGPT validates on its last 10% (111,540 characters)")],
    "09_03_modern_gan_blocks": [_FRECHET_NOTE],
    "10_02_realnvp_moons": [Anchor(text="none comparable",
                                   source="two moons is a teaching toy with no standard test likelihood",
                                   note="compare with the notebook's baselines on the same test points: "
                                        "one Gaussian and a kernel density estimate")],
    "10_03_energy_based_model": [_FRECHET_NOTE],
    "10_04_diffusion": [_FRECHET_NOTE],
    "10_01_pixelcnn": [Anchor(text="none comparable",
                              source="published PixelCNN likelihoods are for 256 grey levels at full size "
                                     "(van den Oord et al. 2016: MNIST 28x28, CIFAR-10 32x32)",
                              note="here 16x16 at 4 levels, as the book's second edition; compare with the "
                                   "marginal baseline and the 2 bits/dim of a uniform guess")],
    "09_02_char_gpt_shakespeare": [
        Anchor(value=1.4697, metric="heldout_loss_nats_per_char_gpt",
               text="nats/char best validation loss of nanoGPT's shakespeare_char model",
               source="karpathy/nanoGPT README: 6 layers, 6 heads, 384 dimensions, context 256, one A100 GPU",
               note="same split; the CPU full run here is the small model below"),
        Anchor(value=1.88, metric="heldout_loss_nats_per_char_gpt",
               text="nats/char validation loss of nanoGPT's CPU recipe",
               source="karpathy/nanoGPT README: 4 layers, 4 heads, 128 dimensions, context 64, 2,000 steps of 12 windows",
               note="the model size trained here; its budget is in the row")],
}


# -- notebooks and run folders -----------------------------------------------------------

@dataclass
class Notebook:
    """A course notebook: its file stem, title (first heading) and data sets (metadata)."""

    stem: str
    title: str
    datasets: list[str]
    path: Path


@dataclass
class RunRecord:
    """One run's metrics record and where it was read from."""

    record: dict
    origin: str  # e.g. "run/02_03_cnn_2" or "results/02_03_cnn.json"
    path: Path

    @property
    def date(self) -> str:
        return str(self.record.get("date") or "")


@dataclass
class Row:
    """What the report says about one notebook."""

    notebook: Notebook
    run: RunRecord | None
    anchors: list[Anchor]
    skipped: list[str] = field(default_factory=list)  # run folders not used, with the reason


def read_notebooks(folder: Path) -> list[Notebook]:
    """Every ``*.ipynb`` in ``folder``, sorted by name, with title and data sets."""
    notebooks = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise ReportError(f"{path} is not a readable notebook: {err}") from err
        notebooks.append(Notebook(path.stem, _title(nb) or path.stem,
                                  list(nb.get("metadata", {}).get("gdl", {}).get("datasets", [])), path))
    return notebooks


def _title(nb: dict) -> str:
    """The first Markdown heading of a notebook, without the '#'."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in _source(cell).splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return ""


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def run_folders(run_root: Path, stem: str) -> list[Path]:
    """The folders of ``run_root`` that belong to notebook ``stem``.

    That is ``<stem>``, ``<stem>_2``, ... (full mode) and ``<stem>_fast``, ``<stem>_fast_2``, ...
    """
    pattern = re.compile(re.escape(stem) + r"(_fast)?(_\d+)?")
    root = Path(run_root)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and pattern.fullmatch(p.name))


def why_not_a_result(folder: Path) -> tuple[str | None, dict | None]:
    """``(None, record)`` for a complete full-mode run; otherwise ``(reason, record or None)``."""
    metrics = folder / "metrics.json"
    if (folder / RUNNING).exists() and not (folder / COMPLETE).exists():
        return "unfinished (still marked RUNNING)", None
    if not metrics.is_file():
        return "unfinished (no metrics.json)", None
    try:
        record = json.loads(metrics.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        return f"unreadable metrics.json ({err})", None
    if not isinstance(record, dict) or not isinstance(record.get("metrics"), dict):
        return "metrics.json has no 'metrics' table", None
    reason = _not_a_result(record)
    return reason, record


def _not_a_result(record: dict) -> str | None:
    """Why a metrics record is not a result (fast mode, stand-in data), or None."""
    if record.get("mode") != "full":
        return f"{record.get('mode') or 'unknown'} mode, not a result"
    if _data_kind(record) == "stand-in":
        return "ran on stand-in data, not a result"
    return None


def newest_run(run_root: Path, stem: str) -> tuple[RunRecord | None, list[str]]:
    """The newest complete full-mode run of ``stem`` in ``run_root``, and what was skipped.

    Skipped folders come back as ``"<folder>: <reason>"`` so the report can say why a
    newer folder was not used.
    """
    found, skipped = [], []
    for folder in run_folders(run_root, stem):
        reason, record = why_not_a_result(folder)
        if reason:
            skipped.append(f"{folder.name}: {reason}")
            continue
        mtime = (folder / "metrics.json").stat().st_mtime
        found.append((str(record.get("date") or ""), mtime, folder, record))
    if not found:
        return None, skipped
    *_, folder, record = max(found, key=lambda item: item[:2])
    return RunRecord(record, f"run/{folder.name}", folder / "metrics.json"), skipped


def kept_result(results_dir: Path, stem: str) -> RunRecord | None:
    """The record in ``results/<stem>.json``, or None when there is none."""
    path = Path(results_dir) / f"{stem}.json"
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ReportError(f"{path} is not valid JSON ({err}): fix it or delete it and run --keep / --recover") from err
    if _not_a_result(record):
        raise ReportError(f"{path} is not a full-mode result ({_not_a_result(record)}): delete it")
    return RunRecord(record, f"results/{path.name}", path)


def collect(notebooks_dir: Path, run_root: Path | None, results_dir: Path) -> list[Row]:
    """One row per notebook: its newest full run in run/, else its kept result, else none.

    With ``run_root=None`` only results/ is read (what the README shows: the numbers of
    the committed notebooks, the same on every clone).
    """
    rows = []
    for notebook in read_notebooks(notebooks_dir):
        run, skipped = newest_run(run_root, notebook.stem) if run_root is not None else (None, [])
        if run is None:
            run = kept_result(results_dir, notebook.stem)
        rows.append(Row(notebook, run, ANCHORS.get(notebook.stem, []), skipped))
    return rows


# -- formatting --------------------------------------------------------------------------

def headline(stem: str, metrics: dict) -> dict:
    """The metrics a notebook's row shows (see HEADLINES), in order."""
    chosen = {}
    for pattern in HEADLINES.get(stem, []):
        for key, value in metrics.items():
            if fnmatch.fnmatchcase(key, pattern) and key not in chosen and _is_scalar(value):
                chosen[key] = value
    if not chosen:
        chosen = {k: v for k, v in metrics.items() if _is_scalar(v)}
    return chosen


def _is_scalar(value) -> bool:
    return isinstance(value, (bool, int, float, str))


def _number(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.4g}"


def _data_kind(record: dict) -> str | None:
    """'official', 'subset' or 'stand-in' when the record says so, else None.

    A record may list the loaders' messages in ``data_sources`` (recovered records do);
    otherwise the words in its ``dataset`` text decide.
    """
    texts = [str(t) for t in record.get("data_sources") or []] + [str(record.get("dataset", ""))]
    joined = " ".join(texts).lower()
    if "stand-in" in joined or record.get("standin") or record.get("stand_in"):
        return "stand-in"
    if "subset" in joined:
        return "subset"
    if record.get("data_sources") and all("official data" in t for t in record["data_sources"]):
        return "official"
    return None


def _duration(seconds) -> str:
    if not isinstance(seconds, (int, float)):
        return ""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def describe_run(record: dict) -> str:
    """Mode, backend, epochs and training time of a run, e.g. 'full, tensorflow, 30 epochs, 22.7 min'."""
    parts = [str(record.get("mode", "?")), str(record.get("backend", "?"))]
    if record.get("epochs") is not None:
        parts.append(f"{record['epochs']} epochs")
    if _duration(record.get("seconds")):
        parts.append(_duration(record.get("seconds")))
    return ", ".join(parts)


def markdown_table(rows: list[Row]) -> str:
    """The report's table in Markdown, one line per notebook."""
    lines = ["| notebook | data set | quality numbers (full mode) | published anchor | run | date | from |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        nb = row.notebook
        name = f"{nb.title}<br>`{nb.stem}`"
        anchor = "<br>".join(a.describe() for a in row.anchors) or "–"
        if row.run is None:
            data = ", ".join(f"`{d}`" for d in nb.datasets) or "–"
            lines.append(f"| {_cell(name)} | {_cell(data)} | no full run | {_cell(anchor)} | – | – | – |")
            continue
        record = row.run.record
        kind = _data_kind(record)
        data = str(record.get("dataset", "")) + (f" — **{kind}**" if kind else "")
        numbers = ", ".join(f"{k} {_number(v)}" for k, v in headline(nb.stem, record.get("metrics", {})).items())
        date = row.run.date[:10] or "–"
        origin = row.run.origin
        if origin.startswith("results/"):
            recovered = str(record.get("source", "")).startswith("recovered")
            origin = "results/, " + ("recovered from the stored outputs" if recovered else
                                     f"kept from {record.get('source', '?').rsplit('/', 1)[0]}")
        lines.append(f"| {_cell(name)} | {_cell(data)} | {_cell(numbers)} | {_cell(anchor)} | "
                     f"{_cell(describe_run(record))} | {date} | {_cell(origin)} |")
    return "\n".join(lines) + "\n"


def report_markdown(rows: list[Row]) -> str:
    """The whole of run/REPORT.md: the table, then the run folders that were not used."""
    text = ["# Quality numbers of the course notebooks", "",
            "Written by `python -m utils.report`. Full-mode runs only: the newest complete run in",
            "`run/`, else the kept copy in `results/`. Fast-mode and stand-in runs are code checks,",
            "never results. Numbers measured on an offline subset are not comparable with published",
            "numbers on the official split.", "", markdown_table(rows).rstrip("\n"), ""]
    skipped = [(row.notebook.stem, s) for row in rows for s in row.skipped]
    if skipped:
        text += ["## Run folders not used", ""]
        text += [f"- `{s.split(':', 1)[0]}`:{s.split(':', 1)[1]}" for _, s in skipped]
        text.append("")
    return "\n".join(text)


# -- the figure --------------------------------------------------------------------------

def report_figure(rows: list[Row]):
    """Small bar panels of the headline numbers; published anchors as red marks.

    One panel per notebook with a result, two when its numbers mix fractions (in [0, 1])
    with other scales, so that no panel needs a log axis across units. Returns a
    Matplotlib ``Figure`` (no pyplot: nothing is shown).
    """
    from matplotlib.figure import Figure

    panels = []
    for row in rows:
        if row.run is None:
            continue
        numbers = {k: float(v) for k, v in headline(row.notebook.stem, row.run.record.get("metrics", {})).items()
                   if isinstance(v, (int, float)) and not isinstance(v, bool)}
        fractions = {k: v for k, v in numbers.items() if 0 <= v <= 1}
        others = {k: v for k, v in numbers.items() if k not in fractions}
        panels += [(row, part) for part in (others, fractions) if part]
    columns = 4
    n_rows = max(1, (len(panels) + columns - 1) // columns)
    fig = Figure(figsize=(4.6 * columns, 1.2 + 1.9 * n_rows), layout="constrained")
    axes = fig.subplots(n_rows, columns, squeeze=False).ravel()
    for ax in axes[len(panels):]:
        ax.axis("off")
    if not panels:
        axes[0].text(0.5, 0.5, "no full-mode run yet", ha="center", va="center")
    for ax, (row, numbers) in zip(axes, panels):
        _bar_panel(ax, row, numbers)
    fig.suptitle("Headline numbers of the full-mode runs (red: published anchor)", fontsize=11)
    return fig


def _bar_panel(ax, row: Row, numbers: dict) -> None:
    names = list(numbers)
    values = [numbers[n] for n in names]
    ax.barh(range(len(names)), values, color="tab:blue", height=0.6)
    ax.set_yticks(range(len(names)), [n.replace("_", " ") for n in names], fontsize=7)
    ax.set_ylim(len(names) - 0.2, -0.8)  # first metric on top, room above it for an anchor's label
    if min(values) > 0 and max(values) / min(values) > 50:
        ax.set_xscale("log")
    for i, value in enumerate(values):
        ax.annotate(_number(value), (value, i), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=7)
    anchors = [a for a in row.anchors if a.value is not None and a.metric in names]
    for anchor in anchors:
        i = names.index(anchor.metric)
        ax.vlines(anchor.value, i - 0.45, i + 0.45, color="tab:red", linewidth=2)
        ax.annotate(f"published {anchor.value:g}", (anchor.value, i - 0.45), xytext=(0, 1),
                    textcoords="offset points", ha="center", va="bottom", color="tab:red", fontsize=7)
    if ax.get_xscale() == "linear":  # room on the right for the value labels
        ends = values + [a.value for a in anchors]
        ax.set_xlim(min(0, min(ends) * 1.35), max(0, max(ends) * 1.35) or 1)
    else:
        ax.set_xlim(None, max(values) * 4)
    ax.set_title(f"{row.notebook.stem}  (from {row.run.origin.split('/')[0]}/)", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)


# -- writing -----------------------------------------------------------------------------

def write_atomic(path: Path, content: bytes | str) -> None:
    """Write ``content`` (text or bytes) to ``path`` atomically, with ``utils.runs.atomic_path``."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_report(rows: list[Row], run_root: Path) -> tuple[Path, Path]:
    """Write ``REPORT.md`` and ``REPORT.png`` into ``run_root``; return both paths."""
    markdown = Path(run_root) / "REPORT.md"
    figure = Path(run_root) / "REPORT.png"
    write_atomic(markdown, report_markdown(rows))
    buffer = io.BytesIO()
    report_figure(rows).savefig(buffer, format="png", dpi=90)
    write_atomic(figure, buffer.getvalue())
    return markdown, figure


def update_readme(readme: Path, table: str, begin: str = README_BEGIN, end: str = README_END) -> bool:
    """Replace what stands between the report markers (``begin``, ``end``) in ``readme`` by ``table``.

    Everything outside the markers is left byte for byte. Returns True when the file
    changed. Raises ReportError when the markers are missing, doubled or out of order.
    """
    readme = Path(readme)
    text = readme.read_text(encoding="utf-8")
    if text.count(begin) != 1 or text.count(end) != 1:
        raise ReportError(f"{readme} must hold exactly one '{begin}' and one '{end}' line "
                          f"around the generated table (found {text.count(begin)} and "
                          f"{text.count(end)}); add them, then run --readme again")
    start = text.index(begin) + len(begin)
    stop = text.index(end)
    if stop < start:
        raise ReportError(f"{readme}: '{end}' comes before '{begin}'")
    new = text[:start] + "\n" + table.rstrip("\n") + "\n" + text[stop:]
    if new == text:
        return False
    write_atomic(readme, new)
    return True


def keep(run_root: Path, results_dir: Path, stems: list[str], notebooks_dir: Path | None = None) -> list[Path]:
    """Copy the newest complete full-mode run of each notebook in ``stems`` to results/.

    With ``notebooks_dir``, warn when a notebook's stored outputs print the record of
    another run: results/ should describe the outputs that are committed.
    """
    written = []
    for stem in stems:
        run, _ = newest_run(run_root, stem)
        if run is None:
            continue
        notebook = Path(notebooks_dir or "") / f"{stem}.ipynb"
        sources = {}
        if notebooks_dir is not None and notebook.is_file():
            printed = recover(notebook)
            if printed is not None and printed.get("date") != run.record.get("date"):
                print(f"warning: notebooks/{stem}.ipynb shows the run of {printed.get('date')}, "
                      f"not {run.origin} ({run.record.get('date')}): commit the executed notebook too",
                      file=sys.stderr)
            elif printed is not None and printed.get("data_sources"):  # the loaders' lines of this run
                sources = {"data_sources": printed["data_sources"]}
        record = {**sources, **run.record, "source": f"{run.origin}/metrics.json"}
        path = Path(results_dir) / f"{stem}.json"
        write_atomic(path, json.dumps(record, indent=2, ensure_ascii=False) + "\n")
        written.append(path)
    return written


# -- recovering lost records from a notebook's stored outputs ----------------------------

def recover(notebook: Path, shown_as: str | None = None) -> dict | None:
    """The metrics record a notebook printed in its stored outputs, or None.

    Most notebooks end with ``print(open(run.file("metrics.json")).read())``: the newest
    such printout (a JSON object with 'metrics' and 'mode') is the record of the run whose
    outputs are stored. The loaders' lines ("...: official data from ..." or "OFFLINE
    SUBSET") are kept as ``data_sources``. ``shown_as`` names the notebook in the record's
    ``source`` (default ``notebooks/<file name>``), e.g. with the commit it was read from.
    """
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    found, sources = None, []
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            sources += [line.strip() for line in text.splitlines()
                        if re.search(r": (official data|OFFLINE SUBSET|STAND-IN)", line)]
            for candidate in _json_objects(text):
                if isinstance(candidate.get("metrics"), dict) and "mode" in candidate:
                    found = candidate
    if found is None:
        return None
    shown_as = shown_as or f"notebooks/{Path(notebook).name}"
    record = {**found, "source": f"recovered from the stored outputs of {shown_as}"}
    if sources and "data_sources" not in record:
        record["data_sources"] = sources
    return record


def _json_objects(text: str):
    """Every top-level JSON object printed in ``text`` (one that starts a line with '{')."""
    decoder = json.JSONDecoder()
    for match in re.finditer(r"(?m)^\{", text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            yield value


def recover_all(notebooks_dir: Path, results_dir: Path) -> tuple[list[Path], list[str]]:
    """Write results/<stem>.json for every notebook whose outputs hold its metrics record.

    A result kept from a run (``--keep``) is never replaced by a recovered one.
    Returns the files written and the notebooks without a printed full-mode record.
    """
    written, missing = [], []
    for notebook in read_notebooks(notebooks_dir):
        record = recover(notebook.path)
        if record is None or _not_a_result(record):  # no printout, or a fast / stand-in run's
            missing.append(notebook.stem)
            continue
        path = Path(results_dir) / f"{notebook.stem}.json"
        if path.is_file():
            old = json.loads(path.read_text(encoding="utf-8"))
            if not str(old.get("source", "")).startswith("recovered"):
                continue
        write_atomic(path, json.dumps(record, indent=2, ensure_ascii=False) + "\n")
        written.append(path)
    return written, missing


# -- command line ------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    from . import runs, settings

    parser = argparse.ArgumentParser(prog="python -m utils.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--readme", action="store_true", help="also rewrite the README's chapter table")
    parser.add_argument("--keep", nargs="*", metavar="NOTEBOOK",
                        help="copy the newest full run of these notebooks (default: all) to results/")
    parser.add_argument("--recover", action="store_true",
                        help="write results/ from metrics printed in the notebooks' stored outputs")
    args = parser.parse_args(argv)

    root = settings.project_root()
    notebooks_dir, results_dir, run_root = root / "notebooks", root / "results", runs.run_root()
    try:
        if args.recover:
            written, missing = recover_all(notebooks_dir, results_dir)
            for path in written:
                print(f"recovered {path.relative_to(root)}")
            if missing:
                print("no metrics.json printed in the stored outputs of: " + ", ".join(missing))
        if args.keep is not None:
            stems = args.keep or [nb.stem for nb in read_notebooks(notebooks_dir)]
            unknown = [s for s in stems if not (notebooks_dir / f"{Path(s).stem}.ipynb").is_file()]
            if unknown:
                raise ReportError(f"no such notebook in notebooks/: {', '.join(unknown)}")
            kept = keep(run_root, results_dir, [Path(s).stem for s in stems], notebooks_dir)
            for path in kept:
                print(f"kept {path.relative_to(root)}")
            if not kept:
                print("nothing to keep: no complete full-mode run in " + str(run_root))
        rows = collect(notebooks_dir, run_root, results_dir)
        markdown, figure = write_report(rows, run_root)
        print(markdown_table(rows))
        print(f"wrote {markdown} and {figure}")
        if args.readme:  # the committed notebooks' numbers only: results/, never this machine's run/
            table = markdown_table(collect(notebooks_dir, None, results_dir))
            changed = update_readme(root / "README.md", table)
            print("README.md chapter table (from results/) " + ("updated" if changed else "already up to date"))
            changed = update_readme(root / "README.md", comparison.markdown_table(comparison.collect_rows(results_dir)),
                                    begin=comparison.BEGIN, end=comparison.END)
            print("README.md comparison table (chapter 10) " + ("updated" if changed else "already up to date"))
    except ReportError as err:
        print(f"utils.report: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
