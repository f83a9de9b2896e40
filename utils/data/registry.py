"""What the course's data sets are: their official files, checksums and sources.

A :class:`Dataset` names its official files (each a :class:`RemoteFile` with its URLs,
official source first, then fallbacks, and its SHA-256), and optionally a documented
*subset* that an offline mirror may hold instead. The medium modules (``images``,
``text``, ``music``) register their data sets with :func:`register` when imported.
"""

from __future__ import annotations

from dataclasses import dataclass

REGISTRY: dict[str, "Dataset"] = {}


@dataclass(frozen=True)
class RemoteFile:
    """One file of a data set: its name on disk, where to get it, and its checksum.

    ``sha256`` is what is checked. Some official sources publish only an MD5: a file
    registered with an empty ``sha256`` is checked against ``md5`` instead (one of the
    two must be given). ``size`` (bytes, 0 = unknown) lets a truncated copy of a big
    file be refused at once, before it is read.
    """

    name: str
    urls: tuple[str, ...]
    sha256: str
    md5: str = ""
    size: int = 0


@dataclass(frozen=True)
class Dataset:
    """A registered data set: its official files and, optionally, a documented subset.

    ``subset`` is a file a mirror (or the cache) may hold instead of the official files,
    documented in the mirror's ``<name>/SOURCE.md``; its loader reads it with its own
    reader and says OFFLINE SUBSET. ``standin_ok=False`` refuses stand-in files (for
    formats that are unpickled, which only a checksum-checked file may be).
    """

    name: str  # folder name under data/, under the mirror and under the stand-in folder
    title: str
    homepage: str
    files: tuple[RemoteFile, ...]
    subset: RemoteFile | None = None
    fast_sizes: tuple[int, int] = (2000, 500)  # (train, test) examples in fast mode
    class_names: tuple[str, ...] = ()
    manual: str = ""  # how to get the files by hand, added to the "not available" message
    standin_ok: bool = True


def register(dataset: Dataset) -> Dataset:
    """Add a data set to the registry (chapters add their own with this)."""
    REGISTRY[dataset.name] = dataset
    return dataset


def class_names(name: str) -> tuple[str, ...]:
    """The label names of a registered data set."""
    return REGISTRY[name].class_names


def download_size(name: str) -> int | None:
    """Bytes that data set ``name``'s official files take (None if a size is not registered)."""
    sizes = [file.size for file in REGISTRY[name].files]
    return None if not all(sizes) else sum(sizes)
