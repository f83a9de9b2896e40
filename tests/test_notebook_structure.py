"""Every notebook has the shape the course shares (tests/notebook_template.py is the source).

For each ``notebooks/*.ipynb``: the Colab badge names the notebook's own file; the first
code cell is the shared setup cell; the kernelspec is what ipykernel writes; the run
folder is named after the notebook; ``metadata.gdl.datasets`` lists exactly the data sets
the notebook loads (CI uses it to decide what to skip or build stand-ins for); the
closing pattern is "What we learned" then 2-4 numbered exercises; ``# NBVAL_CHECK_OUTPUT``
cells have stored outputs to check; no stored output shows a machine's absolute path.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.notebook_template import BADGE, CLOSING_EXERCISES, CLOSING_SUMMARY, KERNELSPEC, SETUP_CELL

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))

# The loaders of utils.data and the registry name of the data set each one loads. A
# notebook calling a loader that is not here fails with a message asking to add it.
LOADER_DATASETS = {
    "load_mnist": "mnist",
    "load_fashion_mnist": "fashion_mnist",
    "load_cifar10": "cifar10",
    "load_celeba": "celeba",
    "load_quickdraw": "quickdraw",
    "load_aesop": "aesop",
    "load_tiny_shakespeare": "shakespeare",
    "load_squad": "squad",
    "load_glove": "glove",
    "load_jsb_chorales": "chorales",
    "load_cello_suites": "cello",
    # A loader that serves several data sets maps to a tuple: the notebook lists those it may use.
    "load_cyclegan_images": ("apple2orange", "monet2photo"),
    "load_domains": ("apple2orange", "monet2photo", "fashion_mnist"),  # utils.cyclegan
    "load_style_image": "style",
    "load_content_image": "content",
}
CHECK_OUTPUT_MARKER = "# NBVAL_CHECK_OUTPUT"
ABSOLUTE_PATH_PREFIXES = ("/work/", "/home/", "/root/", "/tmp/", "/Users/", "C:\\")


def _read(path: Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _code(notebook: dict) -> list[str]:
    return [_source(c) for c in notebook["cells"] if c["cell_type"] == "code"]


def _output_texts(cell: dict):
    """Every piece of text a code cell's stored outputs show (streams, text data, errors)."""
    for output in cell.get("outputs", []):
        pieces = [output.get("text", "")] + list(output.get("traceback", []))
        for mime, value in output.get("data", {}).items():
            if mime.startswith("text/") or mime.endswith("json"):
                pieces.append(value if isinstance(value, str) else json.dumps(value))
        for piece in pieces:
            yield "".join(piece) if isinstance(piece, list) else piece


def _has_check_output_marker(source: str) -> bool:
    """Whether nbval sees ``# NBVAL_CHECK_OUTPUT`` in a cell: on any line, as a whole comment."""
    return any(line.strip().startswith("#") and line.strip().lstrip("#").strip() == "NBVAL_CHECK_OUTPUT"
               for line in source.splitlines())


def loaders_called(code: str) -> set[str]:
    """Names of ``utils.data`` loaders the code calls: ``data.load_x(...)`` or ``load_x(...)``
    after ``from utils.data import load_x``."""
    called = set(re.findall(r"\bdata\.(load_\w+)\s*\(", code))
    if re.search(r"(?<![\w.])load_domains\s*\(", code) and not re.search(r"def\s+load_domains\b", code):
        called.add("load_domains")  # utils.cyclegan's loader of an image pair (05_01 writes it)
    for imported in re.findall(r"from\s+utils\.data\s+import\s+\(?([\w\s,]+)\)?", code):
        for name in re.split(r"[\s,]+", imported.strip()):
            if name.startswith("load_") and re.search(rf"(?<![\w.]){name}\s*\(", code):
                called.add(name)
    return called


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def notebook(request):
    return request.param, _read(request.param)


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 10


def test_first_cell_has_the_badge_for_this_notebook(notebook):
    path, nb = notebook
    first = nb["cells"][0]
    assert first["cell_type"] == "markdown", "the first cell must be markdown (title and badge)"
    lines = _source(first).splitlines()
    badge = BADGE.format(name=path.name)
    # the badge is the first line, or comes after a "# N.M Title" heading and a blank line
    expected_at = 2 if lines and lines[0].startswith("# ") else 0
    assert lines[expected_at:expected_at + 1] == [badge], (
        f"line {expected_at + 1} of the first cell must be the badge for {path.name}:\n{badge}\n"
        f"it is: {lines[expected_at] if len(lines) > expected_at else '(missing)'}")
    if expected_at:
        assert lines[1] == "", "a blank line must separate the heading from the badge"
    others = [line for line in lines if "colab-badge" in line and line != badge]
    assert not others, f"another Colab badge in the first cell: {others}"


def test_first_code_cell_is_the_setup_cell(notebook):
    path, nb = notebook
    code = _code(nb)
    assert code, "no code cells"
    assert code[0] == SETUP_CELL, "the first code cell must be tests/notebook_template.py's SETUP_CELL, exactly"


def test_kernelspec_is_what_ipykernel_writes(notebook):
    path, nb = notebook
    assert nb["metadata"].get("kernelspec") == KERNELSPEC


def test_run_folder_is_named_after_the_notebook(notebook):
    path, nb = notebook
    names = re.findall(r"start_run\(\s*['\"]([^'\"]*)['\"]", "\n".join(_code(nb)))
    assert names, f'no utils.start_run("{path.stem}") call'
    assert set(names) == {path.stem}, f"start_run must get the notebook's own name {path.stem!r}, got {names}"


def test_metadata_lists_the_data_sets_it_loads(notebook):
    path, nb = notebook
    called = loaders_called("\n".join(_code(nb)))
    unknown = sorted(called - set(LOADER_DATASETS))
    assert not unknown, (f"unknown loader(s) {unknown}: add them with their data set's registry name to "
                         f"LOADER_DATASETS in {Path(__file__).name}")
    listed = nb["metadata"].get("gdl", {}).get("datasets")
    assert isinstance(listed, list), 'metadata must hold "gdl": {"datasets": [...]} (an empty list if none)'
    # "optional_datasets": used when they can be had (05_01 trains on apple2orange if it can be
    # downloaded); the test suite does not skip the notebook when they cannot.
    listed = listed + list(nb["metadata"]["gdl"].get("optional_datasets", []))
    assert len(listed) == len(set(listed)), f"gdl.datasets lists a data set twice: {listed}"
    single = {LOADER_DATASETS[name] for name in called if isinstance(LOADER_DATASETS[name], str)}
    several = [set(LOADER_DATASETS[name]) for name in called if not isinstance(LOADER_DATASETS[name], str)]
    allowed = single.union(*several)
    assert single <= set(listed) <= allowed and all(options & set(listed) for options in several), (
        f"gdl.datasets is {sorted(listed)} but the notebook calls {sorted(called)}")


def test_closing_pattern(notebook):
    path, nb = notebook
    *_, summary, exercises = nb["cells"]
    assert summary["cell_type"] == "markdown" and _source(summary).lstrip().startswith(CLOSING_SUMMARY), (
        f"the second to last cell must be markdown starting with {CLOSING_SUMMARY!r}")
    assert exercises["cell_type"] == "markdown" and _source(exercises).lstrip().startswith(CLOSING_EXERCISES), (
        f"the last cell must be markdown starting with {CLOSING_EXERCISES!r}")
    numbers = [int(n) for n in re.findall(r"^(\d+)\.\s", _source(exercises), flags=re.MULTILINE)]
    assert 2 <= len(numbers) <= 4, f"the exercises cell must hold 2-4 numbered exercises, found {len(numbers)}"
    assert numbers == list(range(1, len(numbers) + 1)), f"exercises must be numbered 1., 2., ...: {numbers}"


def test_check_output_cells_have_outputs_to_check(notebook):
    path, nb = notebook
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    marked = [c for c in code_cells if _has_check_output_marker(_source(c))]
    empty = [_source(c).splitlines()[:2] for c in marked if not c.get("outputs")]
    if not any(c.get("outputs") for c in code_cells):
        assert not marked, (f"committed without outputs, so its {len(marked)} {CHECK_OUTPUT_MARKER} cell(s) "
                            "check nothing: remove the marker (or commit the outputs of a real run)")
    assert not empty, f"{len(empty)} {CHECK_OUTPUT_MARKER} cell(s) without stored outputs check nothing: {empty}"


def test_no_output_shows_an_absolute_path(notebook):
    path, nb = notebook
    found = []
    for index, cell in enumerate(nb["cells"]):
        for text in _output_texts(cell):
            for prefix in ABSOLUTE_PATH_PREFIXES:
                if prefix in text:
                    at = text.index(prefix)
                    found.append(f"cell {index}: ...{text[max(0, at - 30):at + 50]!r}...")
    assert not found, "stored outputs show absolute paths of a machine:\n" + "\n".join(found[:10])


# --------------------------------------------------------------------------- the checks can fail


def test_loaders_called_finds_the_calls_and_nothing_else():
    code = ("from utils import data\nx = data.load_mnist()\nfrom utils.data import load_glove, class_names\n"
            "v = load_glove()\nimages = load_images(paths)\nm = keras.saving.load_model('m.keras')\n"
            "# data.load_cifar10 is not called here\n")
    assert loaders_called(code) == {"load_mnist", "load_glove"}
    assert loaders_called("data.load_music(1)") == {"load_music"}  # unknown: the test above then fails


def test_check_output_marker_is_found_as_nbval_finds_it():
    assert _has_check_output_marker("# NBVAL_CHECK_OUTPUT\nmodel.summary()")
    assert _has_check_output_marker("x = 1\n  #NBVAL_CHECK_OUTPUT")
    assert not _has_check_output_marker("print('# NBVAL_CHECK_OUTPUT')\n# NBVAL_CHECK_OUTPUT is explained here")


def test_a_bad_notebook_fails_every_check(tmp_path):
    """A notebook with the wrong badge, setup, kernelspec, run name, metadata and closing fails each check."""
    bad = {
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "gdl": {"datasets": ["mnist"]}},
        "cells": [
            {"cell_type": "markdown", "source": "# 9.9 Bad\n\n" + BADGE.format(name="other.ipynb")},
            {"cell_type": "code", "source": "import os", "outputs": []},
            {"cell_type": "code", "source": 'run = utils.start_run("other")\ndata.load_cifar10()',
             "outputs": [{"output_type": "stream", "name": "stdout", "text": "saved /home/me/run/x.png"}]},
            {"cell_type": "code", "source": CHECK_OUTPUT_MARKER + "\nmodel.summary()", "outputs": []},
            {"cell_type": "markdown", "source": "## Exercises\n\n1. Only one."},
        ],
    }
    checks = [test_first_cell_has_the_badge_for_this_notebook, test_first_code_cell_is_the_setup_cell,
              test_kernelspec_is_what_ipykernel_writes, test_run_folder_is_named_after_the_notebook,
              test_metadata_lists_the_data_sets_it_loads, test_closing_pattern,
              test_check_output_cells_have_outputs_to_check, test_no_output_shows_an_absolute_path]
    for check in checks:
        with pytest.raises(AssertionError):
            check((tmp_path / "bad.ipynb", bad))
