"""utils.comparison: chapter 10's table of every model family, built from results/ alone."""

import json
from pathlib import Path

from utils import comparison, report

ROOT = Path(__file__).resolve().parents[1]


def _row(model, frechet, accuracy=0.9, **extra):
    return {"model": model, "n": 1000, "frechet": frechet, "frechet_real_floor": 0.5,
            "class_entropy_bits": 3.2, "class_fidelity": None, "nll_bits_per_dim": None, "likelihood_note": "",
            "train_seconds": 600, "sample_seconds_per_image": 0.002, "mode": "full", "backend": "jax",
            "note": "", "judge": {"test_accuracy": accuracy}, **extra}


def _write(folder, stem, record):
    folder.mkdir(exist_ok=True)
    (folder / f"{stem}.json").write_text(json.dumps(record))


def test_rows_are_collected_from_every_record_and_sorted_by_frechet(tmp_path):
    _write(tmp_path, "10_01_a", {"metrics": {}, "comparison": [_row("slow model", 9.0)]})
    _write(tmp_path, "10_04_b", {"metrics": {}, "comparison": [_row("good model", 2.0, nll_bits_per_dim=1.5,
                                                                     likelihood_note="exact")]})
    _write(tmp_path, "06_01_c", {"metrics": {"perplexity": 3.0}})            # no comparison: no row
    rows = comparison.collect_rows(tmp_path)
    assert sorted(r["stem"] for r in rows) == ["10_01_a", "10_04_b"]
    table = comparison.markdown_table(rows)
    assert table.index("good model") < table.index("slow model")
    assert "1.500 (exact)" in table and "2.0 ms" in table and "10 min (jax)" in table
    assert "ANOTHER JUDGE" not in table


def test_a_row_scored_by_another_judge_is_flagged(tmp_path):
    _write(tmp_path, "10_01_a", {"comparison": [_row("a", 3.0), _row("b", 4.0)]})
    _write(tmp_path, "10_02_b", {"comparison": [_row("odd one", 5.0, accuracy=0.85)]})
    table = comparison.markdown_table(comparison.collect_rows(tmp_path))
    odd = next(line for line in table.splitlines() if line.startswith("| odd one"))
    assert "ANOTHER JUDGE" in odd and "0.8500" in odd
    assert "test accuracy 0.9000" in table.splitlines()[0]


def test_0903_record_without_rows_gives_its_two_gans(tmp_path):
    _write(tmp_path, "09_03_modern_gan_blocks", {
        "metrics": {"frechet_modern": 25.5, "frechet_dcgan": 7.9, "frechet_real_floor": 0.23,
                    "class_entropy_bits_modern": 3.15, "class_entropy_bits_dcgan": 3.24},
        "n_generated": 5000, "train_seconds_each": 480, "judge_test_accuracy": 0.9038, "backend": "jax"})
    rows = comparison.collect_rows(tmp_path)
    assert [r["frechet"] for r in rows] == [7.9, 25.5]
    assert "not measured" in comparison.markdown_table(rows)


def test_the_readme_comparison_is_the_generated_one():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    between = text.split(comparison.BEGIN, 1)[1].split(comparison.END, 1)[0]
    assert between.strip("\n") == comparison.markdown_table(comparison.collect_rows(ROOT / "results")).strip("\n"), \
        "the README's comparison table is out of date: run `python -m utils.report --readme`"


def test_readme_update_touches_only_its_own_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# A\n{report.README_BEGIN}\nold\n{report.README_END}\n{comparison.BEGIN}\nold\n{comparison.END}\n")
    report.update_readme(readme, "new table", begin=comparison.BEGIN, end=comparison.END)
    text = readme.read_text()
    assert f"{report.README_BEGIN}\nold\n{report.README_END}" in text
    assert f"{comparison.BEGIN}\nnew table\n{comparison.END}" in text
