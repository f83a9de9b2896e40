"""utils.data text loaders (chapter 6): Gutenberg stripping, checksums, fast mode, the real mirror."""

from __future__ import annotations

import hashlib

import pytest

from utils import data

BOOK = (
    "The Project Gutenberg EBook of Toy Fables\n\nLicence words here.\n\n"
    "*** START OF THIS PROJECT GUTENBERG EBOOK TOY FABLES ***\n\n\n"
    "THE FOX AND THE GRAPES\n\nA hungry Fox saw some Grapes.\n" + "More fable text. " * 200 + "\n\n"
    "End of the Project Gutenberg EBook of Toy Fables\n\n"
    "*** END OF THIS PROJECT GUTENBERG EBOOK TOY FABLES ***\n\nFULL LICENSE: lots of legal text.\n"
)


def _fake_aesop(monkeypatch, content: bytes, fast_chars: int = 100) -> data.Dataset:
    real = data.REGISTRY["aesop"]
    fake = data.Dataset(
        name="aesop", title=real.title, homepage=real.homepage,
        files=(data.RemoteFile("pg11339.txt", ("https://primary.invalid/pg11339.txt",),
                               hashlib.sha256(content).hexdigest()),),
        fast_sizes=(fast_chars, 0),
    )
    monkeypatch.setitem(data.REGISTRY, "aesop", fake)
    return fake


def test_gutenberg_header_and_footer_stripped(monkeypatch, mirror, net, capsys):
    content = BOOK.encode()
    _fake_aesop(monkeypatch, content)
    (mirror / "aesop").mkdir()
    (mirror / "aesop" / "pg11339.txt").write_bytes(content)

    text = data.load_aesop()

    assert text.startswith("THE FOX AND THE GRAPES\n")
    assert text.rstrip().endswith("More fable text.")
    for gone in ("Project Gutenberg", "*** START", "*** END", "LICENSE", "Licence"):
        assert gone not in text
    assert "official data from mirror" in capsys.readouterr().out
    assert net.calls == []


def test_missing_markers_is_a_clear_error(monkeypatch, mirror):
    content = BOOK.replace("*** END OF", "END OF").encode()
    _fake_aesop(monkeypatch, content)
    (mirror / "aesop").mkdir()
    (mirror / "aesop" / "pg11339.txt").write_bytes(content)

    with pytest.raises(data.DataUnavailable, match=r"\*\*\* START OF.*\*\*\* END OF"):
        data.load_aesop()
    with pytest.raises(data.DataUnavailable, match="markers"):
        data.strip_gutenberg("no markers at all")


def test_checksum_mismatch_rejected(monkeypatch, mirror, net):
    _fake_aesop(monkeypatch, BOOK.encode())
    (mirror / "aesop").mkdir()
    (mirror / "aesop" / "pg11339.txt").write_bytes(BOOK.replace("Fox", "Cat").encode())  # tampered copy

    with pytest.raises(data.ChecksumError, match="corrupt or truncated"):
        data.load_aesop()
    assert net.calls == [], "a bad local copy is refused, not silently replaced"


def test_download_with_wrong_bytes_is_not_kept(monkeypatch, isolated_env, net):
    fake = _fake_aesop(monkeypatch, BOOK.encode())
    net.serve(fake.files[0].urls[0], b"something else entirely")

    with pytest.raises(data.DataUnavailable, match="pg11339.txt is not available"):
        data.load_aesop()
    assert not (isolated_env["cache"] / "aesop" / "pg11339.txt").exists()


def test_fast_mode_is_a_fixed_shorter_prefix(monkeypatch, mirror, capsys):
    content = BOOK.encode()
    _fake_aesop(monkeypatch, content, fast_chars=100)
    (mirror / "aesop").mkdir()
    (mirror / "aesop" / "pg11339.txt").write_bytes(content)

    full = data.load_aesop()
    monkeypatch.setenv("GDL_FAST", "1")
    fast = data.load_aesop()

    assert len(fast) == 100 < len(full)
    assert full.startswith(fast)
    assert "fast mode: the first 100" in capsys.readouterr().out


# --------------------------------------------------------------------------- the real mirror


def test_real_aesop(real_mirror, net, monkeypatch):
    text = data.load_aesop()
    assert "THE FOX AND THE GRAPES" in text and "Project Gutenberg" not in text
    assert 200_000 < len(text) < 220_000
    monkeypatch.setenv("GDL_FAST", "1")
    assert len(data.load_aesop()) == data.REGISTRY["aesop"].fast_sizes[0]
    assert net.calls == []


def test_real_tiny_shakespeare(real_mirror, net, monkeypatch):
    text = data.load_tiny_shakespeare()
    assert len(text) == 1_115_394 and text.startswith("First Citizen:\n")
    monkeypatch.setenv("GDL_FAST", "1")
    fast = data.load_tiny_shakespeare()
    assert len(fast) == data.REGISTRY["shakespeare"].fast_sizes[0] and text.startswith(fast)
    assert net.calls == []
