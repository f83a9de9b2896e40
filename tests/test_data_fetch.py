"""utils.data.fetch: downloads that give up on slow servers, and what killed downloads leave behind.

The real ``_download_url`` runs here against a fake ``requests.get`` (no network): its
response trickles bytes, as a server that sends very slowly does.
"""

from __future__ import annotations

import os
import time

import pytest
import requests

from utils import data
from utils.data import fetch

REAL_DOWNLOAD_URL = fetch._download_url  # conftest's FakeNet replaces it in every test
CONTENT = b"the official bytes of a toy data set\n" * 50


class _TrickleRaw:
    """A response body that sends ``step`` bytes every ``pause`` seconds, forever."""

    def __init__(self, pause: float, step: int = 1, give_up_after: float = 3.0):
        self.pause, self.step = pause, step
        self.deadline = time.monotonic() + give_up_after

    def _next(self) -> bytes:
        if time.monotonic() > self.deadline:  # keeps a loader without limits from hanging the tests
            raise AssertionError("the server is still sending: the loader never gave up")
        time.sleep(self.pause)
        return b"x" * self.step

    def read1(self, amt=None, decode_content=None) -> bytes:
        return self._next()


class _TrickleResponse:
    def __init__(self, raw: _TrickleRaw):
        self.raw = raw
        self.headers = {"content-length": str(10**9)}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def raise_for_status(self):
        pass

    def iter_content(self, chunk_size=1):  # what a loader without read1 would use
        while True:
            yield self.raw._next()


@pytest.fixture
def trickle(monkeypatch):
    """The real _download_url, with requests.get answering by a trickling response."""
    calls = []

    def make(pause: float, step: int = 1):
        def fake_get(url, **kwargs):
            calls.append((url, kwargs))
            return _TrickleResponse(_TrickleRaw(pause, step))

        monkeypatch.setattr(requests, "get", fake_get)
        monkeypatch.setattr(fetch, "_download_url", REAL_DOWNLOAD_URL)
        return calls

    return make


def test_a_server_that_sends_too_slowly_is_given_up(make_dataset, isolated_env, monkeypatch, trickle):
    ds = make_dataset("toy_slow_server", {"a.bin": CONTENT})
    monkeypatch.setattr(fetch, "LIMITS", fetch.DownloadLimits(min_speed=1000, window=0.3))
    calls = trickle(pause=0.01)  # ~100 bytes/s

    start = time.monotonic()
    with pytest.raises(data.DataUnavailable) as info:
        data.locate(ds.name)

    assert time.monotonic() - start < 2.5, "each URL is given up after about one window"
    message = str(info.value)
    assert "DownloadTooSlow" in message and "too slow" in message and "GDL_DOWNLOAD_MIN_SPEED" in message
    assert [url for url, _ in calls] == list(ds.files[0].urls), "then the fallback is tried"
    assert all(kwargs["timeout"] == (15.0, 30.0) and kwargs["stream"] for _, kwargs in calls)
    assert list((isolated_env["cache"] / ds.name).iterdir()) == [], "no part left behind"


def test_minimum_speed_and_time_limit_are_settable(make_dataset, monkeypatch, trickle):
    ds = make_dataset("toy_time_limit", {"a.bin": CONTENT})
    monkeypatch.setenv("GDL_DOWNLOAD_MIN_SPEED", "0")  # no minimum speed...
    monkeypatch.setenv("GDL_DOWNLOAD_TIMEOUT", "0.3")  # ...but 0.3 s per file
    trickle(pause=0.01, step=10_000)

    start = time.monotonic()
    with pytest.raises(data.DataUnavailable, match="gave up after .* GDL_DOWNLOAD_TIMEOUT"):
        data.locate(ds.name)
    assert time.monotonic() - start < 2.5
    assert fetch.download_limits().min_speed == 0 and fetch.download_limits().max_seconds == 0.3


def test_defaults_are_sane_and_bad_values_refused(monkeypatch):
    limits = fetch.download_limits()
    assert limits.min_speed > 0 and limits.window >= 10 and limits.read_timeout <= 60
    monkeypatch.setenv("GDL_DOWNLOAD_MIN_SPEED", "fast")
    with pytest.raises(ValueError, match="GDL_DOWNLOAD_MIN_SPEED must be a number"):
        fetch.download_limits()
    monkeypatch.setenv("GDL_DOWNLOAD_MIN_SPEED", "-5")
    with pytest.raises(ValueError, match="must not be negative"):
        fetch.download_limits()


def test_a_fast_enough_download_completes(make_dataset, monkeypatch, isolated_env):
    ds = make_dataset("toy_fast_server", {"a.bin": CONTENT})

    class Raw:
        def __init__(self):
            self.left = CONTENT

        def read1(self, amt=None, decode_content=None):
            block, self.left = self.left[:100], self.left[100:]
            return block

    class Response(_TrickleResponse):
        def __init__(self):
            self.raw, self.headers = Raw(), {"content-length": str(len(CONTENT))}

    monkeypatch.setattr(requests, "get", lambda url, **kwargs: Response())
    monkeypatch.setattr(fetch, "_download_url", REAL_DOWNLOAD_URL)

    located = data.locate(ds.name)

    assert located.where == "download" and located.paths["a.bin"].read_bytes() == CONTENT
    assert sorted(p.name for p in (isolated_env["cache"] / ds.name).iterdir()) == ["a.bin"]


# --------------------------------------------------------------------------- stale parts


def _age(path, seconds):
    old = time.time() - seconds
    for p in [path, *path.rglob("*")] if path.is_dir() else [path]:
        os.utime(p, (old, old))


def test_stale_parts_of_a_killed_download_are_cleaned(make_dataset, isolated_env, net):
    ds = make_dataset("toy_stale_parts", {"a.bin": CONTENT})
    folder = isolated_env["cache"] / ds.name
    folder.mkdir(parents=True)
    killed_dir = folder / "a.bin.k1ll3d.part"  # what this version leaves: a folder with pooch's temp file
    killed_dir.mkdir()
    (killed_dir / "tmpabc123").write_bytes(b"half a file")
    killed_file = folder / "a.bin.0ld.part"  # what the old loader left: a bare part file
    killed_file.write_bytes(b"half a file")
    other = folder / "b.bin.x.part"  # another file's part: not ours to remove
    other.write_bytes(b"b")
    for path in (killed_dir, killed_file, other):
        _age(path, 3600)
    live = folder / "a.bin.l1ve.part"  # written to just now: may be a download running elsewhere
    live.write_bytes(b"growing")
    net.serve(ds.files[0].urls[0], CONTENT)

    data.locate(ds.name)

    assert sorted(p.name for p in folder.iterdir()) == ["a.bin", "a.bin.l1ve.part", "b.bin.x.part"]


def test_stale_parts_are_cleaned_even_when_the_download_fails(make_dataset, isolated_env, net):
    ds = make_dataset("toy_stale_parts_fail", {"a.bin": CONTENT})
    folder = isolated_env["cache"] / ds.name
    folder.mkdir(parents=True)
    killed = folder / "a.bin.k1ll3d.part"
    killed.write_bytes(b"half a file")
    _age(killed, 3600)

    with pytest.raises(data.DataUnavailable):
        data.locate(ds.name)
    assert list(folder.iterdir()) == []


def test_an_interrupted_download_leaves_no_part(make_dataset, isolated_env, net):
    ds = make_dataset("toy_interrupt", {"a.bin": CONTENT})
    net.fail(ds.files[0].urls[0], KeyboardInterrupt())  # Ctrl-C, or the kernel's stop button

    with pytest.raises(KeyboardInterrupt):
        data.locate(ds.name)

    assert list((isolated_env["cache"] / ds.name).iterdir()) == []
    assert len(net.calls) == 1, "an interrupt stops the download; no fallback is tried"
