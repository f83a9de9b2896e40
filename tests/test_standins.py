"""The stand-in data of tests/fixtures/standins.py has the layout the real loaders parse.

CI executes the CelebA and Quick Draw notebooks on these stand-ins (conftest.py builds
them and sets ``GDL_STANDIN_DATA``). Here: the files have the official formats, are big
enough for fast mode, are quick to build, and ``load_celeba()`` / ``load_quickdraw()`` in
fast mode read them and say STAND-IN.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.fixtures import standins
from utils import data


@pytest.fixture(scope="session")
def standin_folder(tmp_path_factory):
    """Every stand-in, built once for this test session (and how long that took)."""
    folder = tmp_path_factory.mktemp("standins")
    start = time.perf_counter()
    standins.build_all(folder)
    return folder, time.perf_counter() - start


@pytest.fixture
def use_standins(standin_folder, monkeypatch):
    """GDL_STANDIN_DATA at the stand-ins, fast mode on (cache and mirror: empty, see tests/conftest.py)."""
    folder, _ = standin_folder
    monkeypatch.setenv("GDL_STANDIN_DATA", str(folder))
    monkeypatch.setenv("GDL_FAST", "1")
    return folder


def test_building_every_standin_takes_seconds(standin_folder):
    folder, seconds = standin_folder
    assert seconds < 60, f"building the stand-ins took {seconds:.0f} s"
    assert sorted(p.name for p in folder.iterdir()) == sorted(standins.BUILDERS)


def test_standins_hold_every_official_file(standin_folder):
    folder, _ = standin_folder
    for name in standins.BUILDERS:
        official = sorted(f.name for f in data.REGISTRY[name].files)
        assert sorted(p.name for p in (folder / name).iterdir()) == official, name


def test_unknown_standin_is_refused(tmp_path):
    with pytest.raises(KeyError, match="no stand-in builder for data set 'mnist'"):
        standins.build("mnist", tmp_path)


def test_celeba_standin_has_the_official_layout(standin_folder):
    folder, _ = standin_folder
    celeba = folder / "celeba"
    lines = (celeba / "list_attr_celeba.txt").read_text().splitlines()
    count, names, rows = int(lines[0]), tuple(lines[1].split()), [line.split() for line in lines[2:]]
    assert names == data.class_names("celeba"), "the 40 attribute names, in CelebA's order"
    assert count == len(rows) and all(len(row) == 41 and set(row[1:]) <= {"1", "-1"} for row in rows)
    partition = [line.split() for line in (celeba / "list_eval_partition.txt").read_text().splitlines()]
    assert [p[0] for p in partition] == [row[0] for row in rows], "both files list the images in one order"
    split = np.array([int(p[1]) for p in partition])
    n_train, n_test = data.REGISTRY["celeba"].fast_sizes
    assert (split == 0).sum() >= n_train and (split == 2).sum() >= n_test, "enough images for fast mode"
    assert (split == 1).sum() > 0 and np.all(np.diff(split) >= 0), "train, then validation, then test"
    smiling = np.array([row[1 + names.index("Smiling")] == "1" for row in rows])
    assert 0.3 < smiling.mean() < 0.7, "both values of an attribute are common (attribute arithmetic)"
    with zipfile.ZipFile(celeba / "img_align_celeba.zip") as archive:
        members = archive.namelist()
        assert members[0] == "img_align_celeba/"
        assert members[1:] == [f"img_align_celeba/{row[0]}" for row in rows]
        image = Image.open(io.BytesIO(archive.read(members[1])))
        assert image.format == "JPEG" and image.mode == "RGB" and image.size == (178, 218)
        assert np.asarray(image).std() > 20, "a drawn face, not a flat colour"


def test_quickdraw_standin_has_the_official_layout(standin_folder):
    folder, _ = standin_folder
    n_train, n_test = data.REGISTRY["quickdraw"].fast_sizes
    means = []
    for category in data.class_names("quickdraw"):
        bitmaps = np.load(folder / "quickdraw" / f"{category}.npy", allow_pickle=False)
        assert bitmaps.dtype == np.uint8 and bitmaps.ndim == 2 and bitmaps.shape[1] == 784
        assert len(bitmaps) >= n_train + n_test, "enough drawings for fast mode"
        assert bitmaps.max() == 255 and np.median(bitmaps) == 0, "ink 255 on a 0 background"
        means.append(bitmaps.reshape(-1, 28, 28).mean(axis=0))
    gaps = [np.abs(a - b).mean() for i, a in enumerate(means) for b in means[i + 1:]]
    assert min(gaps) > 5, "the categories look different (a classifier can tell them apart)"


# ---------------------------------------------------------------- through the loaders (the data hook)


def test_load_celeba_reads_the_standin_in_fast_mode(use_standins, capsys):
    (train_paths, train_attributes), (test_paths, test_attributes) = data.load_celeba()
    out = capsys.readouterr().out
    assert "STAND-IN" in out, out
    n_train, n_test = data.REGISTRY["celeba"].fast_sizes
    assert len(train_paths) == len(train_attributes) == n_train
    assert len(test_paths) == len(test_attributes) == n_test
    assert train_attributes.shape[1] == 40 and set(np.unique(train_attributes)) <= {0, 1}
    from utils.images import load_images

    faces = load_images(test_paths[:4], 64, 148)
    assert faces.shape == (4, 64, 64, 3) and faces.std() > 0.05


def test_load_quickdraw_reads_the_standin_in_fast_mode(use_standins, capsys):
    (x_train, y_train), (x_test, y_test) = data.load_quickdraw()
    out = capsys.readouterr().out
    assert "STAND-IN" in out, out
    n_train, n_test = data.REGISTRY["quickdraw"].fast_sizes
    assert x_train.shape == (5 * n_train, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (5 * n_test, 28, 28)
    assert sorted(np.bincount(y_train)) == [n_train] * 5


def test_without_standins_the_loader_still_refuses(standin_folder, monkeypatch):
    """Stand-ins are used only where GDL_STANDIN_DATA points: unset, CelebA is unavailable here."""
    monkeypatch.delenv("GDL_STANDIN_DATA", raising=False)
    assert data.availability("celeba", download_missing=False) is not None


def test_building_again_gives_the_same_bytes(standin_folder, tmp_path):
    """Deterministic: the loader's unpacked copy of the stand-in images (keyed by the archive) is reused."""
    folder, _ = standin_folder
    again = standins.build("celeba", tmp_path)
    for file in again.iterdir():
        assert file.read_bytes() == (folder / "celeba" / file.name).read_bytes(), file.name


# ---------------------------------------------------------------- the notebook run (root conftest.py)


def _notebook(path, datasets, code):
    """Write a one-cell notebook that lists ``datasets`` in its metadata."""
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["gdl"] = {"datasets": datasets}
    nbformat.write(nb, str(path))
    return path


def test_notebook_run_gives_standins_or_skips(tmp_path, isolated_env):
    """Under nbval, the root conftest.py builds stand-ins for a CelebA notebook (its kernel sees
    GDL_STANDIN_DATA and loads CelebA), skips a GloVe notebook (no stand-in), and says so."""
    root = Path(__file__).resolve().parents[1]
    faces = _notebook(tmp_path / "faces.ipynb", ["celeba"],
                      "import os, pathlib\nfrom utils import data\n"
                      f"pathlib.Path({str(tmp_path / 'seen.txt')!r}).write_text(os.environ['GDL_STANDIN_DATA'])\n"
                      "(train, _), (test, _) = data.load_celeba()\nassert len(train) == 2000 and len(test) == 500")
    words = _notebook(tmp_path / "words.ipynb", ["glove"], "raise SystemExit('must be skipped')")
    env = {k: v for k, v in os.environ.items() if k not in ("GDL_DATA_MIRROR", "GDL_STANDIN_DATA", "PYTEST_ADDOPTS")}
    env.update(GDL_FAST="1", GDL_DATA_DIR=str(isolated_env["cache"]), GDL_RUN_DIR=str(isolated_env["runs"]))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "--nbval-lax", "-q", "-rs",
         str(faces), str(words)],
        cwd=root, env=env, capture_output=True, text=True, timeout=600)
    out = result.stdout
    assert result.returncode == 0, out[-3000:] + result.stderr[-2000:]
    assert "1 passed, 1 skipped" in out, out[-3000:]
    assert "data set 'glove' is unavailable" in out
    assert "faces.ipynb  (ran on STAND-IN data: code check only, not results: celeba)" in out
    folder = Path((tmp_path / "seen.txt").read_text())  # the kernel's GDL_STANDIN_DATA
    assert root not in folder.parents, "stand-ins are built outside the repository"
    assert not folder.exists(), "the stand-in folder is removed at the end of the session"
