"""pytest hooks for running the notebooks under nbval.

- A notebook lists its data sets in its metadata (``"gdl": {"datasets": [...]}``). For each
  one that is neither cached, mirrored nor downloadable:
  - if ``tests/fixtures/standins.py`` can build a *stand-in* for it (CelebA, Quick Draw),
    the stand-ins are built once per test session into a temporary folder and
    ``GDL_STANDIN_DATA`` points at it, so every notebook kernel finds them (real cached or
    mirrored files still win). The notebook then runs, and the summary at the end says it
    ran on stand-in data: its code was checked, its numbers are no results.
  - otherwise every cell of that notebook is *skipped* with the loader's message as the
    reason: a skip, never a pass.
  Data sets of at most ``MAX_DOWNLOAD_WHILE_COLLECTING`` bytes (or of unregistered size)
  may be downloaded to decide; bigger ones (CelebA) must be cached or mirrored already.
- At the end, the time each notebook took is printed.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pytest

MAX_DOWNLOAD_WHILE_COLLECTING = 200_000_000  # bytes
STANDIN_NOTE = "ran on STAND-IN data: code check only, not results"
_notebook_seconds: dict[str, float] = defaultdict(float)
_notebook_skips: dict[str, str] = {}
_notebook_standins: dict[str, list[str]] = {}  # notebook -> the data sets it ran on as stand-ins
_standin_folder: list[Path] = []  # the temporary folder this session built (removed at the end)


def _datasets_of(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        meta = json.load(handle).get("metadata", {})
    return list(meta.get("gdl", {}).get("datasets", []))


def _real_data_missing(name: str) -> str | None:
    """Why data set ``name`` cannot be had for real (cache, mirror, download), or None if it can."""
    from utils import data

    # Small data sets may be downloaded here; a big one (CelebA, 1.4 GB) must already be
    # cached or mirrored, so that collecting tests never starts it.
    size = data.download_size(name)
    small = size is None or size <= MAX_DOWNLOAD_WHILE_COLLECTING  # None: size not registered
    return data.availability(name, download_missing=small)


def _provide_standins(names: set[str]) -> None:
    """Build the stand-ins of ``names`` (once) and point ``GDL_STANDIN_DATA`` at them."""
    from tests.fixtures import standins

    if os.environ.get("GDL_STANDIN_DATA"):  # a folder given by the caller: use it as it is
        return
    folder = Path(tempfile.mkdtemp(prefix="gdl-standins-"))
    _standin_folder.append(folder)
    start = time.perf_counter()
    for name in sorted(names):
        standins.build(name, folder)
    print(f"\nbuilt stand-in data for {', '.join(sorted(names))} in {time.perf_counter() - start:.1f} s")
    os.environ["GDL_STANDIN_DATA"] = str(folder)  # inherited by every notebook kernel started from now on


def pytest_collection_modifyitems(config, items):
    notebooks = sorted({Path(str(item.fspath)) for item in items if Path(str(item.fspath)).suffix == ".ipynb"})
    if not notebooks:
        return
    from tests.fixtures import standins

    # Judge the *real* data first, as a user's machine would see it (no stand-ins).
    given_standins = os.environ.pop("GDL_STANDIN_DATA", None)
    missing: dict[str, str | None] = {}
    reasons: dict[Path, str] = {}
    try:
        for path in notebooks:
            for name in _datasets_of(path):
                if name not in missing:
                    missing[name] = _real_data_missing(name)
                if missing[name] is None:
                    continue
                if name in standins.BUILDERS:
                    _notebook_standins.setdefault(path.name, []).append(name)
                else:
                    reasons[path] = f"data set {name!r} is unavailable: {missing[name]}"
                    _notebook_skips[path.name] = reasons[path]
                    break
    finally:
        if given_standins is not None:
            os.environ["GDL_STANDIN_DATA"] = given_standins
    for path in reasons:  # a skipped notebook needs no stand-ins
        _notebook_standins.pop(path.name, None)
    needed = {name for names in _notebook_standins.values() for name in names}
    if needed:
        _provide_standins(needed)
    for item in items:
        reason = reasons.get(Path(str(item.fspath)))
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


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
        note = ""
        if name in _notebook_skips:
            note = "  (skipped: data unavailable)"
        elif name in _notebook_standins:
            note = f"  ({STANDIN_NOTE}: {', '.join(_notebook_standins[name])})"
        terminalreporter.write_line(f"{seconds:7.1f} s  {name}{note}")
    terminalreporter.write_line(f"{sum(_notebook_seconds.values()):7.1f} s  in all")
    if _notebook_standins:
        terminalreporter.write_line(f"{len(_notebook_standins)} notebook(s) {STANDIN_NOTE}: "
                                    + ", ".join(sorted(_notebook_standins)), yellow=True, bold=True)


def pytest_unconfigure(config):
    for folder in _standin_folder:
        shutil.rmtree(folder, ignore_errors=True)
