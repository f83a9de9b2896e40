"""utils.data's CelebA loader, on a tiny synthetic CelebA in the official file formats.

The fake data set has 12 images (000001.jpg ... 000012.jpg) in a zip under
``img_align_celeba/``; images 1-6 are training images, 7-8 validation, 9-12 test.
A monkeypatched copy of the registry entry holds the checksums of these files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import stat
import zipfile

import numpy as np
import pytest
from PIL import Image

from utils import data
from utils.data import images

N_IMAGES = 12
SPLIT = [0] * 6 + [1] * 2 + [2] * 4  # train, validation, test
NAMES = [f"{i:06d}.jpg" for i in range(1, N_IMAGES + 1)]
ATTRIBUTES = np.random.default_rng(0).integers(0, 2, size=(N_IMAGES, 40)).astype(np.int8)


def _colour(i: int) -> tuple[int, int, int]:
    """Image i (0-based) is one flat colour, so a test can tell the images apart."""
    return (20 * i, 255 - 20 * i, 100)


def _jpeg(i: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (178, 218), _colour(i)).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def attribute_text(values=ATTRIBUTES, names=NAMES, count=None) -> str:
    """``list_attr_celeba.txt`` as the official file writes it (count, names, then rows of 1 / -1)."""
    lines = [str(len(names) if count is None else count), " ".join(images.CELEBA_ATTRIBUTES) + " "]
    for name, row in zip(names, values):
        lines.append(name + " " + " ".join(f"{1 if v else -1:2d}" for v in row))
    return "\n".join(lines) + "\n"


def partition_text(split=SPLIT, names=NAMES) -> str:
    return "".join(f"{name} {s}\n" for name, s in zip(names, split))


def image_zip(names=NAMES) -> bytes:
    """``img_align_celeba.zip``: the folder ``img_align_celeba/`` with the JPEGs (regular files, as ``zip`` writes them)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("img_align_celeba/", b"")
        for name in names:
            info = zipfile.ZipInfo(f"img_align_celeba/{name}", date_time=(2015, 9, 28, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            zf.writestr(info, _jpeg(NAMES.index(name)))
    return buffer.getvalue()


def official_files(**changes) -> dict[str, bytes]:
    files = {
        "img_align_celeba.zip": image_zip(),
        "list_attr_celeba.txt": attribute_text().encode(),
        "list_eval_partition.txt": partition_text().encode(),
    }
    files.update(changes)
    return files


@pytest.fixture
def fake_celeba(monkeypatch, isolated_env):
    """Register checksums of the given files in a copy of the CelebA entry and cache the files.

    ``fake_celeba()`` uses the good files; ``fake_celeba(registered=..., on_disk=...)``
    registers one set of files and puts another in the cache. Fast mode takes 3 / 2 images.
    """

    def make(registered: dict[str, bytes] | None = None, on_disk: dict[str, bytes] | None = None):
        registered = registered or official_files()
        on_disk = on_disk or registered
        real = data.REGISTRY["celeba"]
        files = tuple(
            dataclasses.replace(f, sha256=hashlib.sha256(registered[f.name]).hexdigest(), md5="",
                                size=len(registered[f.name]))
            for f in real.files
        )
        monkeypatch.setitem(data.REGISTRY, "celeba", dataclasses.replace(real, files=files, fast_sizes=(3, 2)))
        folder = isolated_env["cache"] / "celeba"
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in on_disk.items():
            (folder / name).write_bytes(content)
        return folder

    return make


def _jpgs(folder):
    return sorted(p.name for p in folder.rglob("*.jpg"))


# --------------------------------------------------------------------------- parsing


def test_attribute_file_is_parsed_into_zeros_and_ones(tmp_path):
    path = tmp_path / "list_attr_celeba.txt"
    path.write_text(attribute_text())

    files, values, names = images.read_celeba_attributes(path)

    assert list(files) == NAMES
    assert names == images.CELEBA_ATTRIBUTES and len(names) == 40
    assert values.dtype == np.int8 and values.shape == (N_IMAGES, 40)
    assert set(np.unique(values)) <= {0, 1}
    np.testing.assert_array_equal(values, ATTRIBUTES)  # -1 became 0, 1 stayed 1


def test_partition_file_is_parsed(tmp_path):
    path = tmp_path / "list_eval_partition.txt"
    path.write_text(partition_text())
    files, split = images.read_celeba_partition(path)
    assert list(files) == NAMES
    assert split.tolist() == SPLIT


def _corrupt(kind: str) -> str:
    text = attribute_text()
    lines = text.splitlines()
    if kind == "truncated":  # cut off in the middle of a line
        return text[: len(text) * 2 // 3]
    if kind == "lines missing":
        return "\n".join(lines[:-3]) + "\n"
    if kind == "value 2":
        return text.replace(" 1 ", " 2 ", 1)
    if kind == "value x":
        lines[5] = lines[5][:-2] + " x"
        return "\n".join(lines) + "\n"
    if kind == "value missing":
        lines[5] = lines[5].rsplit(" ", 1)[0]
        return "\n".join(lines) + "\n"
    if kind == "extra value":
        lines = [line + " 1" if i >= 2 else line for i, line in enumerate(lines)]
        return "\n".join(lines) + "\n"
    if kind == "no count":
        return "\n".join(lines[1:]) + "\n"
    if kind == "empty":
        return ""
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["truncated", "lines missing", "value 2", "value x", "value missing",
                                  "extra value", "no count", "empty"])
def test_corrupt_attribute_file_is_refused_clearly(tmp_path, kind):
    path = tmp_path / "list_attr_celeba.txt"
    path.write_text(_corrupt(kind))

    with pytest.raises(data.DataUnavailable) as info:
        images.read_celeba_attributes(path)

    message = str(info.value)
    assert str(path) in message and "not a valid CelebA file" in message
    if kind in ("truncated", "lines missing"):
        assert "truncated" in message
    elif kind.startswith(("value", "extra")):
        assert "is not a file name and 40 values 1 or -1" in message


@pytest.mark.parametrize("text", ["000001.jpg 3\n", "000001.jpg\n", "", "000001.jpg 0 1\n"])
def test_corrupt_partition_file_is_refused(tmp_path, text):
    path = tmp_path / "list_eval_partition.txt"
    path.write_text(text)
    with pytest.raises(data.DataUnavailable, match="not a valid CelebA file"):
        images.read_celeba_partition(path)


def test_loader_refuses_a_corrupt_attribute_file_even_with_a_matching_checksum(fake_celeba):
    fake_celeba(official_files(**{"list_attr_celeba.txt": _corrupt("value x").encode()}))
    with pytest.raises(data.DataUnavailable, match="list_attr_celeba.txt is not a valid CelebA file"):
        data.load_celeba()


def test_loader_refuses_other_attribute_names(fake_celeba):
    text = attribute_text().replace("Smiling", "Grinning")
    fake_celeba(official_files(**{"list_attr_celeba.txt": text.encode()}))
    with pytest.raises(data.DataUnavailable, match="not CelebA's 40 attributes"):
        data.load_celeba()


def test_loader_refuses_partition_of_other_images(fake_celeba):
    other = partition_text(names=[f"{i:06d}.jpg" for i in range(100, 100 + N_IMAGES)]).encode()
    fake_celeba(official_files(**{"list_eval_partition.txt": other}))
    with pytest.raises(data.DataUnavailable, match="does not list the images"):
        data.load_celeba()


# --------------------------------------------------------------------------- loading


def test_partition_split_and_attributes(fake_celeba, isolated_env, capsys):
    fake_celeba()

    (train_paths, train_attributes), (test_paths, test_attributes) = data.load_celeba()

    train_idx = [i for i, s in enumerate(SPLIT) if s == 0]
    test_idx = [i for i, s in enumerate(SPLIT) if s == 2]
    assert [p.rsplit("/", 1)[-1] for p in train_paths] == [NAMES[i] for i in train_idx]
    assert [p.rsplit("/", 1)[-1] for p in test_paths] == [NAMES[i] for i in test_idx]
    np.testing.assert_array_equal(train_attributes, ATTRIBUTES[train_idx])
    np.testing.assert_array_equal(test_attributes, ATTRIBUTES[test_idx])
    assert train_attributes.dtype == np.int8
    out = capsys.readouterr().out
    assert "6 train / 4 test" in out and "2 validation images not used" in out
    # Every image was unpacked (full mode) and each path is the right image.
    folder = isolated_env["cache"] / "celeba" / "extracted"
    assert _jpgs(folder) == NAMES
    from utils.images import load_image

    for path, i in zip([*train_paths, *test_paths], [*train_idx, *test_idx]):
        pixels = load_image(path, image_size=8) * 255
        np.testing.assert_allclose(pixels.mean(axis=(0, 1)), _colour(i), atol=4)


def test_fast_mode_unpacks_only_the_images_it_uses(fake_celeba, isolated_env, monkeypatch, capsys):
    monkeypatch.setenv("GDL_FAST", "1")
    fake_celeba()

    (train_paths, train_attributes), (test_paths, _) = data.load_celeba()

    assert [p.rsplit("/", 1)[-1] for p in train_paths] == NAMES[:3]  # the first 3 training images
    assert [p.rsplit("/", 1)[-1] for p in test_paths] == NAMES[8:10]  # the first 2 test images
    np.testing.assert_array_equal(train_attributes, ATTRIBUTES[:3])
    cache = isolated_env["cache"] / "celeba"
    assert _jpgs(cache) == sorted(NAMES[:3] + NAMES[8:10]), "only these five images are unpacked"
    assert not (cache / "extracted").exists()
    assert all(p.startswith(str(cache / "fast_3_2")) for p in [*train_paths, *test_paths])
    out = capsys.readouterr().out
    assert "unpacking 5 images" in out and "fast mode: 3 / 2" in out

    again = data.load_celeba()

    assert "unpacking" not in capsys.readouterr().out, "the second call uses the unpacked images"
    assert list(again[0][0]) == list(train_paths)


def test_fast_mode_uses_a_full_extraction_when_there_is_one(fake_celeba, isolated_env, monkeypatch):
    fake_celeba()
    data.load_celeba()  # full mode: unpacks everything
    monkeypatch.setenv("GDL_FAST", "1")

    (train_paths, _), _ = data.load_celeba()

    cache = isolated_env["cache"] / "celeba"
    assert not (cache / "fast_3_2").exists()
    assert all(p.startswith(str(cache / "extracted")) for p in train_paths)


def test_image_missing_from_the_zip_is_reported(fake_celeba, monkeypatch):
    monkeypatch.setenv("GDL_FAST", "1")
    fake_celeba(official_files(**{"img_align_celeba.zip": image_zip(names=NAMES[:1] + NAMES[2:])}))
    with pytest.raises(data.DataUnavailable, match="000002.jpg"):
        data.load_celeba()


# --------------------------------------------------------------------------- checksums and missing files


@pytest.mark.parametrize("damaged", ["img_align_celeba.zip", "list_attr_celeba.txt", "list_eval_partition.txt"])
def test_checksum_mismatch_is_rejected(fake_celeba, isolated_env, damaged):
    good = official_files()
    bad = dict(good)
    bad[damaged] = good[damaged][:-1] + bytes([good[damaged][-1] ^ 1])  # same size, one bit flipped
    folder = fake_celeba(registered=good, on_disk=bad)

    with pytest.raises(data.ChecksumError) as info:
        data.load_celeba()

    assert str(folder / damaged) in str(info.value) and "corrupt or truncated" in str(info.value)
    assert _jpgs(isolated_env["cache"]) == [], "nothing is unpacked from a refused archive"


def test_missing_files_offline_give_one_clear_message(isolated_env, net):
    """The real registry entry, nothing cached, no mirror, no network."""
    celeba = data.REGISTRY["celeba"]

    with pytest.raises(data.DataUnavailable) as info:
        data.load_celeba()

    message = str(info.value)
    assert not isinstance(info.value, data.ChecksumError)
    for file in celeba.files:
        assert file.name in message, f"the message names {file.name}"
    images = celeba.files[0]
    assert net.urls == list(images.urls), "every URL of the image archive was tried"
    for url in images.urls:
        assert url in message
    assert str(isolated_env["cache"] / "celeba" / "img_align_celeba.zip") in message, "where to put it"
    assert "GDL_DATA_MIRROR" in message
    assert celeba.manual.splitlines()[0] in message, "the manual download instructions"
    assert "https://drive.google.com/drive/folders/0B7EVK8r0v71pWEZsZE9oNnFzTm8" in message
    assert data.availability("celeba") == message


def test_registry_entry_names_official_sources_and_checksums():
    celeba = data.REGISTRY["celeba"]
    assert [f.name for f in celeba.files] == ["img_align_celeba.zip", "list_attr_celeba.txt", "list_eval_partition.txt"]
    official_ids = ["0B7EVK8r0v71pZjFTYXZWM3FlRnM", "0B7EVK8r0v71pblRyaVFSWGxPY0U", "0B7EVK8r0v71pY0NSMzRuSXJEVkk"]
    for file, file_id in zip(celeba.files, official_ids):
        assert re.fullmatch(r"[0-9a-f]{64}", file.sha256)
        assert re.fullmatch(r"[0-9a-f]{32}", file.md5)
        assert file.size > 0
        assert f"id={file_id}" in file.urls[0], "the official Google Drive file comes first"
        assert len(file.urls) >= 2, "with at least one fallback"
    assert data.class_names("celeba") == images.CELEBA_ATTRIBUTES
    assert "Smiling" in celeba.class_names and "Eyeglasses" in celeba.class_names
