"""Chapter 10's comparison: every family of generative model on Fashion-MNIST, one judge.

Each model notebook scores its samples with ``utils.judges.score_fashion_images`` (the
course's Fashion-MNIST judge, 09_03's protocol) and saves one row per model made by
``utils.judges.comparison_entry`` in its metrics record (``comparison=[...]``). This module
collects those rows from ``results/`` (the committed runs) and writes them as one table;
``python -m utils.report --readme`` puts it in the README between the
``<!-- comparison:begin -->`` and ``<!-- comparison:end -->`` lines.

09_03 was run before rows existed: its record holds the same numbers under its own names,
read by :func:`_rows_from_0903` (its sampling time was not measured, and the table says so).
"""

from __future__ import annotations

import json
from pathlib import Path

BEGIN = "<!-- comparison:begin -->"
END = "<!-- comparison:end -->"

__all__ = ["collect_rows", "markdown_table", "BEGIN", "END"]


def _rows_from_0903(record: dict) -> list[dict]:
    """09_03's record (modern GAN and DCGAN, scored with the same judge and n) as comparison rows."""
    metrics = record.get("metrics", {})
    if "frechet_modern" not in metrics:
        return []
    rows = []
    for key, model, loss in (("dcgan", "DCGAN (chapter 4's design)", "binary cross-entropy"),
                             ("modern", "GAN with SAGAN / StyleGAN / ProGAN blocks",
                              "hinge loss, spectral normalisation")):
        rows.append({"model": model, "n": record.get("n_generated"), "frechet": metrics[f"frechet_{key}"],
                     "frechet_real_floor": metrics.get("frechet_real_floor"),
                     "class_entropy_bits": metrics.get(f"class_entropy_bits_{key}"), "class_fidelity": None,
                     "nll_bits_per_dim": None, "likelihood_note": "none",
                     "train_seconds": record.get("train_seconds_each"), "sample_seconds_per_image": None,
                     "mode": record.get("mode"), "backend": record.get("backend"),
                     "note": f"{loss}; sampling time not measured",
                     "judge": {"test_accuracy": record.get("judge_test_accuracy")}})
    return rows


def collect_rows(results_dir: Path) -> list[dict]:
    """Every comparison row in ``results/*.json``, each with the notebook it came from (``stem``)."""
    rows = []
    for path in sorted(Path(results_dir).glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        entries = record.get("comparison")
        if entries is None and path.stem == "09_03_modern_gan_blocks":
            entries = _rows_from_0903(record)
        for entry in entries or []:
            rows.append({**entry, "stem": path.stem})
    return rows


def _fmt(value, digits: int = 2, scale: float = 1.0, unit: str = "") -> str:
    if value is None:
        return "–"
    return f"{value * scale:.{digits}f}{unit}"


def _time(seconds) -> str:
    if seconds is None:
        return "–"
    if seconds >= 120:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


def _per_image(seconds) -> str:
    if seconds is None:
        return "not measured"
    if seconds >= 0.1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-4:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


def markdown_table(rows: list[dict]) -> str:
    """The comparison as a Markdown table, one line per model, best Fréchet distance first.

    The line above the table names the judge (its test accuracy); rows scored by another judge
    (a different accuracy) say so in their note, since their distances are not comparable.
    """
    accuracies = [r.get("judge", {}).get("test_accuracy") for r in rows if (r.get("judge") or {}).get("test_accuracy")]
    common = max(set(accuracies), key=accuracies.count) if accuracies else None
    lines = [f"Judge: the course's Fashion-MNIST classifier (`utils.judges`), test accuracy "
             f"{_fmt(common, 4)}; Fréchet distances to its features of 5,000 real test images.", "", "| model | notebook | Fréchet (floor), n | class entropy (bits) | class fidelity | "
             "likelihood, bits/dim | training | per image (CPU) | note |",
             "|---|---|---|---|---|---|---|---|---|"]
    if not rows:
        lines.append("| no model scored yet | – | – | – | – | – | – | – | – |")
    for row in sorted(rows, key=lambda r: r["frechet"]):
        likelihood = _fmt(row.get("nll_bits_per_dim"), 3)
        if row.get("nll_bits_per_dim") is not None and row.get("likelihood_note"):
            likelihood += f" ({row['likelihood_note']})"
        cells = [row["model"], f"`{row['stem']}`",
                 f"{_fmt(row['frechet'])} ({_fmt(row.get('frechet_real_floor'))}), {row.get('n') or '–'}",
                 _fmt(row.get("class_entropy_bits")), _fmt(row.get("class_fidelity"), 3), likelihood,
                 f"{_time(row.get('train_seconds'))} ({row.get('backend') or '?'})",
                 _per_image(row.get("sample_seconds_per_image")), row.get("note") or ""]
        accuracy = (row.get("judge") or {}).get("test_accuracy")
        if accuracy != common:
            cells[-1] += f" (ANOTHER JUDGE: test accuracy {_fmt(accuracy, 4)}; not comparable)"
        lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    return "\n".join(lines) + "\n"
