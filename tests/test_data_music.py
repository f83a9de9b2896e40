"""utils.data music loaders (chapter 7): JSB chorales (npz) and Bach's cello suites (MIDI files)."""

from __future__ import annotations

import dataclasses
import hashlib
import io

import numpy as np
import pytest

from utils import data
from utils.data import registry


def _chorales_npz(sizes=(3, 2, 2)) -> tuple[bytes, dict]:
    """A tiny Jsb16thSeparated.npz: object arrays of (T, 4) pitch arrays, NaN = rest."""
    rng = np.random.default_rng(0)
    truth = {}
    for key, n in zip(("train", "valid", "test"), sizes):
        chorales = [rng.integers(40, 80, size=(8 + i, 4)).astype(float) for i in range(n)]
        chorales[0][0, 2] = np.nan
        array = np.empty(n, dtype=object)
        array[:] = chorales
        truth[key] = array
    buffer = io.BytesIO()
    np.savez(buffer, **truth)
    return buffer.getvalue(), truth


def _fake(monkeypatch, name, files: dict[str, bytes]):
    real = data.REGISTRY[name]
    remote = tuple(registry.RemoteFile(n, (f"https://primary.invalid/{n}",), hashlib.sha256(c).hexdigest())
                   for n, c in files.items())
    monkeypatch.setitem(data.REGISTRY, name, dataclasses.replace(real, files=remote))


def test_chorales_loader(monkeypatch, mirror, net, capsys):
    content, truth = _chorales_npz()
    _fake(monkeypatch, "chorales", {"Jsb16thSeparated.npz": content})
    (mirror / "chorales").mkdir()
    (mirror / "chorales" / "Jsb16thSeparated.npz").write_bytes(content)

    train, valid, test = data.load_jsb_chorales()

    assert [len(train), len(valid), len(test)] == [3, 2, 2]
    for got, want in zip(train, truth["train"]):
        np.testing.assert_array_equal(got, want)  # NaN (a rest) compares equal here
    assert train[0].shape == (8, 4) and np.isnan(train[0][0, 2])
    assert "3 train / 2 valid / 2 test chorales" in capsys.readouterr().out
    assert net.calls == []


def test_chorales_are_never_read_from_standins(monkeypatch, tmp_path):
    """The file is unpickled (object arrays): only a checksum-checked copy may be."""
    folder = tmp_path / "standins" / "chorales"
    folder.mkdir(parents=True)
    (folder / "Jsb16thSeparated.npz").write_bytes(_chorales_npz()[0])
    monkeypatch.setenv("GDL_STANDIN_DATA", str(tmp_path / "standins"))
    assert data.availability("chorales", download_missing=False) is not None


def test_chorales_of_the_wrong_shape_are_refused(monkeypatch, mirror):
    array = np.empty(1, dtype=object)
    array[:] = [np.zeros((5, 3))]
    buffer = io.BytesIO()
    np.savez(buffer, train=array, valid=array, test=array)
    _fake(monkeypatch, "chorales", {"Jsb16thSeparated.npz": buffer.getvalue()})
    (mirror / "chorales").mkdir()
    (mirror / "chorales" / "Jsb16thSeparated.npz").write_bytes(buffer.getvalue())
    with pytest.raises(data.DataUnavailable, match=r"expected \(T, 4\)"):
        data.load_jsb_chorales()


def test_cello_loader_returns_sorted_paths(monkeypatch, mirror, capsys):
    files = {name: f"MThd {name}".encode() for name in ("bwv1008_1_prelude.mid", "bwv1007_2_allemande.mid",
                                                         "bwv1007_1_prelude.mid")}
    _fake(monkeypatch, "cello", files)
    (mirror / "cello").mkdir()
    for name, content in files.items():
        (mirror / "cello" / name).write_bytes(content)

    paths = data.load_cello_suites()

    assert [p.name for p in paths] == sorted(files)
    assert all(p.parent == (mirror / "cello").resolve() for p in paths)
    assert "3 MIDI files" in capsys.readouterr().out


def test_cello_missing_says_where_to_get_it(net):
    message = data.availability("cello", download_missing=False)
    assert "bwv1007_1_prelude.mid is not available" in message
    assert "no official download" in message and "SOURCE.md" in message


def test_registry_entries():
    chorales = data.REGISTRY["chorales"]
    (file,) = chorales.files
    assert file.sha256 == "2adcdf0d57880c3763f104555072285fe7f9e3d6049fcc4b9830557b8d4a7820"
    assert "czhuang/JSB-Chorales-dataset" in file.urls[0]
    cello = data.REGISTRY["cello"]
    assert len(cello.files) == 36 and all(len(f.sha256) == 64 and f.size > 0 for f in cello.files)
    assert data.download_size("cello") == 249_890, "the total SOURCE.md gives"


def test_real_chorales_and_cello(real_mirror, net):
    train, valid, test = data.load_jsb_chorales()
    assert [len(train), len(valid), len(test)] == [229, 76, 77]
    pitches = np.concatenate([c[~np.isnan(c)] for c in train])
    assert 20 < pitches.min() and pitches.max() < 100
    paths = data.load_cello_suites()
    assert len(paths) == 36 and paths[0].name == "bwv1007_1_prelude.mid" and paths[-1].name == "bwv1012_6_gigue.mid"
    assert all(p.read_bytes()[:4] == b"MThd" for p in paths)
    assert net.calls == []
