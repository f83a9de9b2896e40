"""utils.data.art: style paintings, the content photo and CycleGAN's unpaired zips."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import zipfile

import numpy as np
import pytest
from PIL import Image

from utils import data
from utils.data import registry

# --------------------------------------------------------------------------- style and content: the real mirror


@pytest.mark.parametrize("name, original", [
    ("starry_night", (640, 1024)), ("the_scream", (1528, 1200)), ("great_wave", (514, 928)),
])
def test_real_style_images_scaled_to_max_size(real_mirror, net, capsys, name, original):
    image = data.load_style_image(name, max_size=256)
    out = capsys.readouterr().out

    assert "official data from mirror" in out and f"{original[1]}x{original[0]}" in out
    assert net.calls == []
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    assert max(image.shape[:2]) == 256, "the longer side is scaled to max_size"
    # proportions kept (to a pixel)
    assert abs(image.shape[0] / image.shape[1] - original[0] / original[1]) < 2 / 256
    assert image.std() > 20, "a painting, not a flat image"


def test_real_content_image_default_and_small(real_mirror, net, capsys):
    default = data.load_content_image()
    small = data.load_content_image("tubingen", max_size=64)
    assert "Tübingen" in capsys.readouterr().out
    assert default.shape == (384, 512, 3) and small.shape == (48, 64, 3)
    assert default.dtype == small.dtype == np.uint8
    # the small one is the same photo, only smaller
    shrunk = np.asarray(Image.fromarray(default).resize((64, 48), Image.Resampling.LANCZOS), dtype=float)
    assert np.abs(shrunk - small).mean() < 8


def test_small_images_are_not_enlarged(real_mirror):
    assert data.load_style_image("starry_night", max_size=5000).shape == (640, 1024, 3)


def test_bad_names_and_sizes_are_clear_errors(real_mirror):
    with pytest.raises(ValueError, match="unknown style image 'mona_lisa'; choose one of: "
                                         "starry_night, the_scream, great_wave"):
        data.load_style_image("mona_lisa")
    with pytest.raises(ValueError, match="unknown content image 'paris'; choose one of: tubingen"):
        data.load_content_image("paris")
    for bad in (0, -5, 2.5, "512", True):
        with pytest.raises(ValueError, match="max_size must be a positive whole number"):
            data.load_style_image("great_wave", max_size=bad)


def _mirror_copy(real_mirror, tmp_path, name):
    """A temporary mirror whose ``name/`` folder links to the real files (copy the ones to damage)."""
    folder = tmp_path / "bad_mirror" / name
    folder.mkdir(parents=True)
    for file in data.REGISTRY[name].files:
        (folder / file.name).symlink_to(real_mirror / name / file.name)
    return folder


def test_corrupted_style_copy_is_refused(real_mirror, tmp_path, monkeypatch, net):
    folder = _mirror_copy(real_mirror, tmp_path, "style")
    bad = folder / "the_scream.jpg"
    bad.unlink()
    content = bytearray((real_mirror / "style" / "the_scream.jpg").read_bytes())
    content[len(content) // 2] ^= 0x01  # one bit: same size, other bytes
    bad.write_bytes(bytes(content))
    monkeypatch.setenv("GDL_DATA_MIRROR", str(tmp_path / "bad_mirror"))

    with pytest.raises(data.ChecksumError) as info:
        data.load_style_image("starry_night")  # the set is checked as a whole

    message = str(info.value)
    assert str(bad) in message and "is corrupt or truncated" in message and "expected f3075cddeb974a9e" in message
    assert "jcjohnson/neural-style" in message  # where the official file is
    assert len(net.calls) == 1, "offline, the download of the missing file was tried (and failed) once"


def test_truncated_content_copy_is_refused_by_its_size(real_mirror, tmp_path, monkeypatch):
    folder = _mirror_copy(real_mirror, tmp_path, "content")
    bad = folder / "tubingen.jpg"
    bad.unlink()
    bad.write_bytes((real_mirror / "content" / "tubingen.jpg").read_bytes()[:100_000])
    monkeypatch.setenv("GDL_DATA_MIRROR", str(tmp_path / "bad_mirror"))

    with pytest.raises(data.ChecksumError, match=r"100,000 bytes, expected 406,531"):
        data.load_content_image()


def test_style_downloaded_from_the_registered_url_when_missing(isolated_env, net):
    message = data.availability("style", download_missing=False)
    assert "starry_night.jpg is not available" in message
    assert ("https://raw.githubusercontent.com/jcjohnson/neural-style/07c4b8299f8fbdafec0c514fc820ff1d7ff62e46/"
            "examples/inputs/starry_night.jpg") in message
    assert net.calls == []


# --------------------------------------------------------------------------- CycleGAN zips


def _png(color, size=(32, 32), stripes=None) -> bytes:
    """A PNG of one colour; ``stripes``: (width, colour) painted at the left and right edges."""
    image = Image.new("RGB", size, tuple(color))
    if stripes is not None:
        width, stripe_color = stripes
        for left in (0, size[0] - width):
            image.paste(tuple(stripe_color), (left, 0, left + width, size[1]))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# Image i of folder f has the colour (f * 60, i * 20, 200): tells folders and order apart.
FOLDER_CODES = {"trainA": 0, "trainB": 1, "testA": 2, "testB": 3}
COUNTS = {"trainA": 5, "trainB": 4, "testA": 3, "testB": 2}


def _cyclegan_zip(top="apple2orange/", counts=COUNTS, extra=None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(top or "README.txt", "" if top else "no top folder")
        for folder, n in counts.items():
            zf.writestr(f"{top}{folder}/", "")
            for i in reversed(range(n)):  # written out of order: the loader sorts by name
                zf.writestr(f"{top}{folder}/img_{i:03d}.png", _png((FOLDER_CODES[folder] * 60, i * 20, 200)))
        for member, content in (extra or {}).items():
            zf.writestr(member, content)
    return buffer.getvalue()


def _register_zip(monkeypatch, name, content, fast_sizes=(3, 1)):
    """Let the registry expect ``content`` as ``name``'s zip (its SHA-256 and size)."""
    real = data.REGISTRY[name]
    file = dataclasses.replace(real.files[0], sha256=hashlib.sha256(content).hexdigest(), size=len(content))
    monkeypatch.setitem(data.REGISTRY, name, dataclasses.replace(real, files=(file,), fast_sizes=fast_sizes))
    return file


def _expected_colors(folder, n):
    return np.array([[FOLDER_CODES[folder] * 60, i * 20, 200] for i in range(n)], dtype=np.uint8)


def test_cyclegan_zip_read_into_four_arrays(monkeypatch, mirror, net, capsys):
    content = _cyclegan_zip()
    _register_zip(monkeypatch, "apple2orange", content)
    (mirror / "apple2orange").mkdir()
    (mirror / "apple2orange" / "apple2orange.zip").write_bytes(content)

    (train_a, train_b), (test_a, test_b) = data.load_cyclegan_images("apple2orange", size=16)
    out = capsys.readouterr().out

    assert "official data from mirror" in out and "A = apple, B = orange" in out
    assert "trainA 5 / trainB 4 / testA 3 / testB 2 images at 16x16" in out
    assert net.calls == []
    for folder, images in zip(FOLDER_CODES, (train_a, train_b, test_a, test_b)):
        assert images.shape == (COUNTS[folder], 16, 16, 3) and images.dtype == np.uint8, folder
        np.testing.assert_array_equal(images[:, 8, 8], _expected_colors(folder, COUNTS[folder]), err_msg=folder)
        assert (images == images[:, :1, :1]).all(), "a one-colour image stays one colour"


def test_cyclegan_fast_mode_takes_the_first_of_each_folder(monkeypatch, mirror, capsys):
    content = _cyclegan_zip()
    _register_zip(monkeypatch, "apple2orange", content, fast_sizes=(3, 1))
    (mirror / "apple2orange").mkdir()
    (mirror / "apple2orange" / "apple2orange.zip").write_bytes(content)
    monkeypatch.setenv("GDL_FAST", "1")

    (train_a, train_b), (test_a, test_b) = data.load_cyclegan_images("apple2orange", size=8)

    assert "fast mode" in capsys.readouterr().out
    assert [len(x) for x in (train_a, train_b, test_a, test_b)] == [3, 3, 1, 1]
    np.testing.assert_array_equal(train_a[:, 0, 0], _expected_colors("trainA", 3))
    np.testing.assert_array_equal(test_b[:, 0, 0], _expected_colors("testB", 1))


def test_cyclegan_images_are_cut_to_their_central_square(monkeypatch, isolated_env, capsys):
    wide = _png((10, 20, 30), size=(48, 32), stripes=(8, (255, 0, 0)))  # red edges outside the centre square
    content = _cyclegan_zip(top="", extra={"trainA/wide.png": wide})
    _register_zip(monkeypatch, "monet2photo", content)
    (isolated_env["cache"] / "monet2photo").mkdir(parents=True)
    (isolated_env["cache"] / "monet2photo" / "monet2photo.zip").write_bytes(content)

    (train_a, _), _ = data.load_cyclegan_images("monet2photo", size=16)

    assert "official data from cache" in capsys.readouterr().out and train_a.shape == (6, 16, 16, 3)
    assert (train_a[-1] == (10, 20, 30)).all(), "the red edges are cut away, not squeezed in"


def test_cyclegan_zip_without_a_folder_is_refused(monkeypatch, mirror):
    content = _cyclegan_zip(counts={"trainA": 2, "trainB": 2, "testA": 1})
    _register_zip(monkeypatch, "apple2orange", content)
    (mirror / "apple2orange").mkdir()
    (mirror / "apple2orange" / "apple2orange.zip").write_bytes(content)

    with pytest.raises(data.DataUnavailable, match=r"not a CycleGAN data set zip: no images in testB/"):
        data.load_cyclegan_images("apple2orange")


def test_cyclegan_damaged_zip_or_image_is_a_clear_error(monkeypatch, mirror):
    (mirror / "apple2orange").mkdir()
    not_a_zip = b"PK but not really a zip archive" * 10
    _register_zip(monkeypatch, "apple2orange", not_a_zip)
    (mirror / "apple2orange" / "apple2orange.zip").write_bytes(not_a_zip)
    with pytest.raises(data.DataUnavailable, match="damaged zip archive"):
        data.load_cyclegan_images("apple2orange")

    bad_image = _cyclegan_zip(extra={"apple2orange/testB/zzz.jpg": b"not a jpeg"})
    _register_zip(monkeypatch, "apple2orange", bad_image)
    (mirror / "apple2orange" / "apple2orange.zip").write_bytes(bad_image)
    with pytest.raises(data.DataUnavailable, match=r"apple2orange.zip:apple2orange/testB/zzz.jpg is not a readable image"):
        data.load_cyclegan_images("apple2orange")


def test_cyclegan_zip_with_wrong_bytes_is_refused(monkeypatch, mirror, net):
    content = _cyclegan_zip()
    _register_zip(monkeypatch, "apple2orange", content)
    (mirror / "apple2orange").mkdir()
    path = mirror / "apple2orange" / "apple2orange.zip"
    path.write_bytes(content[:-1] + bytes([content[-1] ^ 1]))

    with pytest.raises(data.ChecksumError) as info:
        data.load_cyclegan_images("apple2orange")
    assert str(path) in str(info.value) and "is corrupt or truncated" in str(info.value)


def test_cyclegan_downloaded_from_the_fallback_when_the_first_url_fails(monkeypatch, isolated_env, net, capsys):
    content = _cyclegan_zip()
    file = _register_zip(monkeypatch, "apple2orange", content)
    net.fail(file.urls[0])
    net.serve(file.urls[1], content)

    (train_a, _), _ = data.load_cyclegan_images("apple2orange", size=8)

    assert net.urls == list(file.urls) and len(train_a) == 5
    assert (isolated_env["cache"] / "apple2orange" / "apple2orange.zip").read_bytes() == content
    assert "official data from download" in capsys.readouterr().out


def test_cyclegan_offline_names_the_official_url(isolated_env, net):
    with pytest.raises(data.DataUnavailable) as info:
        data.load_cyclegan_images("monet2photo")
    message = str(info.value)
    assert message.startswith("CycleGAN monet2photo")
    assert "monet2photo.zip is not available (no cached copy, no mirror copy, download failed)" in message
    assert "Download it from http://efrosgans.eecs.berkeley.edu/cyclegan/datasets/monet2photo.zip" in message
    assert net.urls == list(data.REGISTRY["monet2photo"].files[0].urls)
    assert "Traceback" not in message


def test_cyclegan_bad_name_or_size(isolated_env, net):
    with pytest.raises(ValueError, match="unknown CycleGAN data set 'horse2zebra'; choose one of: "
                                         "apple2orange, monet2photo"):
        data.load_cyclegan_images("horse2zebra")
    with pytest.raises(ValueError, match="size must be a positive whole number"):
        data.load_cyclegan_images("apple2orange", size=0)
    assert net.calls == [], "a bad argument is refused before anything is fetched"


def test_cyclegan_registry_entries_have_checksums_sizes_and_domains():
    for name, domains in (("apple2orange", ("apple", "orange")), ("monet2photo", ("monet", "photo"))):
        dataset = data.REGISTRY[name]
        (file,) = dataset.files
        assert file.name == f"{name}.zip" and re.fullmatch(r"[0-9a-f]{64}", file.sha256)
        assert file.size > 10_000_000 and data.download_size(name) == file.size
        assert file.urls[0] == f"http://efrosgans.eecs.berkeley.edu/cyclegan/datasets/{name}.zip"
        assert data.class_names(name) == domains


def test_real_mirror_copies_match_the_registry(real_mirror):
    for name in ("style", "content"):
        for file in data.REGISTRY[name].files:
            path = real_mirror / name / file.name
            assert path.stat().st_size == file.size, path
            assert hashlib.sha256(path.read_bytes()).hexdigest() == file.sha256, path
