"""Run folders: one place per notebook run for weights, history, metrics, figures and samples.

Layout (see ``run/README.md``)::

    run/<notebook-name>/            full mode
    run/<notebook-name>_fast/       fast mode (so a CI run never touches a trained model)
        model.keras                 weights (and architecture) of a trained model
        history.csv                 one row per epoch
        metrics.json                the quality number, data set, mode, backend, epochs, seconds
        figures/*.png               figures saved with ``save_figure``
        samples/                    generated samples (images, text, MIDI, ...)

Re-running a notebook never silently destroys an earlier trained model: if the folder
already holds files, a new folder ``<name>_2``, ``<name>_3``, ... is used instead,
unless you ask for ``overwrite=True``.
"""

from __future__ import annotations

import csv
import json
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import settings


class RunFolder:
    """A notebook run's output folder with small helpers to save what training produces."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.started = time.time()

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

        save_figure(fig, self.figure_path(name), dpi=dpi)

    def figure_path(self, name: str) -> Path:
        """Where ``save_figure(fig, name)`` writes: ``figures/<name>.png``."""
        return self.file("figures", f"{name}.png")

    # -- models ------------------------------------------------------------------
    def save_model(self, model, name: str = "model.keras") -> Path:
        """Save a Keras model (architecture + weights) into the run folder."""
        path = self.file(name)
        model.save(path)
        return path

    def csv_logger(self, name: str = "history.csv"):
        """A Keras callback that writes one row per epoch to ``history.csv``."""
        import keras

        return keras.callbacks.CSVLogger(str(self.file(name)))

    def save_history(self, history, name: str = "history.csv") -> Path:
        """Write a ``History`` (or a dict of lists) as CSV, one row per epoch."""
        values = getattr(history, "history", history)
        keys = list(values)
        epochs = max((len(values[k]) for k in keys), default=0)
        columns = {k: _spread(list(values[k]), epochs) for k in keys}
        path = self.file(name)
        with open(path, "w", newline="") as handle:
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
        """
        record = {
            "metrics": {k: _plain(v) for k, v in metrics.items()},
            "dataset": dataset,
            "mode": settings.mode(),
            "backend": settings.backend(),
            "epochs": _plain(epochs),
            "seconds": round(float(seconds if seconds is not None else time.time() - self.started), 1),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **{k: _plain(v) for k, v in extra.items()},
        }
        path = self.file("metrics.json")
        path.write_text(json.dumps(record, indent=2) + "\n")
        return path


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
    import os

    if os.environ.get("GDL_RUN_DIR"):
        return Path(os.environ["GDL_RUN_DIR"]).expanduser().resolve()
    return settings.project_root() / "run"


def start_run(name: str, overwrite: bool = False) -> RunFolder:
    """Make the run folder for notebook ``name`` and return it.

    Fast mode writes to ``<name>_fast``. An existing folder that already holds files is
    kept: the new run goes to ``<name>_2`` (``_3``, ...) instead, unless
    ``overwrite=True``, which empties it first.
    """
    base = name + ("_fast" if settings.is_fast() else "")
    root = run_root()
    path = root / base
    if path.exists() and any(path.iterdir()):
        if overwrite:
            shutil.rmtree(path)
        else:
            n = 2
            while (root / f"{base}_{n}").exists() and any((root / f"{base}_{n}").iterdir()):
                n += 1
            path = root / f"{base}_{n}"
            print(f"{root / base} already holds an earlier run: writing to {path.name}/ instead "
                  "(start_run(..., overwrite=True) replaces it).")
    run = RunFolder(path)
    print(f"Run folder: {_relative(path)}")
    return run


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(settings.project_root()))
    except ValueError:
        return str(path)
