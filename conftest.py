"""pytest hooks for running the notebooks under nbval.

- A notebook lists its data sets in its metadata (``"gdl": {"datasets": [...]}``). If one
  of them is neither cached, mirrored nor downloadable, every cell of that notebook is
  *skipped* with the loader's message as the reason: a skip, never a pass. Data sets of
  at most ``MAX_DOWNLOAD_WHILE_COLLECTING`` bytes (or of unregistered size) may be downloaded to decide; bigger
  ones (CelebA) must be cached or mirrored already.
- At the end, the time each notebook took is printed.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path

import pytest

MAX_DOWNLOAD_WHILE_COLLECTING = 200_000_000  # bytes
_notebook_seconds: dict[str, float] = defaultdict(float)
_notebook_skips: dict[str, str] = {}


def _datasets_of(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        meta = json.load(handle).get("metadata", {})
    return list(meta.get("gdl", {}).get("datasets", []))


def pytest_collection_modifyitems(config, items):
    from utils import data

    reasons: dict[Path, str | None] = {}
    for item in items:
        path = Path(str(item.fspath))
        if path.suffix != ".ipynb":
            continue
        if path not in reasons:
            reasons[path] = None
            for name in _datasets_of(path):
                # Small data sets may be downloaded here; a big one (CelebA, 1.4 GB) must
                # already be cached or mirrored, so that collecting tests never starts it.
                size = data.download_size(name)
                small = size is None or size <= MAX_DOWNLOAD_WHILE_COLLECTING  # None: size not registered
                message = data.availability(name, download_missing=small)
                if message:
                    reasons[path] = f"data set {name!r} is unavailable: {message}"
                    _notebook_skips[path.name] = reasons[path]
                    break
        if reasons[path]:
            item.add_marker(pytest.mark.skip(reason=reasons[path]))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    start = time.perf_counter()
    yield
    path = Path(str(item.fspath))
    if path.suffix == ".ipynb":
        _notebook_seconds[path.name] += time.perf_counter() - start


def pytest_terminal_summary(terminalreporter):
    if not _notebook_seconds:
        return
    terminalreporter.section("time per notebook")
    for name, seconds in sorted(_notebook_seconds.items()):
        note = "  (skipped: data unavailable)" if name in _notebook_skips else ""
        terminalreporter.write_line(f"{seconds:7.1f} s  {name}{note}")
    terminalreporter.write_line(f"{sum(_notebook_seconds.values()):7.1f} s  in all")
