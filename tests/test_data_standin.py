"""utils.data's stand-in hook: GDL_STANDIN_DATA serves small look-alike files, loudly, never as real data."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import pytest

from tests.test_celeba import NAMES, SPLIT, official_files
from utils import data

CONTENT = b"the official bytes of a toy data set\n" * 50


@pytest.fixture
def standins(tmp_path, monkeypatch):
    """An empty stand-in folder, set as GDL_STANDIN_DATA."""
    folder = tmp_path / "standins"
    folder.mkdir()
    monkeypatch.setenv("GDL_STANDIN_DATA", str(folder))
    return folder


def _put(folder, name, file_name, content):
    path = folder / name / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_standin_files_are_used_unchecked_and_never_downloaded(make_dataset, standins, net, capsys):
    ds = make_dataset("toy_standin", {"a.bin": CONTENT, "b.bin": CONTENT})
    paths = {n: _put(standins, ds.name, n, b"look-alike bytes, other checksum") for n in ("a.bin", "b.bin")}
    net.serve(ds.files[0].urls[0], CONTENT)

    located = data.locate(ds.name)

    assert located.kind == "standin" and located.where == "stand-in" and located.paths == paths
    assert net.calls == [], "stand-ins are used instead of a download"
    out = capsys.readouterr().out
    assert out.startswith("STAND-IN DATA"), out
    assert "NOT the real data set" in out and "Nothing computed on them is a result" in out
    assert data.availability(ds.name, download_missing=False) is None


def test_standins_only_when_every_official_file_is_there(make_dataset, standins, net):
    ds = make_dataset("toy_standin_partial", {"a.bin": CONTENT, "b.bin": CONTENT})
    _put(standins, ds.name, "a.bin", b"look-alike")  # b.bin missing

    message = data.availability(ds.name, download_missing=False)

    assert message is not None and "is not available" in message and "needs all of: a.bin, b.bin" in message


def test_real_files_and_subsets_come_before_standins(make_dataset, standins, mirror, isolated_env, capsys):
    real = make_dataset("toy_standin_real", {"a.bin": CONTENT})
    subset = make_dataset("toy_standin_subset", {"a.bin": CONTENT}, subset=b"subset bytes")
    for ds in (real, subset):
        _put(standins, ds.name, "a.bin", b"look-alike")
    _put(isolated_env["cache"], real.name, "a.bin", CONTENT)
    _put(mirror, subset.name, "toy_standin_subset_subset.npz", b"subset bytes")

    assert data.locate(real.name).kind == "official"
    assert data.locate(subset.name).kind == "subset"
    assert "STAND-IN" not in capsys.readouterr().out


def test_without_the_variable_no_standins(make_dataset, tmp_path, monkeypatch):
    ds = make_dataset("toy_standin_unset", {"a.bin": CONTENT})
    _put(tmp_path / "standins", ds.name, "a.bin", b"look-alike")  # GDL_STANDIN_DATA not set
    assert data.availability(ds.name, download_missing=False) is not None


def test_celeba_standin(standins, isolated_env, net, capsys):
    """Tiny CelebA stand-ins (12 images) in the official layout: loaded, said loudly, kept apart."""
    for name, content in official_files().items():
        _put(standins, "celeba", name, content)

    (train_paths, train_attributes), (test_paths, _) = data.load_celeba()

    out = capsys.readouterr().out
    assert out.startswith("STAND-IN DATA") and "CelebA" in out.splitlines()[0]
    assert "STAND-IN data (not the real data set)" in out
    assert len(train_paths) == SPLIT.count(0) and len(test_paths) == SPLIT.count(2)
    assert train_attributes.shape == (SPLIT.count(0), 40)
    assert [p.rsplit("/", 1)[-1] for p in train_paths] == [n for n, s in zip(NAMES, SPLIT) if s == 0]
    assert not (isolated_env["cache"] / "celeba").exists(), "stand-in images never go into the data cache"
    unpacked = str(standins / "celeba" / "unpacked-")
    assert all(p.startswith(unpacked) for p in [*train_paths, *test_paths])
    assert net.calls == []


def test_quickdraw_standin(standins, net, capsys):
    for i, category in enumerate(data.class_names("quickdraw")):
        buffer = io.BytesIO()
        np.save(buffer, np.full((12, 784), 10 + i, dtype=np.uint8))
        _put(standins, "quickdraw", f"{category}.npy", buffer.getvalue())

    (x_train, y_train), (x_test, _) = data.load_quickdraw(["camel", "dog"], train_per_class=8, test_per_class=4)

    out = capsys.readouterr().out
    assert out.startswith("STAND-IN DATA") and "STAND-IN data (not the real data set)" in out
    assert x_train.shape == (16, 28, 28) and x_test.shape == (8, 28, 28)
    assert set(x_train[y_train == 1].ravel()) == {13}, "dog is the 4th category file"
    assert net.calls == []


def test_a_dataset_can_refuse_standins(make_dataset, standins, monkeypatch):
    ds = make_dataset("toy_no_standin", {"a.bin": CONTENT})
    monkeypatch.setitem(data.REGISTRY, ds.name, dataclasses.replace(ds, standin_ok=False))
    _put(standins, ds.name, "a.bin", b"a pickle, say")
    assert data.availability(ds.name, download_missing=False) is not None
