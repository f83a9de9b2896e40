"""utils.data loaders: official files and mirror subsets, fast mode, and the real mirror."""

from __future__ import annotations

import hashlib
import io
import pickle
import shutil
import tarfile

import numpy as np
import pytest

from utils import data
from utils.data import fetch, registry


def _npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _fake(name, file_name, content, **kwargs) -> registry.Dataset:
    real = data.REGISTRY[name]
    return registry.Dataset(
        name=name, title=real.title, homepage=real.homepage,
        files=(registry.RemoteFile(file_name, (f"https://primary.invalid/{file_name}",),
                               hashlib.sha256(content).hexdigest()),),
        class_names=real.class_names, **kwargs,
    )


def _split(arrays):
    (x_train, y_train), (x_test, y_test) = arrays
    return x_train, y_train, x_test, y_test


# --------------------------------------------------------------------------- fake files


@pytest.fixture
def fake_mnist_subset(monkeypatch, mirror):
    """A registry entry 'mnist' whose mirror holds only a tiny class-sorted subset."""
    y_train = np.repeat(np.arange(10, dtype=np.uint8), 4)  # sorted by class, like the real one
    y_test = np.repeat(np.arange(10, dtype=np.uint8), 2)
    x_train = np.broadcast_to(y_train[:, None, None], (40, 28, 28)).astype(np.uint8)
    x_test = np.broadcast_to(y_test[:, None, None], (20, 28, 28)).astype(np.uint8)
    content = _npz_bytes(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    subset = registry.RemoteFile("mnist_subset.npz", (), hashlib.sha256(content).hexdigest())
    fake = _fake("mnist", "mnist.npz", b"official bytes we do not have", subset=subset, fast_sizes=(12, 6))
    monkeypatch.setitem(data.REGISTRY, "mnist", fake)
    (mirror / "mnist").mkdir()
    (mirror / "mnist" / "mnist_subset.npz").write_bytes(content)
    return fake


def test_subset_loader_says_so_and_shuffles_reproducibly(fake_mnist_subset, net, capsys):
    first = _split(data.load_mnist())
    out = capsys.readouterr().out
    second = _split(data.load_mnist())

    assert "OFFLINE SUBSET" in out and "from mirror" in out and "40 train / 20 test" in out
    assert net.calls == []
    x_train, y_train, x_test, y_test = first
    assert x_train.shape == (40, 28, 28) and x_test.shape == (20, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.int64 and y_test.dtype == np.int64
    # The class-sorted subset is shuffled, images stay with their labels, nothing is lost.
    assert not np.all(np.diff(y_train) >= 0), "the sorted subset must be shuffled"
    np.testing.assert_array_equal(x_train[:, 0, 0], y_train)
    np.testing.assert_array_equal(x_test[:, 5, 5], y_test)
    assert sorted(y_train.tolist()) == sorted(np.repeat(np.arange(10), 4).tolist())
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_subset_loader_fast_mode(fake_mnist_subset, monkeypatch, capsys):
    full = _split(data.load_mnist())
    monkeypatch.setenv("GDL_FAST", "1")
    fast = _split(data.load_mnist())
    out = capsys.readouterr().out

    assert "fast mode: 12 / 6" in out
    assert [len(a) for a in fast] == [12, 12, 6, 6]
    for f, a in zip(fast, full):
        np.testing.assert_array_equal(f, a[: len(f)])
    assert len(set(fast[1].tolist())) >= 4, "a fast subset must not be a single class"


def test_official_mnist_npz_from_cache(monkeypatch, isolated_env, net, capsys):
    rng = np.random.default_rng(1)
    arrays = dict(x_train=rng.integers(0, 256, (30, 28, 28), dtype=np.uint8),
                  y_train=rng.integers(0, 10, 30).astype(np.uint8),
                  x_test=rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
                  y_test=rng.integers(0, 10, 10).astype(np.uint8))
    content = _npz_bytes(**arrays)
    monkeypatch.setitem(data.REGISTRY, "mnist", _fake("mnist", "mnist.npz", content))
    (isolated_env["cache"] / "mnist").mkdir(parents=True)
    (isolated_env["cache"] / "mnist" / "mnist.npz").write_bytes(content)

    x_train, y_train, x_test, y_test = _split(data.load_mnist())

    assert "official data from cache" in capsys.readouterr().out
    assert net.calls == []
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    assert y_train.dtype == np.int64


def test_official_mnist_downloaded(monkeypatch, isolated_env, net, capsys):
    arrays = dict(x_train=np.zeros((3, 28, 28), np.uint8), y_train=np.arange(3, dtype=np.uint8),
                  x_test=np.zeros((2, 28, 28), np.uint8), y_test=np.arange(2, dtype=np.uint8))
    content = _npz_bytes(**arrays)
    fake = _fake("mnist", "mnist.npz", content)
    monkeypatch.setitem(data.REGISTRY, "mnist", fake)
    net.serve(fake.files[0].urls[0], content)

    data.load_mnist()
    data.load_mnist()

    out = capsys.readouterr().out
    assert "official data from download" in out and "official data from cache" in out
    assert len(net.calls) == 1
    assert (isolated_env["cache"] / "mnist" / "mnist.npz").read_bytes() == content


def _cifar_archive(path, train_per_batch=4, n_test=5):
    """A tiny cifar-10-python.tar.gz in the official layout, and the images it holds."""
    rng = np.random.default_rng(2)
    images, labels = {}, {}
    with tarfile.open(path, "w:gz") as tar:
        for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
            n = n_test if name == "test_batch" else train_per_batch
            x = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
            y = rng.integers(0, 10, n)
            raw = {b"data": x.transpose(0, 3, 1, 2).reshape(n, 3072), b"labels": [int(v) for v in y]}
            payload = pickle.dumps(raw)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
            images[name], labels[name] = x, y
    return path, images, labels


def test_official_cifar10_archive_from_mirror(monkeypatch, mirror, isolated_env, net, capsys):
    (mirror / "cifar10").mkdir()
    archive, images, labels = _cifar_archive(mirror / "cifar10" / "cifar-10-python.tar.gz")
    content = archive.read_bytes()
    monkeypatch.setitem(data.REGISTRY, "cifar10", _fake("cifar10", "cifar-10-python.tar.gz", content))

    x_train, y_train, x_test, y_test = _split(data.load_cifar10())

    assert "official data from mirror" in capsys.readouterr().out
    assert x_train.shape == (20, 32, 32, 3) and x_test.shape == (5, 32, 32, 3)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.int64
    # Rows of R, G, B planes become (H, W, C) images, batches 1..5 in order.
    np.testing.assert_array_equal(x_train, np.concatenate([images[f"data_batch_{i}"] for i in range(1, 6)]))
    np.testing.assert_array_equal(y_train, np.concatenate([labels[f"data_batch_{i}"] for i in range(1, 6)]))
    np.testing.assert_array_equal(x_test, images["test_batch"])
    assert not (isolated_env["cache"] / "cifar10").exists(), "the batches are read from the archive, not unpacked"
    assert net.calls == []


class _Planted:
    """A pickle that runs code when loaded: it creates the file ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_cifar10_never_unpickles_a_file_planted_in_the_old_extracted_folder(monkeypatch, mirror, isolated_env,
                                                                           tmp_path):
    (mirror / "cifar10").mkdir()
    archive, images, _ = _cifar_archive(mirror / "cifar10" / "cifar-10-python.tar.gz")
    monkeypatch.setitem(data.REGISTRY, "cifar10", _fake("cifar10", "cifar-10-python.tar.gz", archive.read_bytes()))
    marker = tmp_path / "planted_code_ran"
    planted = isolated_env["cache"] / "cifar10" / "extracted" / "cifar-10-batches-py"  # where old versions unpacked
    planted.mkdir(parents=True)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        (planted / name).write_bytes(pickle.dumps(_Planted(marker)))

    x_train, _, x_test, _ = _split(data.load_cifar10())

    assert not marker.exists(), "a planted pickle was loaded"
    np.testing.assert_array_equal(x_test, images["test_batch"])
    assert len(x_train) == 20


def test_cifar10_refuses_stand_ins(monkeypatch, tmp_path):
    """Its batches are pickles: only the checksum-checked archive may be unpickled."""
    folder = tmp_path / "standins" / "cifar10"
    folder.mkdir(parents=True)
    _cifar_archive(folder / "cifar-10-python.tar.gz")
    monkeypatch.setenv("GDL_STANDIN_DATA", str(tmp_path / "standins"))
    assert data.availability("cifar10", download_missing=False) is not None


# --------------------------------------------------------------------------- the real mirror


def _check_arrays(arrays, image_shape, n_train, n_test, all_classes=True):
    x_train, y_train, x_test, y_test = arrays
    assert x_train.shape == (n_train, *image_shape)
    assert x_test.shape == (n_test, *image_shape)
    assert y_train.shape == (n_train,) and y_test.shape == (n_test,)
    assert x_train.dtype == np.uint8 and x_test.dtype == np.uint8
    assert y_train.dtype == np.int64 and y_test.dtype == np.int64
    for y in (y_train, y_test):
        assert y.min() >= 0 and y.max() <= 9
        if all_classes:
            assert set(y.tolist()) == set(range(10))
    assert x_train.max() > x_train.min(), "images are not blank"


def test_real_mnist_subset(real_mirror, net, capsys):
    arrays = _split(data.load_mnist())
    out = capsys.readouterr().out
    assert "OFFLINE SUBSET" in out and "8,000 train / 2,000 test" in out
    assert data.locate("mnist").kind == "subset"
    _check_arrays(arrays, (28, 28), 8000, 2000)
    assert net.calls == []


def test_real_fashion_mnist_official(real_mirror, net, capsys):
    arrays = _split(data.load_fashion_mnist())
    out = capsys.readouterr().out
    assert "official data from mirror" in out and "OFFLINE SUBSET" not in out
    _check_arrays(arrays, (28, 28), 60000, 10000)
    counts = np.bincount(arrays[1], minlength=10)
    assert (counts == 6000).all(), "the official training set has 6,000 images per class"
    assert net.calls == []


def test_real_cifar10_subset_and_fast_mode(real_mirror, monkeypatch, capsys):
    full = _split(data.load_cifar10())
    out = capsys.readouterr().out
    assert "OFFLINE SUBSET" in out and "14,000 train / 5,000 test" in out
    _check_arrays(full, (32, 32, 3), 14000, 5000)

    monkeypatch.setenv("GDL_FAST", "1")
    fast = _split(data.load_cifar10())
    n_train, n_test = data.REGISTRY["cifar10"].fast_sizes
    assert "fast mode" in capsys.readouterr().out
    _check_arrays(fast, (32, 32, 3), n_train, n_test, all_classes=False)
    assert len(set(fast[1].tolist())) >= 8 and len(set(fast[3].tolist())) >= 8
    for f, a in zip(fast, full):  # a second load gives the same fixed subset
        np.testing.assert_array_equal(f, a[: len(f)])


@pytest.mark.parametrize("loader, name, shape", [
    (data.load_mnist, "mnist", (28, 28)),
    (data.load_fashion_mnist, "fashion_mnist", (28, 28)),
])
def test_real_fast_mode_is_small_fixed_and_mixed(real_mirror, monkeypatch, capsys, loader, name, shape):
    monkeypatch.setenv("GDL_FAST", "1")
    first = _split(loader())
    second = _split(loader())
    n_train, n_test = data.REGISTRY[name].fast_sizes

    assert "fast mode" in capsys.readouterr().out
    _check_arrays(first, shape, n_train, n_test, all_classes=False)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert len(set(first[1].tolist())) >= 8, "the fast training subset holds several classes"
    assert len(set(first[3].tolist())) >= 8


def test_real_corrupted_mirror_copy_is_refused(real_mirror, tmp_path, monkeypatch):
    copy = tmp_path / "bad_mirror" / "fashion_mnist"
    copy.mkdir(parents=True)
    for f in data.REGISTRY["fashion_mnist"].files:
        if f.name != "train-labels-idx1-ubyte.gz":
            (copy / f.name).symlink_to(real_mirror / "fashion_mnist" / f.name)
    bad = copy / "train-labels-idx1-ubyte.gz"
    shutil.copyfile(real_mirror / "fashion_mnist" / "train-labels-idx1-ubyte.gz", bad)
    content = bytearray(bad.read_bytes())
    content[len(content) // 2] ^= 0x01
    bad.write_bytes(bytes(content))
    monkeypatch.setenv("GDL_DATA_MIRROR", str(tmp_path / "bad_mirror"))

    with pytest.raises(data.ChecksumError) as info:
        data.load_fashion_mnist()

    assert str(bad) in str(info.value)
    assert "train-labels-idx1-ubyte.gz" in data.availability("fashion_mnist")


def test_real_mirror_files_match_registry(real_mirror):
    """Every file the mirror holds for a registered data set has the registry's checksum."""
    checked = 0
    for dataset in data.REGISTRY.values():
        for file in (*dataset.files, *([dataset.subset] if dataset.subset else [])):
            path = real_mirror / dataset.name / file.name
            if path.is_file() and path.stat().st_size < 5_000_000:  # the big ones are read above
                assert fetch.sha256_of(path) == file.sha256, path
                checked += 1
    assert checked >= 3
