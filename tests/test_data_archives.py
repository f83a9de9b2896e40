"""utils.archives.safe_extract (tar archives) and utils.images.read_idx (the MNIST file format)."""

from __future__ import annotations

import gzip
import io
import tarfile

import numpy as np
import pytest

from utils import data
from utils.data import archives, images

# --------------------------------------------------------------------------- safe_extract


def _tar(path, members):
    """Write a tar.gz with members given as (name, bytes) or (name, 'symlink'/'hardlink', target)."""
    with tarfile.open(path, "w:gz") as tar:
        for member in members:
            name, payload = member[0], member[1]
            info = tarfile.TarInfo(name)
            if payload == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif payload in ("symlink", "hardlink"):
                info.type = tarfile.SYMTYPE if payload == "symlink" else tarfile.LNKTYPE
                info.linkname = member[2]
                tar.addfile(info)
            else:
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
    return path


def _nothing_left(dest):
    assert not dest.exists(), "no destination folder after a refused archive"
    parts = [p.name for p in dest.parent.iterdir() if p.name.endswith(".part")]
    assert parts == [], f"temporary folders left behind: {parts}"


def test_safe_extract_good_archive(tmp_path):
    archive = _tar(tmp_path / "good.tar.gz", [
        ("pkg", "dir"),
        ("pkg/a.txt", b"alpha"),
        ("pkg/sub/b.bin", b"\x00\x01\x02"),
    ])
    dest = tmp_path / "out" / "extracted"

    result = archives.safe_extract(archive, dest)

    assert result == dest
    assert (dest / "pkg" / "a.txt").read_bytes() == b"alpha"
    assert (dest / "pkg" / "sub" / "b.bin").read_bytes() == b"\x00\x01\x02"
    assert [p.name for p in dest.parent.iterdir()] == ["extracted"], "no *.part folder left"


def test_safe_extract_existing_destination_is_kept(tmp_path):
    archive = _tar(tmp_path / "good.tar.gz", [("a.txt", b"new")])
    dest = tmp_path / "extracted"
    dest.mkdir()
    (dest / "a.txt").write_bytes(b"old")
    assert archives.safe_extract(archive, dest) == dest
    assert (dest / "a.txt").read_bytes() == b"old"


@pytest.mark.parametrize("kind", ["dotdot", "nested dotdot", "absolute", "symlink", "hardlink"])
def test_safe_extract_refuses_escaping_members(tmp_path, kind):
    work = tmp_path / "work"
    work.mkdir()
    evil = tmp_path / "evil.txt"  # outside the destination's folder
    members = [("ok.txt", b"fine")]
    if kind == "dotdot":
        members.append(("../../evil.txt", b"pwned"))
    elif kind == "nested dotdot":
        members.append(("inner/../../../evil.txt", b"pwned"))
    elif kind == "absolute":
        members.append((str(evil), b"pwned"))
    elif kind == "symlink":
        members.append(("link", "symlink", str(evil)))
    else:
        members.append(("link", "hardlink", str(evil)))
    members.append(("after.txt", b"later member"))
    archive = _tar(tmp_path / "evil.tar.gz", members)
    dest = work / "extracted"

    with pytest.raises(data.DataUnavailable) as info:
        archives.safe_extract(archive, dest)

    assert str(archive) in str(info.value)
    _nothing_left(dest)
    assert not evil.exists() and not evil.is_symlink()
    assert sorted(p.name for p in work.iterdir()) == []


def test_safe_extract_refuses_dotdot_at_top(tmp_path):
    """A '../evil.txt' member would land right beside the destination folder."""
    archive = _tar(tmp_path / "evil.tar.gz", [("../evil.txt", b"pwned")])
    dest = tmp_path / "work" / "extracted"
    with pytest.raises(data.DataUnavailable, match="unsafe path"):
        archives.safe_extract(archive, dest)
    _nothing_left(dest)
    assert not (tmp_path / "work" / "evil.txt").exists()
    assert not (tmp_path / "evil.txt").exists()


# --------------------------------------------------------------------------- read_idx


def _idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


@pytest.mark.parametrize("gz", [True, False])
def test_read_idx_round_trip(tmp_path, gz):
    array = np.random.default_rng(0).integers(0, 256, size=(3, 5, 4), dtype=np.uint8)
    raw = _idx_bytes(array)
    path = tmp_path / ("x-idx3-ubyte" + (".gz" if gz else ""))
    path.write_bytes(gzip.compress(raw) if gz else raw)

    result = images.read_idx(path)

    assert result.dtype == np.uint8
    assert result.shape == (3, 5, 4)
    np.testing.assert_array_equal(result, array)


def test_read_idx_labels_one_dimensional(tmp_path):
    labels = np.arange(10, dtype=np.uint8)
    path = tmp_path / "y-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(_idx_bytes(labels)))
    np.testing.assert_array_equal(images.read_idx(path), labels)


def test_read_idx_truncated_body_is_rejected(tmp_path):
    array = np.ones((4, 6, 6), dtype=np.uint8)
    path = tmp_path / "trunc-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(_idx_bytes(array)[:-10]))
    with pytest.raises(data.DataUnavailable, match="truncated"):
        images.read_idx(path)


def test_read_idx_wrong_type_is_rejected(tmp_path):
    path = tmp_path / "float-idx1-ubyte"
    path.write_bytes(bytes([0, 0, 0x0D, 1]) + (2).to_bytes(4, "big") + b"\x00" * 8)
    with pytest.raises(data.DataUnavailable, match="not an IDX file"):
        images.read_idx(path)
