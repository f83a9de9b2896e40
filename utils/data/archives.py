"""Safe extraction of tar and zip archives (no member may land outside its folder)."""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

from .errors import DataUnavailable


def safe_extract(archive: Path, dest: Path, members: Iterable[str] | None = None) -> Path:
    """Extract a tar or zip archive into ``dest``, refusing members that would escape it.

    Absolute paths, ``..`` components, links and device files are rejected (the whole
    archive is checked before anything is written). The archive is unpacked into a
    temporary folder beside ``dest`` and renamed into place, so an interrupted
    extraction leaves nothing half-done. ``members``: extract only these member names
    (all by default). If ``dest`` exists already, it is returned as it is.
    """
    dest = Path(dest)
    if dest.exists():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    wanted = None if members is None else list(members)
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=dest.name + ".", suffix=".part"))
    try:
        if zipfile.is_zipfile(archive):
            _extract_zip(Path(archive), tmp, wanted)
        else:
            _extract_tar(Path(archive), tmp, wanted)
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _only(archive: Path, names: list[str], wanted: list[str] | None) -> list[str]:
    """The member names to extract, in archive order; every wanted name must exist."""
    if wanted is None:
        return names
    missing = set(wanted) - set(names)
    if missing:
        raise DataUnavailable(f"{archive}: no member {sorted(missing)[0]!r} "
                              f"({len(missing):,} wanted members missing)")
    keep = set(wanted)
    return [name for name in names if name in keep]


def _extract_tar(archive: Path, tmp: Path, wanted: list[str] | None) -> None:
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        for member in members:
            parts = Path(member.name).parts
            if member.name.startswith(("/", "\\")) or ".." in parts:
                raise DataUnavailable(f"{archive}: unsafe path in archive: {member.name!r}")
            if not (member.isfile() or member.isdir()):
                raise DataUnavailable(f"{archive}: refusing link or special file {member.name!r}")
        keep = set(_only(archive, [m.name for m in members], wanted))
        tar.extractall(tmp, members=[m for m in members if m.name in keep], filter="data")


def _extract_zip(archive: Path, tmp: Path, wanted: list[str] | None) -> None:
    root = tmp.resolve()
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            for info in infos:
                name = info.filename
                parts = name.replace("\\", "/").split("/")
                if name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
                    raise DataUnavailable(f"{archive}: unsafe path in archive: {name!r}")
                mode = info.external_attr >> 16  # Unix mode; no file-type bits = a plain file
                if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                    raise DataUnavailable(f"{archive}: refusing link or special file {name!r}")
            keep = set(_only(archive, [i.filename for i in infos], wanted))
            for info in infos:
                if info.filename not in keep:
                    continue
                target = tmp.joinpath(*[p for p in info.filename.split("/") if p not in ("", ".")])
                if not target.resolve().is_relative_to(root):  # belt and braces
                    raise DataUnavailable(f"{archive}: unsafe path in archive: {info.filename!r}")
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out, 1 << 20)
    except zipfile.BadZipFile as err:  # a damaged member (its CRC is checked on reading)
        raise DataUnavailable(f"{archive}: damaged zip archive: {err}") from err
