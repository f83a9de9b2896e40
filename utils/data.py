"""The course's data sets: where they come from, how they are checked, how they load.

Every data set in ``REGISTRY`` names its official files, the URLs to fetch them from
(official source first, then fallbacks) and their SHA-256 checksums. A loader looks
for a file in this order:

1. the cache, ``data/<name>/<file>`` in the project root;
2. the offline mirror, ``$GDL_DATA_MIRROR/<name>/<file>`` — either the official files
   byte for byte, or a documented subset ``<name>_subset.npz`` (keys ``x_train``,
   ``y_train``, ``x_test``, ``y_test``), in which case the loader says so;
3. a download into the cache, with a progress bar, a checksum check and an atomic
   rename, so that an interrupted download never leaves a half-written file.

If none of these works the loader raises :class:`DataUnavailable`, whose message says
which file is missing, where to download it and where to put it. A file that fails its
checksum is never used.

Loaders return NumPy arrays in the ``(x_train, y_train), (x_test, y_test)`` form of
``keras.datasets``. In fast mode (``GDL_FAST=1``) they return a small fixed subset.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import shutil
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import settings


class DataUnavailable(RuntimeError):
    """A data set is neither cached, mirrored nor downloadable (or a copy is corrupt)."""


class ChecksumError(DataUnavailable):
    """A file on disk is not the file the registry expects (corrupt or truncated)."""


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
    """A registered data set: its official files and, optionally, a mirror-only subset."""

    name: str  # folder name under data/ and under the mirror
    title: str
    homepage: str
    files: tuple[RemoteFile, ...]
    subset: RemoteFile | None = None  # '<name>_subset.npz' a mirror may hold instead
    fast_sizes: tuple[int, int] = (2000, 500)  # (train, test) examples in fast mode
    class_names: tuple[str, ...] = ()
    manual: str = ""  # how to get the files by hand, added to the "not available" message


_KERAS_STORE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_FASHION_OFFICIAL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"

REGISTRY: dict[str, Dataset] = {}


def register(dataset: Dataset) -> Dataset:
    """Add a data set to the registry (chapters add their own with this)."""
    REGISTRY[dataset.name] = dataset
    return dataset


register(Dataset(
    name="mnist",
    title="MNIST handwritten digits",
    homepage="http://yann.lecun.com/exdb/mnist/",
    files=(RemoteFile(
        "mnist.npz",
        (_KERAS_STORE + "mnist.npz", "https://s3.amazonaws.com/img-datasets/mnist.npz"),
        "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    ),),
    subset=RemoteFile(
        "mnist_subset.npz", (),
        "dec4f128eba980a5faa1b4af845d58d9ef09d96bb08c0bf10e7c37ba46c56b1c",
    ),
    class_names=tuple(str(d) for d in range(10)),
))

register(Dataset(
    name="fashion_mnist",
    title="Fashion-MNIST (Zalando Research)",
    homepage="https://github.com/zalandoresearch/fashion-mnist",
    files=tuple(
        RemoteFile(name, (_FASHION_OFFICIAL + name, _KERAS_STORE + "fashion-mnist/" + name), sha)
        for name, sha in [
            ("train-images-idx3-ubyte.gz", "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"),
            ("train-labels-idx1-ubyte.gz", "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"),
            ("t10k-images-idx3-ubyte.gz", "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"),
            ("t10k-labels-idx1-ubyte.gz", "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"),
        ]
    ),
    class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                 "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
))

register(Dataset(
    name="cifar10",
    title="CIFAR-10",
    homepage="https://www.cs.toronto.edu/~kriz/cifar.html",
    files=(RemoteFile(
        "cifar-10-python.tar.gz",
        ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",),
        "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
    ),),
    subset=RemoteFile(
        "cifar10_subset.npz", (),
        "302f01714330001be33b58c01a68503979a36e8e80958d34eb95ce1d05716970",
    ),
    class_names=("airplane", "automobile", "bird", "cat", "deer",
                 "dog", "frog", "horse", "ship", "truck"),
))


# --------------------------------------------------------------------------- checks

def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    """The SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def md5_of(path: Path, chunk: int = 1 << 20) -> str:
    """The MD5 hex digest of a file (for sources that publish only an MD5)."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, expected: str, dataset: Dataset, file: RemoteFile) -> Path:
    """Return ``path`` if it is the registered file; otherwise raise a clear ChecksumError.

    ``expected`` is the SHA-256 to compare with. When it is empty, the file's registered
    MD5 (``file.md5``) is compared instead; with neither, the file is refused. A file
    registered with its ``size`` is refused at once when its size differs.
    """
    where = file.urls[0] if file.urls else dataset.homepage
    advice = (f"Delete it and download {file.name} again from {where}\n"
              f"into {cache_path(dataset, file)}.")
    size = Path(path).stat().st_size
    if file.size and size != file.size:
        raise ChecksumError(f"{dataset.title}: {path} is corrupt or truncated "
                            f"({size:,} bytes, expected {file.size:,}).\n{advice}")
    if expected:
        algorithm, actual = "sha256", sha256_of(path)
    elif file.md5:
        algorithm, expected, actual = "md5", file.md5, md5_of(path)
    else:
        raise ChecksumError(f"{dataset.title}: no checksum is registered for {file.name}, "
                            f"so {path} cannot be checked and is not used.")
    if actual != expected:
        raise ChecksumError(
            f"{dataset.title}: {path} is corrupt or truncated "
            f"({size:,} bytes, {algorithm} {actual[:16]}…, expected {expected[:16]}…).\n{advice}"
        )
    return path


# --------------------------------------------------------------------------- locations

def cache_path(dataset: Dataset, file: RemoteFile) -> Path:
    """Where a file lives in the download cache: ``data/<name>/<file>``."""
    return settings.data_dir() / dataset.name / file.name


def mirror_path(dataset: Dataset, file: RemoteFile) -> Path | None:
    """Where a file would be in the offline mirror, or None without a mirror."""
    mirror = settings.data_mirror()
    return None if mirror is None else mirror / dataset.name / file.name


def _local(dataset: Dataset, file: RemoteFile) -> Path | None:
    """A verified local copy (cache first, then mirror), or None if there is none."""
    for path in (cache_path(dataset, file), mirror_path(dataset, file)):
        if path is not None and path.is_file():
            return verify(path, file.sha256, dataset, file)
    return None


# --------------------------------------------------------------------------- download

def _download_url(url: str, dest: Path) -> None:
    """Stream ``url`` into ``dest`` with a progress bar (tests replace this function)."""
    import requests
    from tqdm.auto import tqdm

    with requests.get(url, stream=True, timeout=30) as response:
        response.raise_for_status()
        total = int(response.headers.get("content-length", 0)) or None
        with open(dest, "wb") as out, tqdm(total=total, unit="B", unit_scale=True,
                                           desc=dest.name.split(".part")[0]) as bar:
            for block in response.iter_content(chunk_size=1 << 20):
                out.write(block)
                bar.update(len(block))


def download(dataset: Dataset, file: RemoteFile) -> Path:
    """Download ``file`` into the cache, trying each URL; checked and renamed atomically."""
    target = cache_path(dataset, file)
    target.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    for url in file.urls:
        handle, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=file.name + ".", suffix=".part")
        os.close(handle)
        tmp = Path(tmp_name)
        try:
            _download_url(url, tmp)
            try:
                verify(tmp, file.sha256, dataset, file)
            except ChecksumError:
                if _is_web_page(tmp):  # e.g. Google Drive's "quota exceeded" page
                    raise DataUnavailable("the server sent a web page instead of the file "
                                          "(download quota exceeded, or a login or confirmation page)") from None
                raise
            os.replace(tmp, target)  # atomic: the file appears whole or not at all
            return target
        except Exception as err:  # network errors, HTTP errors, checksum errors
            reason = (str(err).strip().splitlines() or [""])[0][:200]
            failures.append(f"{url}: {type(err).__name__}" + (f": {reason}" if reason else ""))
        finally:
            tmp.unlink(missing_ok=True)
    raise DataUnavailable(_missing_message(dataset, file, failures))


def _is_web_page(path: Path) -> bool:
    """True if a downloaded file is an HTML page (an error or confirmation page, not data)."""
    with open(path, "rb") as handle:
        start = handle.read(512).lstrip().lower()
    return start.startswith((b"<!doctype html", b"<html"))


def _missing_message(dataset: Dataset, file: RemoteFile, failures: list[str]) -> str:
    mirror = settings.data_mirror()
    lines = [f"{dataset.title}: {file.name} is not available (no cached copy, no mirror copy, download failed)."]
    lines += [f"  tried {failure}" for failure in failures] or ["  (no download URL is known for this file)"]
    lines.append(f"  Download it from {file.urls[0] if file.urls else dataset.homepage}")
    lines.append(f"  and put it at {cache_path(dataset, file)}")
    if mirror is None:
        lines.append(f"  (or set GDL_DATA_MIRROR to a folder that holds {dataset.name}/{file.name}).")
    else:
        lines.append(f"  (or in the mirror, {mirror / dataset.name / file.name}).")
    if len(dataset.files) > 1:
        lines.append(f"  {dataset.title} needs all of: {', '.join(f.name for f in dataset.files)}.")
    if dataset.manual:
        lines += ["  " + line for line in dataset.manual.strip().splitlines()]
    return "\n".join(lines)


# --------------------------------------------------------------------------- archives

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
                mode = info.external_attr >> 16
                if mode and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
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


# --------------------------------------------------------------------------- locate

@dataclass
class Located:
    """Where a data set was found: the official files, or a mirror subset."""

    kind: str  # "official" or "subset"
    paths: dict[str, Path]
    where: str  # "cache", "mirror" or "download"


def locate(name: str) -> Located:
    """Find (or download) a data set's files: cache → mirror → download.

    Official files are preferred; a mirror's ``<name>_subset.npz`` is used only when
    the official files are neither cached nor mirrored. Raises DataUnavailable.
    """
    dataset = REGISTRY[name]
    found = {f.name: _local(dataset, f) for f in dataset.files}
    if all(found.values()):
        cache_dir = settings.data_dir()
        where = "cache" if all(cache_dir in p.parents for p in found.values()) else "mirror"
        return Located("official", found, where)
    if dataset.subset is not None:
        subset = _local(dataset, dataset.subset)
        if subset is not None:
            where = "cache" if settings.data_dir() in subset.parents else "mirror"
            return Located("subset", {dataset.subset.name: subset}, where)
    for file in dataset.files:
        if found[file.name] is None:
            found[file.name] = download(dataset, file)
    return Located("official", found, "download")


def availability(name: str) -> str | None:
    """None if data set ``name`` can be had (cached, mirrored or downloaded), else the reason."""
    try:
        locate(name)
    except DataUnavailable as err:
        return str(err)
    return None


# --------------------------------------------------------------------------- loaders

Arrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def _read_subset(path: Path) -> Arrays:
    with np.load(path) as npz:
        x_train, y_train, x_test, y_test = (npz[k] for k in ("x_train", "y_train", "x_test", "y_test"))
    # Subsets are stored sorted by class: shuffle them once, always in the same way.
    train = np.random.default_rng(0).permutation(len(x_train))
    test = np.random.default_rng(1).permutation(len(x_test))
    return (x_train[train], y_train[train]), (x_test[test], y_test[test])


def _finish(dataset: Dataset, located: Located, arrays: Arrays) -> Arrays:
    """Apply fast mode's fixed subset and say what was loaded."""
    (x_train, y_train), (x_test, y_test) = arrays
    what = "official data" if located.kind == "official" else "OFFLINE SUBSET (see the mirror's SOURCE.md; not the official split)"
    message = f"{dataset.title}: {what} from {located.where}, {len(x_train):,} train / {len(x_test):,} test"
    if settings.is_fast():
        n_train, n_test = dataset.fast_sizes
        x_train, y_train, x_test, y_test = x_train[:n_train], y_train[:n_train], x_test[:n_test], y_test[:n_test]
        message += f" -> fast mode: {len(x_train):,} / {len(x_test):,}"
    print(message)
    return (x_train, y_train.astype("int64")), (x_test, y_test.astype("int64"))


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (the MNIST family's format), gzipped or not, into a NumPy array."""
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            data = handle.read()
    except (EOFError, OSError) as err:  # a cut or damaged .gz file
        raise DataUnavailable(f"{path} cannot be read: {type(err).__name__}: {err}") from err
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 8:
        raise DataUnavailable(f"{path} is not an IDX file of unsigned bytes")
    ndim = data[3]
    if len(data) < 4 + 4 * ndim:
        raise DataUnavailable(f"{path} is truncated inside its header")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise DataUnavailable(f"{path} is truncated: {body.size} values for shape {shape}")
    return body.reshape(shape)


def load_mnist() -> Arrays:
    """MNIST digits: uint8 images (N, 28, 28) and int labels 0–9."""
    dataset = REGISTRY["mnist"]
    located = locate("mnist")
    if located.kind == "subset":
        arrays = _read_subset(located.paths["mnist_subset.npz"])
    else:
        with np.load(located.paths["mnist.npz"]) as npz:
            arrays = (npz["x_train"], npz["y_train"]), (npz["x_test"], npz["y_test"])
    return _finish(dataset, located, arrays)


def load_fashion_mnist() -> Arrays:
    """Fashion-MNIST: uint8 images (N, 28, 28) and int labels 0–9 (see ``class_names``)."""
    dataset = REGISTRY["fashion_mnist"]
    located = locate("fashion_mnist")
    if located.kind == "subset":
        arrays = _read_subset(located.paths["fashion_mnist_subset.npz"])
    else:
        p = located.paths
        arrays = ((read_idx(p["train-images-idx3-ubyte.gz"]), read_idx(p["train-labels-idx1-ubyte.gz"])),
                  (read_idx(p["t10k-images-idx3-ubyte.gz"]), read_idx(p["t10k-labels-idx1-ubyte.gz"])))
    return _finish(dataset, located, arrays)


def load_cifar10() -> Arrays:
    """CIFAR-10: uint8 images (N, 32, 32, 3) and int labels 0–9 (see ``class_names``)."""
    dataset = REGISTRY["cifar10"]
    located = locate("cifar10")
    if located.kind == "subset":
        arrays = _read_subset(located.paths["cifar10_subset.npz"])
    else:
        archive = located.paths["cifar-10-python.tar.gz"]
        folder = safe_extract(archive, settings.data_dir() / "cifar10" / "extracted") / "cifar-10-batches-py"

        def batch(file_name):
            # The archive's checksum was verified above, so unpickling its batches is safe.
            with open(folder / file_name, "rb") as handle:
                raw = pickle.load(handle, encoding="bytes")
            images = raw[b"data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
            return images, np.asarray(raw[b"labels"], dtype=np.uint8)

        parts = [batch(f"data_batch_{i}") for i in range(1, 6)]
        x_train = np.concatenate([x for x, _ in parts])
        y_train = np.concatenate([y for _, y in parts])
        arrays = (x_train, y_train), batch("test_batch")
    return _finish(dataset, located, arrays)


def class_names(name: str) -> tuple[str, ...]:
    """The label names of a registered data set."""
    return REGISTRY[name].class_names
