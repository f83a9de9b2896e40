"""The Quick Draw registry entry and loader (utils.data.load_quickdraw), on tiny fake files."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest

from utils import data
from utils.data import images, registry


def _npy_bytes(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _drawings(n, value):
    """n fake drawings (uint8 (n, 784)) whose pixels all equal ``value`` (to tell files apart)."""
    return np.full((n, 784), value, dtype=np.uint8)


@pytest.fixture
def fake_quickdraw(monkeypatch, mirror):
    """Register a Quick Draw entry whose five files are tiny .npy files in the mirror."""
    real = data.REGISTRY["quickdraw"]
    files = []
    for i, category in enumerate(real.class_names):
        content = _npy_bytes(_drawings(12, 10 + i))
        (mirror / "quickdraw").mkdir(exist_ok=True)
        (mirror / "quickdraw" / f"{category}.npy").write_bytes(content)
        files.append(registry.RemoteFile(f"{category}.npy", (f"https://primary.invalid/{category}.npy",),
                                     hashlib.sha256(content).hexdigest(), size=len(content)))
    fake = registry.Dataset(name="quickdraw", title=real.title, homepage=real.homepage, files=tuple(files),
                        fast_sizes=(3, 2), class_names=real.class_names)
    monkeypatch.setitem(data.REGISTRY, "quickdraw", fake)
    return mirror


def test_registry_entry_names_the_official_files():
    dataset = data.REGISTRY["quickdraw"]
    assert dataset.class_names[0] == "camel"
    for file in dataset.files:
        assert file.urls[0] == f"https://storage.googleapis.com/quickdraw_dataset/full/numpy_bitmap/{file.name}"
        assert len(file.sha256) == 64 and file.size > 90_000_000
    camel = next(f for f in dataset.files if f.name == "camel.npy")
    assert camel.size == 95_176_896
    assert camel.sha256 == "d3068394591fe1c2a62a764d654fe65d147025c0702a7dbec9609cb394e45093"


def test_loader_returns_uint8_images_and_a_fixed_split(fake_quickdraw, capsys):
    (x_train, y_train), (x_test, y_test) = data.load_quickdraw(["camel", "cow"], train_per_class=8,
                                                               test_per_class=4)
    assert x_train.dtype == np.uint8 and x_train.shape == (16, 28, 28)
    assert x_test.dtype == np.uint8 and x_test.shape == (8, 28, 28)
    assert sorted(np.bincount(y_train)) == [8, 8] and sorted(np.bincount(y_test)) == [4, 4]
    # labels index the categories asked for: camel (file value 10) -> 0, cow (value 12) -> 1
    assert set(x_train[y_train == 0].ravel()) == {10} and set(x_train[y_train == 1].ravel()) == {12}
    again = data.load_quickdraw(["camel", "cow"], train_per_class=8, test_per_class=4)
    assert np.array_equal(again[0][1], y_train)  # the same order every time
    assert "from mirror" in capsys.readouterr().out


def test_fast_mode_uses_the_small_sizes(fake_quickdraw, monkeypatch):
    monkeypatch.setenv("GDL_FAST", "1")
    (x_train, _), (x_test, _) = data.load_quickdraw(["camel"])
    assert x_train.shape == (3, 28, 28) and x_test.shape == (2, 28, 28)


def test_too_few_drawings_and_unknown_category(fake_quickdraw):
    with pytest.raises(data.DataUnavailable, match="fewer than"):
        data.load_quickdraw(["camel"], train_per_class=10, test_per_class=5)
    with pytest.raises(ValueError, match="unknown Quick Draw categories"):
        data.load_quickdraw(["unicorn"])


def test_missing_file_gives_a_clear_message(mirror):
    with pytest.raises(data.DataUnavailable) as info:
        data.load_quickdraw(["camel"])
    message = str(info.value)
    assert "camel.npy is not available" in message
    assert "https://storage.googleapis.com/quickdraw_dataset/full/numpy_bitmap/camel.npy" in message
    assert "quickdraw/camel.npy" in message


def test_wrong_size_file_is_refused(mirror):
    (mirror / "quickdraw").mkdir()
    (mirror / "quickdraw" / "camel.npy").write_bytes(_npy_bytes(_drawings(5, 1)))  # far too small
    with pytest.raises(data.ChecksumError, match="corrupt or truncated"):
        data.load_quickdraw(["camel"])


def test_corrupt_file_with_the_right_size_is_refused(fake_quickdraw):
    path = fake_quickdraw / "quickdraw" / "cat.npy"
    content = bytearray(path.read_bytes())
    content[-1] ^= 0xFF  # one flipped byte: same size, other checksum
    path.write_bytes(bytes(content))
    with pytest.raises(data.ChecksumError, match="corrupt or truncated"):
        data.load_quickdraw(["camel"])  # every registered file is checked


def test_reader_refuses_files_that_are_not_bitmaps(tmp_path):
    garbage = tmp_path / "garbage.npy"
    garbage.write_bytes(b"this is not a numpy file" * 10)
    with pytest.raises(data.DataUnavailable, match="not a Quick Draw bitmap file"):
        images.read_quickdraw_bitmaps(garbage)
    wrong_shape = tmp_path / "wrong.npy"
    np.save(wrong_shape, np.zeros((4, 28, 28), dtype=np.uint8))
    with pytest.raises(data.DataUnavailable, match=r"expected uint8 \(N, 784\)"):
        images.read_quickdraw_bitmaps(wrong_shape)
    floats = tmp_path / "floats.npy"
    np.save(floats, np.zeros((4, 784), dtype=np.float32))
    with pytest.raises(data.DataUnavailable, match="expected uint8"):
        images.read_quickdraw_bitmaps(floats)
