"""Fixtures for the unit tests of ``utils``.

Every test runs isolated from the machine it runs on:

- ``GDL_DATA_DIR`` and ``GDL_RUN_DIR`` point into ``tmp_path`` (never the repo's
  ``data/`` or ``run/``); ``GDL_DATA_MIRROR``, ``GDL_STANDIN_DATA``, ``GDL_FAST``, ``GDL_ROOT`` and the
  download limits are unset.
- ``utils.data.fetch._download_url`` is replaced by :class:`FakeNet`, which serves only
  the bytes a test registered and otherwise raises ``ConnectionError``: no test can
  reach the network.
- Matplotlib uses the Agg backend (set before anything imports it).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

os.environ["MPLBACKEND"] = "Agg"  # before matplotlib is imported anywhere

import pytest  # noqa: E402

from utils.data import fetch, registry  # noqa: E402

# The offline mirror of the real data sets: ../shared/data beside the repository.
REAL_MIRROR = Path(__file__).resolve().parents[2] / "shared" / "data"


def sha256_bytes(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """Cache and run folders in tmp_path; no mirror, no fast mode, default root."""
    for var in ("GDL_DATA_MIRROR", "GDL_FAST", "GDL_ROOT", "GDL_STANDIN_DATA",
                "GDL_DOWNLOAD_MIN_SPEED", "GDL_DOWNLOAD_TIMEOUT"):
        monkeypatch.delenv(var, raising=False)
    cache = tmp_path / "cache"
    runs = tmp_path / "runs"
    monkeypatch.setenv("GDL_DATA_DIR", str(cache))
    monkeypatch.setenv("GDL_RUN_DIR", str(runs))
    return {"cache": cache, "runs": runs}


class FakeNet:
    """Stands in for ``utils.data.fetch._download_url``: serves registered bytes or fails."""

    def __init__(self):
        self.responses: dict[str, object] = {}
        self.calls: list[tuple[str, Path]] = []
        self.target_existed_during_download: list[bool] = []
        self.watch: Path | None = None  # a path whose existence is recorded on each call

    def serve(self, url: str, content: bytes) -> None:
        self.responses[url] = content

    def fail(self, url: str, error: BaseException | None = None) -> None:
        self.responses[url] = error or ConnectionError(f"cannot reach {url}")

    def __call__(self, url: str, dest: Path, label: str = "") -> None:
        dest = Path(dest)
        self.calls.append((url, dest))
        if self.watch is not None:
            self.target_existed_during_download.append(self.watch.exists())
        response = self.responses.get(url)
        if response is None:
            raise ConnectionError(f"network disabled in tests: {url}")
        if isinstance(response, BaseException):
            # Like an interrupted download: some bytes were written before the error.
            dest.write_bytes(b"partial")
            raise response
        dest.write_bytes(response)

    @property
    def urls(self) -> list[str]:
        return [url for url, _ in self.calls]


@pytest.fixture(autouse=True)
def net(monkeypatch):
    fake = FakeNet()
    monkeypatch.setattr(fetch, "_download_url", fake)
    return fake


@pytest.fixture
def make_dataset():
    """Register tiny fake data sets; they are removed from the registry afterwards.

    ``make_dataset(name, {"a.bin": b"..."}, subset=b"...")`` returns the Dataset. Each
    file gets the real SHA-256 of its bytes and two URLs,
    ``https://primary.invalid/<name>/<file>`` and ``https://fallback.invalid/<name>/<file>``.
    """
    registered: list[str] = []

    def make(name: str, files: dict[str, bytes], subset: bytes | None = None, **kwargs) -> registry.Dataset:
        assert name not in registry.REGISTRY, f"test data set name {name!r} clashes with a real one"
        remote = tuple(
            registry.RemoteFile(
                file_name,
                (f"https://primary.invalid/{name}/{file_name}", f"https://fallback.invalid/{name}/{file_name}"),
                sha256_bytes(content),
            )
            for file_name, content in files.items()
        )
        subset_file = None
        if subset is not None:
            subset_file = registry.RemoteFile(f"{name}_subset.npz", (), sha256_bytes(subset))
        dataset = registry.register(registry.Dataset(
            name=name, title=f"Toy {name}", homepage=f"https://home.invalid/{name}",
            files=remote, subset=subset_file, **kwargs,
        ))
        registered.append(name)
        return dataset

    yield make
    for name in registered:
        registry.REGISTRY.pop(name, None)


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """An empty offline mirror in tmp_path, set as GDL_DATA_MIRROR."""
    path = tmp_path / "mirror"
    path.mkdir()
    monkeypatch.setenv("GDL_DATA_MIRROR", str(path))
    return path


@pytest.fixture
def real_mirror(monkeypatch):
    """The real offline mirror (../shared/data), or skip when this machine has none."""
    if not REAL_MIRROR.is_dir():
        pytest.skip(f"no offline data mirror at {REAL_MIRROR}")
    monkeypatch.setenv("GDL_DATA_MIRROR", str(REAL_MIRROR))
    return REAL_MIRROR


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
