"""utils.report: which runs count as results, what the table says, and the README it rewrites."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from utils import report, runs

ROOT = Path(__file__).resolve().parents[1]


# -- a tiny course in tmp_path -----------------------------------------------------------

def make_notebook(folder: Path, stem: str, title: str, datasets: list[str], outputs: list[str] = ()) -> Path:
    """A minimal notebook: a heading cell, and a code cell whose stored outputs print ``outputs``."""
    nb = {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"gdl": {"datasets": datasets}},
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": [f"# {title}\n", "\n", "Some text."]},
            {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": "print(1)",
             "outputs": [{"output_type": "stream", "name": "stdout", "text": text} for text in outputs]},
        ],
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.ipynb"
    path.write_text(json.dumps(nb))
    return path


def metrics_record(accuracy: float, *, mode: str = "full", date: str = "2026-01-01T10:00:00+00:00",
                   dataset: str = "CIFAR-10 (50,000 train / 10,000 test images)", **extra) -> dict:
    return {"metrics": {"test_accuracy": accuracy, "test_loss": 1.0}, "dataset": dataset, "mode": mode,
            "backend": "tensorflow", "epochs": 10, "seconds": 90.0, "date": date, **extra}


def write_run(run_root: Path, folder: str, record: dict | None, *markers: str) -> Path:
    """A run folder with ``metrics.json`` (unless record is None) and marker files."""
    path = run_root / folder
    path.mkdir(parents=True)
    (path / "history.csv").write_text("epoch,loss\n0,1.0\n")
    if record is not None:
        (path / "metrics.json").write_text(json.dumps(record))
    for marker in markers:
        (path / marker).write_text("")
    return path


@pytest.fixture
def course(tmp_path):
    """notebooks/ with two notebooks, an empty run/ and results/."""
    notebooks = tmp_path / "notebooks"
    make_notebook(notebooks, "02_03_cnn", "2.3 A CNN", ["cifar10"])
    make_notebook(notebooks, "03_03_vae_faces", "3.3 A VAE on faces", ["celeba"])
    (tmp_path / "run").mkdir()
    return {"root": tmp_path, "notebooks": notebooks, "run": tmp_path / "run", "results": tmp_path / "results"}


def rows_by_stem(course, run_root="default") -> dict:
    run_root = course["run"] if run_root == "default" else run_root
    return {row.notebook.stem: row for row in report.collect(course["notebooks"], run_root, course["results"])}


# -- which runs are results -------------------------------------------------------------

def test_fast_runs_are_never_results(course):
    write_run(course["run"], "02_03_cnn_fast", metrics_record(0.9, mode="fast"))
    write_run(course["run"], "02_03_cnn_fast_2", metrics_record(0.95, mode="fast"))

    row = rows_by_stem(course)["02_03_cnn"]

    assert row.run is None
    assert any("02_03_cnn_fast" in s and "fast mode" in s for s in row.skipped)
    assert "| no full run |" in report.markdown_table([row])


def test_a_full_record_in_a_fast_folder_name_is_judged_by_its_mode(course):
    # The folder name alone does not decide: the record's mode does.
    write_run(course["run"], "02_03_cnn", metrics_record(0.9, mode="fast"))
    assert rows_by_stem(course)["02_03_cnn"].run is None


def test_stand_in_runs_are_never_results(course):
    write_run(course["run"], "02_03_cnn", metrics_record(0.5, dataset="CelebA STAND-IN faces (64 images)"))
    row = rows_by_stem(course)["02_03_cnn"]
    assert row.run is None
    assert "stand-in" in row.skipped[0]


def test_newest_complete_run_wins(course):
    write_run(course["run"], "02_03_cnn", metrics_record(0.50, date="2026-01-01T10:00:00+00:00"))
    write_run(course["run"], "02_03_cnn_2", metrics_record(0.70, date="2026-03-01T10:00:00+00:00"))
    write_run(course["run"], "02_03_cnn_3", metrics_record(0.60, date="2026-02-01T10:00:00+00:00"))

    row = rows_by_stem(course)["02_03_cnn"]

    assert row.run.origin == "run/02_03_cnn_2"
    assert row.run.record["metrics"]["test_accuracy"] == 0.70
    assert "test_accuracy 0.7 " in report.markdown_table([row]).replace("|", " ")


def test_missing_metrics_marks_a_run_unfinished(course):
    write_run(course["run"], "02_03_cnn", metrics_record(0.50, date="2026-01-01T10:00:00+00:00"))
    write_run(course["run"], "02_03_cnn_2", None)  # started later, stopped before its metrics

    row = rows_by_stem(course)["02_03_cnn"]

    assert row.run.origin == "run/02_03_cnn"
    assert row.skipped == ["02_03_cnn_2: unfinished (no metrics.json)"]
    assert "unfinished (no metrics.json)" in report.report_markdown([row])


def test_running_marker_without_complete_is_unfinished(course):
    # metrics.json written, but the run never reached its end (no COMPLETE marker yet).
    write_run(course["run"], "02_03_cnn", metrics_record(0.9, date="2026-05-01T10:00:00+00:00"), runs.RUNNING)
    write_run(course["run"], "02_03_cnn_2", metrics_record(0.4, date="2026-04-01T10:00:00+00:00"), runs.COMPLETE)
    # Both markers: finish() wrote COMPLETE and was stopped before removing RUNNING; complete.
    write_run(course["run"], "02_03_cnn_3", metrics_record(0.45, date="2026-04-15T10:00:00+00:00"),
              runs.RUNNING, runs.COMPLETE)

    row = rows_by_stem(course)["02_03_cnn"]

    assert row.run.origin == "run/02_03_cnn_3"
    assert row.skipped == ["02_03_cnn: unfinished (still marked RUNNING)"]


def test_folders_of_other_notebooks_are_not_mixed_in(course):
    make_notebook(course["notebooks"], "02_03_cnn_extra", "2.3b Another", ["cifar10"])
    write_run(course["run"], "02_03_cnn_extra", metrics_record(0.99, date="2027-01-01T10:00:00+00:00"))
    write_run(course["run"], "02_03_cnn", metrics_record(0.5))

    rows = rows_by_stem(course)

    assert rows["02_03_cnn"].run.origin == "run/02_03_cnn"
    assert rows["02_03_cnn_extra"].run.origin == "run/02_03_cnn_extra"


# -- run/ first, then results/ -----------------------------------------------------------

def test_results_are_used_when_run_has_no_full_run_and_say_so(course):
    course["results"].mkdir()
    (course["results"] / "02_03_cnn.json").write_text(json.dumps(
        metrics_record(0.72, source="recovered from the stored outputs of notebooks/02_03_cnn.ipynb")))

    row = rows_by_stem(course)["02_03_cnn"]
    assert row.run.origin == "results/02_03_cnn.json"
    assert "results/, recovered from the stored outputs" in report.markdown_table([row])

    write_run(course["run"], "02_03_cnn", metrics_record(0.61))
    assert rows_by_stem(course)["02_03_cnn"].run.origin == "run/02_03_cnn"
    # ... but the README's view (run_root=None) reads results/ only.
    assert rows_by_stem(course, run_root=None)["02_03_cnn"].run.origin == "results/02_03_cnn.json"


def test_a_fast_record_in_results_is_refused(course):
    course["results"].mkdir()
    (course["results"] / "02_03_cnn.json").write_text(json.dumps(metrics_record(0.9, mode="fast")))
    with pytest.raises(report.ReportError, match="not a full-mode result"):
        rows_by_stem(course)


def test_keep_copies_the_newest_full_run(course):
    write_run(course["run"], "02_03_cnn", metrics_record(0.5, date="2026-01-01T10:00:00+00:00"))
    write_run(course["run"], "02_03_cnn_2", metrics_record(0.7, date="2026-02-01T10:00:00+00:00"))
    write_run(course["run"], "03_03_vae_faces_fast", metrics_record(0.1, mode="fast"))

    written = report.keep(course["run"], course["results"], ["02_03_cnn", "03_03_vae_faces"])

    assert written == [course["results"] / "02_03_cnn.json"]
    kept = json.loads(written[0].read_text())
    assert kept["metrics"]["test_accuracy"] == 0.7
    assert kept["source"] == "run/02_03_cnn_2/metrics.json"
    row = rows_by_stem(course, run_root=None)["02_03_cnn"]
    assert "results/, kept from run/02_03_cnn_2" in report.markdown_table([row])


# -- the table and the files ---------------------------------------------------------------

def test_every_notebook_gets_a_row_with_title_and_data_sets(course):
    table = report.markdown_table(report.collect(course["notebooks"], course["run"], course["results"]))
    lines = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(lines) == 2
    assert "2.3 A CNN" in lines[0] and "`cifar10`" in lines[0] and "no full run" in lines[0]
    assert "3.3 A VAE on faces" in lines[1] and "`celeba`" in lines[1]


def test_anchor_is_shown_beside_the_number(course):
    write_run(course["run"], "02_03_cnn", metrics_record(0.72, dataset="CIFAR-10 (offline subset: 14,000 / 5,000)"))
    table = report.markdown_table(report.collect(course["notebooks"], course["run"], course["results"]))
    line = next(line for line in table.splitlines() if "02_03_cnn" in line)
    assert "0.655" in line and "Foster" in line, "02_03's published anchor"
    assert "**subset**" in line
    assert "full, tensorflow, 10 epochs, 90 s" in line


def test_headline_falls_back_to_every_number():
    assert report.headline("02_03_cnn", {"test_accuracy": 0.7, "test_loss": 1.0}) == {"test_accuracy": 0.7}
    assert report.headline("99_99_new", {"a": 1.0, "b": [1, 2], "c": {"d": 1}}) == {"a": 1.0}
    # patterns: a test number added later is picked up before the validation number
    assert list(report.headline("06_01_lstm_aesop", {"val_perplexity": 194.0, "test_perplexity": 201.0})) == \
        ["test_perplexity", "val_perplexity"]


def test_markdown_cells_cannot_break_the_table(course):
    write_run(course["run"], "02_03_cnn", metrics_record(0.7, dataset="A | B\nC"))
    table = report.markdown_table(rows_by_stem(course).values())
    line = next(line for line in table.splitlines() if "02_03_cnn" in line)
    assert "A \\| B C" in line


def test_write_report_writes_markdown_and_figure(course):
    write_run(course["run"], "02_03_cnn", metrics_record(0.7))
    markdown, figure = report.write_report(list(rows_by_stem(course).values()), course["run"])
    assert "| notebook |" in markdown.read_text()
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in course["run"].iterdir() if p.is_file()) == ["REPORT.md", "REPORT.png"]


def test_write_atomic_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "REPORT.md"
    target.write_text("old report")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        report.write_atomic(target, "new report")
    assert target.read_text() == "old report"
    assert list(tmp_path.iterdir()) == [target], "no temporary file is left behind"


# -- the README ----------------------------------------------------------------------------

README = """# Course

Intro with a | pipe.

## Chapters

Text before.

<!-- report:begin -->
| old | table |
|---|---|
<!-- report:end -->

Text after, kept as it is.

<!-- comparison:begin -->
<!-- comparison:end -->
"""


def test_readme_markers_replaced_and_nothing_else_changed(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(README)

    assert report.update_readme(readme, "| new | table |\n|---|---|\n| a | b |\n") is True

    text = readme.read_text()
    before, _, rest = README.partition("<!-- report:begin -->")
    _, _, after = rest.partition("<!-- report:end -->")
    assert text.startswith(before + "<!-- report:begin -->\n| new | table |\n|---|---|\n| a | b |\n")
    assert text.endswith("<!-- report:end -->" + after)
    assert "| old | table |" not in text
    assert report.update_readme(readme, "| new | table |\n|---|---|\n| a | b |\n") is False, "idempotent"


@pytest.mark.parametrize("text", [README.replace("<!-- report:end -->\n", ""),
                                  README.replace("<!-- report:begin -->\n", ""),
                                  README + "\n<!-- report:begin -->\n"])
def test_readme_without_a_marker_pair_is_a_clear_error(tmp_path, text):
    readme = tmp_path / "README.md"
    readme.write_text(text)
    with pytest.raises(report.ReportError, match="report:begin.*report:end"):
        report.update_readme(readme, "| new |\n")
    assert readme.read_text() == text, "left untouched"


def test_command_line_readme_without_markers_exits_1(course, monkeypatch, capsys):
    (course["root"] / "README.md").write_text("# Course\n\n| a hand-typed table |\n")
    monkeypatch.setenv("GDL_ROOT", str(course["root"]))
    monkeypatch.setenv("GDL_RUN_DIR", str(course["run"]))

    assert report.main(["--readme"]) == 1

    err = capsys.readouterr().err
    assert "README.md" in err and "<!-- report:begin -->" in err
    assert (course["root"] / "README.md").read_text() == "# Course\n\n| a hand-typed table |\n"


def test_command_line_keep_then_readme(course, monkeypatch, capsys):
    (course["root"] / "README.md").write_text(README)
    write_run(course["run"], "02_03_cnn", metrics_record(0.7))
    monkeypatch.setenv("GDL_ROOT", str(course["root"]))
    monkeypatch.setenv("GDL_RUN_DIR", str(course["run"]))

    assert report.main(["--keep", "--readme"]) == 0

    assert (course["results"] / "02_03_cnn.json").is_file()
    text = (course["root"] / "README.md").read_text()
    assert "test_accuracy 0.7" in text and "results/, kept from run/02_03_cnn" in text
    assert "| no model scored yet |" in text, "the comparison table is written between its own markers"
    assert (course["run"] / "REPORT.md").is_file() and (course["run"] / "REPORT.png").is_file()


# -- recovering records from stored outputs -----------------------------------------------

def test_recover_reads_the_printed_metrics_and_the_loader_lines(course):
    printed = json.dumps(metrics_record(0.72, date="2026-11-23T11:04:55+00:00"), indent=2)
    path = make_notebook(course["notebooks"], "02_03_cnn", "2.3 A CNN", ["cifar10"], outputs=[
        "CIFAR-10: OFFLINE SUBSET (see the mirror's SOURCE.md; not the official split) from mirror, 14,000 train\n",
        "Run folder: run/02_03_cnn\n",
        printed + "\n"])

    record = report.recover(path)

    assert record["metrics"]["test_accuracy"] == 0.72
    assert record["date"] == "2026-11-23T11:04:55+00:00"
    assert record["source"] == "recovered from the stored outputs of notebooks/02_03_cnn.ipynb"
    assert record["data_sources"][0].startswith("CIFAR-10: OFFLINE SUBSET")
    assert report._data_kind(record) == "subset"


def test_recover_all_skips_fast_printouts_and_never_replaces_a_kept_result(course):
    make_notebook(course["notebooks"], "02_03_cnn", "2.3 A CNN", ["cifar10"],
                  outputs=[json.dumps(metrics_record(0.72)) + "\n"])
    make_notebook(course["notebooks"], "03_03_vae_faces", "3.3 A VAE on faces", ["celeba"],
                  outputs=[json.dumps(metrics_record(0.1, mode="fast")) + "\n"])
    course["results"].mkdir()
    kept = json.dumps(metrics_record(0.75, source="run/02_03_cnn/metrics.json"))
    (course["results"] / "02_03_cnn.json").write_text(kept)

    written, missing = report.recover_all(course["notebooks"], course["results"])

    assert written == [] and missing == ["03_03_vae_faces"]
    assert (course["results"] / "02_03_cnn.json").read_text() == kept
    assert not (course["results"] / "03_03_vae_faces.json").exists()


# -- the repository's own results/ and README ----------------------------------------------

def test_tracked_results_belong_to_notebooks_and_are_full_runs():
    stems = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    for path in sorted((ROOT / "results").glob("*.json")):
        assert path.stem in stems, f"{path.name} belongs to no notebook"
        result = report.kept_result(ROOT / "results", path.stem)  # raises for a fast / stand-in record
        assert result.record.get("source"), f"{path.name} does not say where it came from"


def test_readme_table_is_the_generated_one():
    rows = report.collect(ROOT / "notebooks", None, ROOT / "results")
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    between = text.split(report.README_BEGIN, 1)[1].split(report.README_END, 1)[0]
    assert between.strip("\n") == report.markdown_table(rows).strip("\n"), \
        "the README's chapter table is out of date: run `python -m utils.report --readme`"
