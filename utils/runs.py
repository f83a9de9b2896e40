"""Run folders: one place per notebook run for weights, history, metrics, figures and samples.

Layout (see ``run/README.md``)::

    run/<notebook-name>/            full mode
    run/<notebook-name>_fast/       fast mode (so a CI run never touches a trained model)
        RUNNING                     while the run is in progress (or was interrupted)
        COMPLETE                    instead of RUNNING once ``save_metrics`` (or ``finish``) ran
        model.keras                 weights (and architecture) of a trained model
        history.csv                 one row per epoch
        metrics.json                the quality number, data set, mode, backend, epochs, seconds
        figures/*.png               figures saved with ``save_figure``
        samples/                    generated samples (images, text, MIDI, ...)

Each run owns its folder: ``start_run`` claims it by creating the ``RUNNING`` marker
exclusively, so two runs started at the same moment never share one. Re-running a
notebook never silently destroys an earlier trained model: if the folder already holds
files, a new folder ``<name>_2``, ``<name>_3``, ... is used instead, unless you ask for
``overwrite=True`` -- and even then a run that is still in progress is never removed.
Everything the run folder writes itself (figures, models, histories, metrics) is written
to a temporary name first and then renamed, so an interrupted run never leaves a
half-written file under the real name.
"""

from __future__ import annotations

import contextlib
import csv
import json
import re
import os
import shutil
import socket
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import settings

RUNNING = "RUNNING"
COMPLETE = "COMPLETE"


@contextlib.contextmanager
def atomic_path(path: Path):
    """Yield a temporary path beside ``path``; on success rename it to ``path``.

    The temporary name keeps the suffix (Keras and Matplotlib pick the format from it)
    and starts with a dot. If the body fails (or is interrupted), the temporary file is
    removed and ``path`` is left as it was: a reader sees the old file or the new one,
    never half of one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.tmp{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            if tmp.is_dir():  # some savers write a folder
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                tmp.unlink()


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (see ``atomic_path``) and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


class RunFolder:
    """A notebook run's output folder with small helpers to save what training produces."""

    def __init__(self, path: Path):
        """Wrap a folder that ``start_run`` has claimed (use ``start_run``, not this)."""
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.started = time.time()

    @property
    def complete(self) -> bool:
        """True once ``finish`` (or ``save_metrics``) has marked the run complete."""
        return (self.path / COMPLETE).exists()

    def finish(self) -> None:
        """Mark the run complete: the ``RUNNING`` marker is replaced by ``COMPLETE``.

        ``save_metrics``, every notebook's last act, calls it; calling it again is harmless.
        """
        record = {"started": _iso(self.started), "finished": _iso(time.time())}
        write_text_atomic(self.path / COMPLETE, json.dumps(record, indent=2) + "\n")
        (self.path / RUNNING).unlink(missing_ok=True)

    def __repr__(self) -> str:
        return f"RunFolder({self.path})"

    def file(self, *parts: str) -> Path:
        """A path inside the run folder (parent folders are created)."""
        path = self.path.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    # -- figures -----------------------------------------------------------------
    def save_figure(self, fig, name: str, dpi: int = 100) -> None:
        """Save a Matplotlib figure as ``figures/<name>.png`` (see ``figure_path``).

        Returns nothing, so that a notebook cell ending with it shows only the figure.
        """
        from .plotting import save_figure

        with atomic_path(self.figure_path(name)) as tmp:
            save_figure(fig, tmp, dpi=dpi)

    def figure_path(self, name: str) -> Path:
        """Where ``save_figure(fig, name)`` writes: ``figures/<name>.png``."""
        return self.file("figures", f"{name}.png")

    # -- models ------------------------------------------------------------------
    def save_model(self, model, name: str = "model.keras") -> Path:
        """Save a Keras model (architecture + weights) into the run folder."""
        path = self.file(name)
        with atomic_path(path) as tmp:
            model.save(tmp)
        return path

    def csv_logger(self, name: str = "history.csv"):
        """A Keras callback that writes one row per epoch to ``history.csv``.

        This one file is a log, not written atomically: it grows by one row per epoch
        (so an interrupted run keeps the epochs it finished; ``RUNNING`` marks it unfinished).
        """
        import keras

        return keras.callbacks.CSVLogger(str(self.file(name)))

    def save_history(self, history, name: str = "history.csv") -> Path:
        """Write a ``History`` (or a dict of lists) as CSV, one row per epoch."""
        values = getattr(history, "history", history)
        keys = list(values)
        epochs = max((len(values[k]) for k in keys), default=0)
        columns = {k: _spread(list(values[k]), epochs) for k in keys}
        path = self.file(name)
        with atomic_path(path) as tmp, open(tmp, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["epoch", *keys])
            for epoch in range(epochs):
                writer.writerow([epoch, *("" if columns[k][epoch] is None else float(columns[k][epoch])
                                          for k in keys)])
        return path

    # -- metrics -----------------------------------------------------------------
    def save_metrics(self, metrics: dict, *, dataset: str, epochs: int | None = None,
                     seconds: float | None = None, **extra) -> Path:
        """Write ``metrics.json``: the quality numbers plus what they were measured on.

        ``metrics`` holds the numbers (e.g. ``{"test_accuracy": 0.71}``). Mode, backend,
        the date and ``seconds`` (training time; by default time since the folder was
        made) are added so a reader knows what a number means.

        Writing the metrics is a run's last act: it also marks the run complete (``finish``).
        """
        record = {
            "metrics": {k: _plain(v) for k, v in metrics.items()},
            "dataset": dataset,
            "mode": settings.mode(),
            "backend": settings.backend(),
            "epochs": _plain(epochs),
            "seconds": round(float(seconds if seconds is not None else time.time() - self.started), 1),
            "date": _iso(time.time()),
            **{k: _plain(v) for k, v in extra.items()},
        }
        path = write_text_atomic(self.file("metrics.json"), json.dumps(record, indent=2) + "\n")
        self.finish()
        return path


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds")


def _spread(column: list, epochs: int) -> list:
    """Place a shorter column (e.g. validation every k-th epoch) on the epochs it belongs to.

    Keras's ``validation_freq=k`` validates after epochs k, 2k, ...; the other rows stay empty.
    """
    if len(column) == epochs or not column:
        return column + [None] * (epochs - len(column))
    if epochs % len(column) == 0:
        every = epochs // len(column)
        placed = [None] * epochs
        for i, value in enumerate(column):
            placed[(i + 1) * every - 1] = value
        return placed
    return column + [None] * (epochs - len(column))


def _plain(value):
    """Turn NumPy / backend scalars and tensors into plain Python values for JSON."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "numpy"):  # a TensorFlow (or PyTorch CPU) tensor
        value = value.numpy()
    array = np.asarray(value)
    if array.dtype.kind in "biuf":
        return array.item() if array.size == 1 else array.tolist()
    return value


def run_root() -> Path:
    """The folder that holds all runs, ``run/`` in the project root (``GDL_RUN_DIR`` overrides)."""
    return settings.run_dir()


def start_run(name: str, overwrite: bool = False) -> RunFolder:
    """Claim the run folder for notebook ``name`` and return it.

    Fast mode writes to ``<name>_fast``. A folder that already holds files (an earlier
    run, or one in progress) is kept: the new run goes to ``<name>_2`` (``_3``, ...)
    instead. ``overwrite=True`` empties ``<name>`` first -- unless a run there is still
    in progress, which is never removed (the new run then takes the next free name).
    """
    base = name + ("_fast" if settings.is_fast() else "")
    root = run_root()
    root.mkdir(parents=True, exist_ok=True)
    path = root / base
    with _claim_lock(root):
        if overwrite and path.exists():
            owner = _running_owner(path)
            if owner is None:
                _remove(path)
            else:
                print(f"{_relative(path)} is a run still in progress ({owner}): it is not overwritten.")
        n = 1
        while not _claim(path):
            n += 1
            path = root / f"{base}_{n}"
    if n > 1:
        print(f"{_relative(root / base)} already holds a run: writing to {path.name}/ instead "
              "(start_run(..., overwrite=True) replaces a finished or interrupted one).")
    run = RunFolder(path)
    print(f"Run folder: {_relative(path)}")
    return run


def latest_run(name: str) -> RunFolder | None:
    """The newest finished run of notebook ``name`` in the current mode (fast or full), or None.

    A later notebook uses it to reuse what an earlier one trained (05_02 reads 05_01's
    numbers, 05_04 loads 02_03's model). Only folders with ``COMPLETE`` and a
    ``metrics.json`` whose mode matches count; the newest by its ``date`` wins.
    """
    found = []
    for folder in run_root().glob(f"{name}*"):
        metrics = folder / "metrics.json"
        if not (folder / COMPLETE).exists() or not metrics.exists():
            continue
        if folder.name != name and not re.fullmatch(re.escape(name) + r"(_fast)?(_\d+)?", folder.name):
            continue
        try:
            record = json.loads(metrics.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if record.get("mode") == settings.mode():
            found.append((record.get("date", ""), folder.stat().st_mtime, folder))
    return RunFolder(max(found)[2]) if found else None


def _claim(path: Path) -> bool:
    """Make ``path`` this run's own folder, or return False when it belongs to another run.

    The claim is creating the ``RUNNING`` marker with O_EXCL: of two runs that try at the
    same moment, exactly one succeeds. A folder that holds anything else (an earlier run)
    is given up again.
    """
    path.mkdir(parents=True, exist_ok=True)
    marker = path / RUNNING
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    if [p.name for p in path.iterdir()] != [RUNNING]:
        os.close(fd)
        marker.unlink()
        return False
    owner = {"pid": os.getpid(), "host": socket.gethostname(), "started": _iso(time.time())}
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(owner) + "\n")
    return True


def _running_owner(path: Path) -> str | None:
    """Who is still running in ``path`` ("process N on HOST"), or None if no run is in progress.

    A folder with ``COMPLETE`` or without ``RUNNING`` is finished (or predates markers).
    ``RUNNING`` left by a process that no longer exists on this machine is an interrupted
    run. When it cannot be told (another machine, an unreadable marker) the run counts as
    in progress: a folder is never removed on a guess.
    """
    if (path / COMPLETE).exists() or not (path / RUNNING).exists():
        return None
    try:
        owner = json.loads((path / RUNNING).read_text())
        pid, host = int(owner["pid"]), str(owner["host"])
    except (OSError, ValueError, KeyError, TypeError):
        return "owner unknown"
    if host == socket.gethostname() and os.name == "posix" and not _process_exists(pid):
        return None
    return f"process {pid} on {host}"


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists (POSIX)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(path: Path) -> None:
    """Delete a run folder: rename it out of the way first (atomic), then remove it."""
    trash = path.with_name(f".{path.name}.removing-{uuid.uuid4().hex[:8]}")
    os.rename(path, trash)
    shutil.rmtree(trash)


@contextlib.contextmanager
def _claim_lock(root: Path):
    """Serialise claiming run folders among processes on this machine (POSIX file lock).

    Claims are safe without it (``_claim`` is atomic); the lock keeps ``overwrite=True``
    from judging a folder finished while another process is claiming it. Where ``fcntl``
    does not exist (Windows) there is no lock.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(root / ".claim.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(settings.project_root()))
    except ValueError:
        return str(path)
