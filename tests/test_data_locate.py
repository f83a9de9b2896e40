"""utils.data: where files are found (cache -> mirror -> download) and what failures say."""

from __future__ import annotations

import pytest

from utils import data
from utils.data import fetch

CONTENT = b"the official bytes of a toy data set\n" * 50
OTHER = b"the second file of a toy data set\n" * 30


def _put(folder, name, file_name, content):
    path = folder / name / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def _leftovers(folder):
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# --------------------------------------------------------------------------- order


def test_cache_is_used_before_mirror_and_download(make_dataset, mirror, isolated_env, net):
    ds = make_dataset("toy_order_cache", {"a.bin": CONTENT})
    cached = _put(isolated_env["cache"], ds.name, "a.bin", CONTENT)
    _put(mirror, ds.name, "a.bin", CONTENT)
    net.serve(ds.files[0].urls[0], CONTENT)

    located = data.locate(ds.name)

    assert located.kind == "official"
    assert located.where == "cache"
    assert located.paths == {"a.bin": cached}
    assert net.calls == []


def test_mirror_is_used_before_download(make_dataset, mirror, isolated_env, net):
    ds = make_dataset("toy_order_mirror", {"a.bin": CONTENT, "b.bin": OTHER})
    in_mirror = {n: _put(mirror, ds.name, n, c) for n, c in [("a.bin", CONTENT), ("b.bin", OTHER)]}
    for f, c in zip(ds.files, (CONTENT, OTHER)):
        net.serve(f.urls[0], c)

    located = data.locate(ds.name)

    assert located.kind == "official"
    assert located.where == "mirror"
    assert located.paths == in_mirror
    assert net.calls == []
    assert _leftovers(isolated_env["cache"]) == [], "a mirror hit must not copy into the cache"


def test_download_when_nothing_is_local_then_cache_is_used(make_dataset, isolated_env, net, capsys):
    ds = make_dataset("toy_download", {"a.bin": CONTENT})
    target = isolated_env["cache"] / ds.name / "a.bin"
    net.serve(ds.files[0].urls[0], CONTENT)
    net.watch = target

    first = data.locate(ds.name)

    assert first.kind == "official" and first.where == "download"
    assert first.paths == {"a.bin": target}
    assert target.read_bytes() == CONTENT
    assert net.urls == [ds.files[0].urls[0]]
    # The download goes to a temporary file in a *.part folder beside the target, moved when checked.
    (_, dest), = net.calls
    assert dest.parent.parent == target.parent and dest.parent.name.startswith("a.bin.")
    assert dest.parent.name.endswith(".part") and dest != target
    assert net.target_existed_during_download == [False]
    assert _leftovers(isolated_env["cache"]) == ["a.bin"]

    second = data.locate(ds.name)

    assert second.where == "cache"
    assert second.paths == {"a.bin": target}
    assert len(net.calls) == 1, "the second call must use the cache, not download again"


def test_only_missing_files_are_downloaded(make_dataset, mirror, isolated_env, net):
    ds = make_dataset("toy_partial", {"a.bin": CONTENT, "b.bin": OTHER})
    _put(mirror, ds.name, "a.bin", CONTENT)
    net.serve(ds.files[1].urls[0], OTHER)

    located = data.locate(ds.name)

    assert located.where == "download"
    assert located.paths["a.bin"] == mirror / ds.name / "a.bin"
    assert located.paths["b.bin"] == isolated_env["cache"] / ds.name / "b.bin"
    assert net.urls == [ds.files[1].urls[0]]


def test_fallback_url_is_tried_when_the_first_fails(make_dataset, isolated_env, net):
    ds = make_dataset("toy_fallback", {"a.bin": CONTENT})
    primary, fallback = ds.files[0].urls
    net.fail(primary)
    net.serve(fallback, CONTENT)

    located = data.locate(ds.name)

    assert net.urls == [primary, fallback]
    assert located.paths["a.bin"].read_bytes() == CONTENT
    assert _leftovers(isolated_env["cache"]) == ["a.bin"], "no *.part file may be left behind"


def test_mirror_subset_only(make_dataset, mirror, net):
    ds = make_dataset("toy_subset", {"a.bin": CONTENT}, subset=b"subset bytes")
    subset = _put(mirror, ds.name, "toy_subset_subset.npz", b"subset bytes")
    net.serve(ds.files[0].urls[0], CONTENT)

    located = data.locate(ds.name)

    assert located.kind == "subset"
    assert located.where == "mirror"
    assert located.paths == {"toy_subset_subset.npz": subset}
    assert net.calls == [], "a mirrored subset is used before any download"


def test_official_files_preferred_over_subset(make_dataset, mirror, net):
    ds = make_dataset("toy_prefer", {"a.bin": CONTENT}, subset=b"subset bytes")
    _put(mirror, ds.name, "toy_prefer_subset.npz", b"subset bytes")
    official = _put(mirror, ds.name, "a.bin", CONTENT)

    located = data.locate(ds.name)

    assert located.kind == "official"
    assert located.paths == {"a.bin": official}


# --------------------------------------------------------------------------- failures


def test_offline_without_mirror_says_what_to_do(make_dataset, isolated_env, net):
    ds = make_dataset("toy_offline", {"a.bin": CONTENT})

    with pytest.raises(data.DataUnavailable) as info:
        data.locate(ds.name)

    message = str(info.value)
    assert not isinstance(info.value, data.ChecksumError)
    assert "a.bin" in message
    assert ds.files[0].urls[0] in message, "the message names the URL to download from"
    assert str(isolated_env["cache"] / ds.name / "a.bin") in message, "and where to put it"
    assert "GDL_DATA_MIRROR" in message
    assert "ConnectionError" in message, "and why the download failed"
    assert net.urls == list(ds.files[0].urls), "every URL was tried"
    assert _leftovers(isolated_env["cache"]) == []


def test_offline_with_an_empty_mirror_names_the_mirror_path(make_dataset, mirror):
    ds = make_dataset("toy_offline_mirror", {"a.bin": CONTENT})
    with pytest.raises(data.DataUnavailable) as info:
        data.locate(ds.name)
    assert str(mirror.resolve() / ds.name / "a.bin") in str(info.value)


def _damaged(damage: str) -> bytes:
    bad = bytearray(CONTENT)
    if damage == "wrong bytes":
        bad[10] ^= 0xFF  # same length, one byte flipped
    else:
        bad = bad[: len(bad) // 2]
    return bytes(bad)


@pytest.mark.parametrize("damage", ["wrong bytes", "truncated"])
def test_corrupt_cached_file_is_refused_and_named(make_dataset, isolated_env, net, damage):
    ds = make_dataset("toy_corrupt_" + damage.replace(" ", "_"), {"a.bin": CONTENT})
    path = _put(isolated_env["cache"], ds.name, "a.bin", _damaged(damage))  # no mirror, the download fails

    with pytest.raises(data.ChecksumError) as info:
        data.locate(ds.name)

    message = str(info.value)
    assert isinstance(info.value, data.DataUnavailable)
    assert str(path) in message and "corrupt or truncated" in message
    assert "Delete it from the cache" in message, "what to do about the bad copy"
    assert net.urls == list(ds.files[0].urls), "a bad cached copy does not stop the download"
    assert path.read_bytes() == _damaged(damage), "a failed download leaves the copy as it was"
    assert data.availability(ds.name) == message


def test_corrupt_cached_file_does_not_hide_a_good_mirror_copy(make_dataset, isolated_env, mirror, net, capsys):
    ds = make_dataset("toy_corrupt_cache_good_mirror", {"a.bin": CONTENT})
    bad = _put(isolated_env["cache"], ds.name, "a.bin", _damaged("wrong bytes"))
    good = _put(mirror, ds.name, "a.bin", CONTENT)

    located = data.locate(ds.name)

    assert located.where == "mirror" and located.paths == {"a.bin": good}
    assert net.calls == []
    out = capsys.readouterr().out
    assert "WARNING" in out and str(bad) in out, "the bad cached copy is reported"
    assert data.availability(ds.name) is None


def test_corrupt_cached_file_is_replaced_by_a_good_download(make_dataset, isolated_env, net, capsys):
    ds = make_dataset("toy_corrupt_cache_download", {"a.bin": CONTENT})
    bad = _put(isolated_env["cache"], ds.name, "a.bin", _damaged("truncated"))
    net.serve(ds.files[0].urls[0], CONTENT)

    located = data.locate(ds.name)

    assert located.where == "download" and located.paths == {"a.bin": bad}
    assert bad.read_bytes() == CONTENT
    assert str(bad) in capsys.readouterr().out
    assert _leftovers(isolated_env["cache"]) == ["a.bin"]


def test_corrupt_mirror_file_is_refused(make_dataset, mirror):
    ds = make_dataset("toy_corrupt_mirror", {"a.bin": CONTENT})
    path = _put(mirror, ds.name, "a.bin", CONTENT[:-1])
    (mirror / ds.name / "SOURCE.md").write_text("# where a.bin comes from\n")
    with pytest.raises(data.ChecksumError, match="corrupt or truncated") as info:
        data.locate(ds.name)
    message = str(info.value)
    assert str(path.resolve()) in message
    assert "The mirror's copy is damaged" in message and "SOURCE.md" in message
    assert message.index(str(path.resolve())) < message.index("tried "), "the bad copy is named first"


def test_corrupt_mirror_subset_points_to_its_source_note(make_dataset, isolated_env, mirror, net):
    ds = make_dataset("toy_bad_subset", {"a.bin": CONTENT}, subset=b"subset bytes")
    path = _put(mirror, ds.name, "toy_bad_subset_subset.npz", b"subset bytez")
    note = mirror / ds.name / "SOURCE.md"
    note.write_text("# toy subset: how it was made, sha256\n")

    message = data.availability(ds.name, download_missing=False)

    assert message is not None and str(path.resolve()) in message
    lines = message.splitlines()
    advice = lines[next(i for i, line in enumerate(lines) if str(path.resolve()) in line) + 1]
    assert str(note.resolve()) in advice, "the advice for the subset is its SOURCE.md"
    assert "cache" not in advice and "http" not in advice, "not: download it from an official URL into the cache"
    with pytest.raises(data.ChecksumError):
        data.locate(ds.name, download_missing=False)


def test_corrupt_subset_falls_through_to_a_download(make_dataset, isolated_env, mirror, net):
    ds = make_dataset("toy_bad_subset_download", {"a.bin": CONTENT}, subset=b"subset bytes")
    _put(mirror, ds.name, "toy_bad_subset_download_subset.npz", b"subset bytez")
    net.serve(ds.files[0].urls[0], CONTENT)

    located = data.locate(ds.name)

    assert located.kind == "official" and located.where == "download"


def test_download_with_wrong_bytes_leaves_nothing(make_dataset, isolated_env, net):
    ds = make_dataset("toy_bad_download", {"a.bin": CONTENT})
    for url in ds.files[0].urls:
        net.serve(url, CONTENT[:-5] + b"XXXXX")

    with pytest.raises(data.DataUnavailable) as info:
        data.locate(ds.name)

    assert "ChecksumError" in str(info.value)
    assert len(net.calls) == 2
    folder = isolated_env["cache"] / ds.name
    assert list(folder.iterdir()) == [], "no file and no *.part temp file may be left"


def test_interrupted_download_leaves_nothing(make_dataset, isolated_env, net):
    ds = make_dataset("toy_interrupted", {"a.bin": CONTENT})
    for url in ds.files[0].urls:
        net.fail(url, OSError("connection reset"))  # FakeNet writes a few bytes first

    with pytest.raises(data.DataUnavailable, match="connection reset"):
        data.locate(ds.name)
    assert list((isolated_env["cache"] / ds.name).iterdir()) == []


def test_availability(make_dataset, mirror, net):
    ok = make_dataset("toy_available", {"a.bin": CONTENT})
    missing = make_dataset("toy_missing", {"a.bin": CONTENT})
    _put(mirror, ok.name, "a.bin", CONTENT)

    assert data.availability(ok.name) is None
    message = data.availability(missing.name)
    assert isinstance(message, str)
    assert "a.bin" in message and missing.files[0].urls[0] in message


def test_sha256_of_and_verify(tmp_path, make_dataset):
    import dataclasses
    import hashlib

    ds = make_dataset("toy_verify", {"a.bin": CONTENT})
    path = tmp_path / "a.bin"
    path.write_bytes(CONTENT)
    assert fetch.sha256_of(path) == hashlib.sha256(CONTENT).hexdigest()
    assert fetch.verify(path, ds.files[0], ds) == path
    with pytest.raises(data.ChecksumError):
        fetch.verify(path, dataclasses.replace(ds.files[0], sha256="0" * 64), ds)
    md5_only = dataclasses.replace(ds.files[0], sha256="", md5=hashlib.md5(CONTENT).hexdigest())
    assert fetch.verify(path, md5_only, ds) == path
    with pytest.raises(data.ChecksumError, match="no checksum"):
        fetch.verify(path, dataclasses.replace(ds.files[0], sha256=""), ds)


def test_class_names_of_real_data_sets():
    assert data.class_names("mnist") == tuple("0123456789")
    assert len(data.class_names("fashion_mnist")) == 10
    assert data.class_names("cifar10")[7] == "horse"


def test_availability_without_download_never_touches_the_network(make_dataset, net):
    ds = make_dataset("toy_nodownload", {"a.bin": b"abc"})
    net.serve(ds.files[0].urls[0], b"abc")
    message = data.availability(ds.name, download_missing=False)
    assert "a.bin is not available" in message and "not downloaded" in message
    assert net.calls == []
    assert data.availability(ds.name) is None  # allowed to download: served by the fake net
    assert len(net.calls) == 1


def test_download_size_sums_registered_sizes_and_is_none_when_unknown():
    assert data.download_size("aesop") == 236_676
    assert data.download_size("glove") == 862_182_613, "big: collecting tests never downloads it"
    unknown = [name for name, ds in data.REGISTRY.items() if not all(f.size for f in ds.files)]
    for name in unknown:
        assert data.download_size(name) is None
