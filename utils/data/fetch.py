"""Finding a data set's files: cache -> mirror -> (subset) -> stand-in -> download.

:func:`locate` looks for each official file of a data set

1. in the cache, ``data/<name>/<file>``;
2. in the offline mirror, ``$GDL_DATA_MIRROR/<name>/<file>``;

and, when some are in neither, for the data set's documented *subset* (cache, then
mirror), then for *stand-in* files (``$GDL_STANDIN_DATA/<name>/<file>``, test suite
only), and only then downloads the missing official files into the cache.

Every cached or mirrored file is checked against its registered SHA-256 (or MD5) before
use. A corrupt copy is never used, but it does not stop the search either: the next
place is tried, and if nothing works the error names where the bad file is and what to
do about it (for a mirror subset: its ``SOURCE.md``).

Downloads use `pooch <https://www.fatiando.org/pooch>`_ (``pooch.retrieve``): it streams
into a temporary file, checks the hash and only then moves the file into place. The
streaming itself is :func:`_download_url` (the one function the tests replace, so no
test reaches the network); it gives up on a server that sends too slowly
(:data:`LIMITS`, ``GDL_DOWNLOAD_MIN_SPEED``, ``GDL_DOWNLOAD_TIMEOUT``). Each download
runs in its own ``<file>.<random>.part`` folder beside the target; what a killed
download left behind is removed before and after the next download of that file.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from .. import settings
from .errors import ChecksumError, DataUnavailable
from .registry import REGISTRY, Dataset, RemoteFile

# --------------------------------------------------------------------------- download limits


@dataclass(frozen=True)
class DownloadLimits:
    """When a download gives up instead of hanging.

    ``read_timeout``: seconds one read may wait for the server. ``min_speed``: bytes per
    second the download must average over each ``window`` seconds (0: no minimum).
    ``max_seconds``: time limit for one file (None: no limit).
    """

    connect_timeout: float = 15.0
    read_timeout: float = 30.0
    min_speed: float = 10_000.0
    window: float = 60.0
    max_seconds: float | None = None


LIMITS = DownloadLimits()
# A live download writes at least every read_timeout seconds (or gives up), so a part
# untouched for this long belongs to a download that was killed.
STALE_PART_SECONDS = 120.0


def download_limits() -> DownloadLimits:
    """:data:`LIMITS`, with ``GDL_DOWNLOAD_MIN_SPEED`` (bytes/s, 0 = none) and
    ``GDL_DOWNLOAD_TIMEOUT`` (seconds per file, 0 = none) applied when set."""
    limits = LIMITS
    for var, field, what in (("GDL_DOWNLOAD_MIN_SPEED", "min_speed", "bytes per second"),
                             ("GDL_DOWNLOAD_TIMEOUT", "max_seconds", "seconds")):
        number = settings.env_number(var, what)
        if number is None:
            continue
        limits = replace(limits, **{field: number if number or field == "min_speed" else None})
    return limits


class DownloadTooSlow(TimeoutError):
    """A server sent too little for too long (see :class:`DownloadLimits`)."""


class _SpeedWatch:
    """Raises DownloadTooSlow when a download breaks its limits; call :meth:`add` per block."""

    def __init__(self, limits: DownloadLimits):
        self.limits = limits
        self.start = self.window_start = time.monotonic()
        self.window_bytes = 0

    def add(self, n_bytes: int) -> None:
        now = time.monotonic()
        self.window_bytes += n_bytes
        limits = self.limits
        if limits.max_seconds and now - self.start > limits.max_seconds:
            raise DownloadTooSlow(f"gave up after {now - self.start:.1f} s (time limit {limits.max_seconds:g} s "
                                  "per file; GDL_DOWNLOAD_TIMEOUT sets it)")
        seconds = now - self.window_start
        if limits.min_speed and seconds >= limits.window:
            speed = self.window_bytes / seconds
            if speed < limits.min_speed:
                raise DownloadTooSlow(f"too slow: {speed:,.0f} bytes/s over the last {seconds:.1f} s, below the "
                                      f"minimum of {limits.min_speed:,.0f} bytes/s (GDL_DOWNLOAD_MIN_SPEED sets it)")
            self.window_start, self.window_bytes = now, 0


def _blocks(response, watch: _SpeedWatch, size: int = 1 << 16):
    """The body of a streamed ``requests`` response, block by block, as the bytes arrive.

    ``read1`` returns whatever one read of the socket gave (at most ``size`` bytes), so
    the limits are checked at least every ``read_timeout`` seconds even when a server
    trickles a byte at a time (``iter_content`` would wait for ``size`` bytes first).
    """
    read1 = getattr(response.raw, "read1", None)
    if read1 is None:  # urllib3 < 2
        for block in response.iter_content(size):
            watch.add(len(block))
            yield block
        return
    while block := read1(size, decode_content=True):
        watch.add(len(block))
        yield block


def _download_url(url: str, dest: Path, label: str = "") -> None:
    """Stream ``url`` into ``dest`` with a progress bar, within the download limits.

    The one place that touches the network: the tests replace this function.
    """
    import requests
    from tqdm.auto import tqdm

    limits = download_limits()
    watch = _SpeedWatch(limits)
    with requests.get(url, stream=True, timeout=(limits.connect_timeout, limits.read_timeout)) as response:
        response.raise_for_status()
        total = int(response.headers.get("content-length", 0)) or None
        with open(dest, "wb") as out, tqdm(total=total, unit="B", unit_scale=True, desc=label or None) as bar:
            for block in _blocks(response, watch):
                out.write(block)
                out.flush()
                bar.update(len(block))


def _downloader(label: str):
    """A pooch downloader (``downloader(url, output_file, pooch)``) that calls :func:`_download_url`."""

    def download_with_limits(url, output_file, pooch_instance=None, check_only=False):
        _download_url(url, Path(output_file), label=label)
        if _is_web_page(Path(output_file)):  # e.g. Google Drive's "quota exceeded" page
            raise DataUnavailable("the server sent a web page instead of the file "
                                  "(download quota exceeded, or a login or confirmation page)")

    return download_with_limits


def _is_web_page(path: Path) -> bool:
    """True if a downloaded file is an HTML page (an error or confirmation page, not data)."""
    with open(path, "rb") as handle:
        start = handle.read(512).lstrip().lower()
    return start.startswith((b"<!doctype html", b"<html"))


def _last_write(path: Path) -> float:
    """The newest modification time of a file, or of a folder and everything in it."""
    times = [path.lstat().st_mtime]
    if path.is_dir() and not path.is_symlink():
        times += [p.lstat().st_mtime for p in path.rglob("*")]
    return max(times)


def _remove_stale_parts(target: Path, older_than: float = STALE_PART_SECONDS) -> None:
    """Remove what killed downloads of ``target`` left beside it (``<file>.*.part``
    files and folders nothing has written to for ``older_than`` seconds)."""
    now = time.time()
    for part in target.parent.glob(glob.escape(target.name) + ".*.part"):
        try:
            if now - _last_write(part) < older_than:
                continue  # another download of this file may be running
            if part.is_dir() and not part.is_symlink():
                shutil.rmtree(part, ignore_errors=True)
            else:
                part.unlink(missing_ok=True)
        except FileNotFoundError:
            pass


def _known_hash(file: RemoteFile) -> str:
    """The file's checksum as pooch writes it (``sha256:...`` or ``md5:...``)."""
    if file.sha256:
        return "sha256:" + file.sha256
    if file.md5:
        return "md5:" + file.md5
    raise ChecksumError(f"no checksum is registered for {file.name}, so a download could not be checked")


def download(dataset: Dataset, file: RemoteFile) -> Path:
    """Download ``file`` into the cache, trying each URL in turn; checked, then moved into place.

    Raises DataUnavailable listing every URL tried and why it failed.
    """
    import pooch

    target = cache_path(dataset, file)
    target.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel("WARNING")  # pooch's own "Downloading data from ..." line; we print ours
    _remove_stale_parts(target)
    try:
        for url in file.urls:
            staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=file.name + ".", suffix=".part"))
            try:
                print(f"downloading {file.name} from {url}", flush=True)
                fetched = pooch.retrieve(url, known_hash=_known_hash(file), fname=file.name, path=staging,
                                         downloader=_downloader(file.name))
                os.replace(fetched, target)  # atomic: the file appears whole or not at all
                return target
            except Exception as err:  # network and HTTP errors, too slow, checksum mismatch
                kind = "ChecksumError" if isinstance(err, ValueError) and "hash" in str(err) else type(err).__name__
                reason = (str(err).strip().splitlines() or [""])[0][:200]
                failures.append(f"{url}: {kind}" + (f": {reason}" if reason else ""))
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    finally:
        logger.setLevel(level)
        _remove_stale_parts(target)
    raise DataUnavailable(_missing_message(dataset, file, failures))


# --------------------------------------------------------------------------- checks


def sha256_of(path: Path) -> str:
    """The SHA-256 hex digest of a file."""
    import pooch

    return pooch.file_hash(str(path), alg="sha256")


def verify(path: Path, file: RemoteFile, dataset: Dataset) -> Path:
    """Return ``path`` if it is the registered file; otherwise raise ChecksumError saying what is wrong.

    A registered ``size`` is compared first (a truncated big file is refused at once);
    then the SHA-256, or the MD5 for a file registered with an MD5 only.
    """
    import pooch

    size = Path(path).stat().st_size
    if file.size and size != file.size:
        raise ChecksumError(f"{dataset.title}: {path} is corrupt or truncated ({size:,} bytes, expected {file.size:,})")
    if file.sha256:
        algorithm, expected = "sha256", file.sha256
    elif file.md5:
        algorithm, expected = "md5", file.md5
    else:
        raise ChecksumError(f"{dataset.title}: no checksum is registered for {file.name}, "
                            f"so {path} cannot be checked and is not used")
    actual = pooch.file_hash(str(path), alg=algorithm)
    if actual != expected:
        raise ChecksumError(f"{dataset.title}: {path} is corrupt or truncated "
                            f"({size:,} bytes, {algorithm} {actual[:16]}…, expected {expected[:16]}…)")
    return path


# --------------------------------------------------------------------------- places


def cache_path(dataset: Dataset, file: RemoteFile) -> Path:
    """Where a file lives in the download cache: ``data/<name>/<file>``."""
    return settings.data_dir() / dataset.name / file.name


def mirror_path(dataset: Dataset, file: RemoteFile) -> Path | None:
    """Where a file would be in the offline mirror, or None without a mirror."""
    mirror = settings.data_mirror()
    return None if mirror is None else mirror / dataset.name / file.name


def _source_note(dataset: Dataset) -> Path | None:
    """The mirror's ``<name>/SOURCE.md`` (where its files come from), if there is one."""
    mirror = settings.data_mirror()
    note = None if mirror is None else mirror / dataset.name / "SOURCE.md"
    return note if note is not None and note.is_file() else None


def _in_cache(path: Path) -> bool:
    return settings.data_dir() in Path(path).parents


def _advice(dataset: Dataset, file: RemoteFile, path: Path, subset: bool) -> str:
    """What to do about a corrupt copy, depending on where it is and what it is."""
    note = _source_note(dataset)
    if subset:
        where = note or f"the mirror's {dataset.name}/SOURCE.md"
        return (f"This is the offline mirror's documented subset of {dataset.title}: {where} says where it "
                f"comes from and gives its SHA-256; restore the file from there"
                + (" (or delete this copy from the cache)." if _in_cache(path) else "."))
    if _in_cache(path):
        return "Delete it from the cache; the next load takes the file from the mirror or downloads it again."
    source = f" ({note} describes it)" if note else ""
    url = file.urls[0] if file.urls else dataset.homepage
    return f"The mirror's copy is damaged: replace it with the official file from {url}{source}."


def _local(dataset: Dataset, file: RemoteFile, problems: list[str], subset: bool = False) -> Path | None:
    """A verified copy of ``file`` (cache first, then mirror), or None. Corrupt copies are
    skipped, each noted in ``problems`` with what to do about it."""
    for path in (cache_path(dataset, file), mirror_path(dataset, file)):
        if path is None or not path.is_file():
            continue
        try:
            return verify(path, file, dataset)
        except ChecksumError as err:
            problems.append(f"{err}.\n    {_advice(dataset, file, path, subset)}")
    return None


def _standin(dataset: Dataset) -> dict[str, Path] | None:
    """Stand-in copies of every official file (``$GDL_STANDIN_DATA/<name>/<file>``), or None."""
    folder = settings.standin_data()
    if folder is None or not dataset.standin_ok:
        return None
    paths = {file.name: folder / dataset.name / file.name for file in dataset.files}
    return paths if all(path.is_file() for path in paths.values()) else None


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


# --------------------------------------------------------------------------- locate


@dataclass
class Located:
    """Where a data set was found: the official files, a documented subset, or stand-ins."""

    kind: str  # "official", "subset" or "standin"
    paths: dict[str, Path]
    where: str  # "cache", "mirror", "download" or "stand-in"


def _find(name: str, download_missing: bool) -> tuple[Located, list[str]]:
    """Locate data set ``name``; also return the corrupt copies met on the way."""
    dataset = REGISTRY[name]
    problems: list[str] = []
    found = {file.name: _local(dataset, file, problems) for file in dataset.files}
    if all(found.values()):
        where = "cache" if all(_in_cache(path) for path in found.values()) else "mirror"
        return Located("official", found, where), problems
    if dataset.subset is not None:
        subset = _local(dataset, dataset.subset, problems, subset=True)
        if subset is not None:
            return Located("subset", {dataset.subset.name: subset}, "cache" if _in_cache(subset) else "mirror"), problems
    standin = _standin(dataset)
    if standin is not None:
        return Located("standin", standin, "stand-in"), problems
    try:
        for file in dataset.files:
            if found[file.name] is None:
                if not download_missing:
                    raise DataUnavailable(_missing_message(dataset, file, None))
                found[file.name] = download(dataset, file)
    except DataUnavailable as err:
        if problems:  # say first where the bad copies are
            corrupt = "\n".join(f"  corrupt copy: {problem}" for problem in problems)
            raise ChecksumError(f"{dataset.title}: no usable copy; the copies found are corrupt.\n{corrupt}\n{err}") from None
        raise
    return Located("official", found, "download"), problems


def locate(name: str, download_missing: bool = True) -> Located:
    """Find (or download) data set ``name``'s files: cache -> mirror -> subset -> stand-in -> download.

    Official files are preferred; the documented subset is used only when the official
    files are neither cached nor mirrored, stand-in files only when there is no subset
    either. With ``download_missing=False`` nothing is downloaded. Corrupt copies that
    were passed over are reported in a WARNING line. Raises DataUnavailable (a
    ChecksumError when the copies found were corrupt).
    """
    located, problems = _find(name, download_missing)
    for problem in problems:
        print(f"WARNING: not used: {problem.splitlines()[0]}", flush=True)
    if located.kind == "standin":
        dataset = REGISTRY[name]
        given = settings.standin_data_as_given()  # no machine-specific path in a notebook's output
        print(f"STAND-IN DATA: {dataset.title} is read from the stand-in folder {given}/{name}/: small files "
              "with the real layout, NOT the real data set and not checksum-checked. Nothing computed on "
              "them is a result.", flush=True)
    return located


def availability(name: str, download_missing: bool = True) -> str | None:
    """None if data set ``name`` can be had (cached, mirrored, stand-in or, if allowed,
    downloaded), else the reason why not."""
    try:
        _find(name, download_missing)
    except DataUnavailable as err:
        return str(err)
    return None


def describe(located: Located) -> str:
    """How a loader's message names what it loaded."""
    return {
        "official": "official data",
        "subset": "OFFLINE SUBSET (see the mirror's SOURCE.md; not the official split)",
        "standin": "STAND-IN data (not the real data set)",
    }[located.kind]


def fingerprint(path: Path) -> str:
    """A short SHA-256 prefix of a (small) file, to keep work folders of different files apart."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
