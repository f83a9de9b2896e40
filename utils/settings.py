"""Course-wide settings: fast mode, the offline data mirror, seeding, and an environment check.

Everything here is read from environment variables, so the same notebook runs
unchanged on a laptop, on Colab and in CI:

- ``GDL_FAST=1``          fast mode: small data subsets and a few steps (CI uses it).
                          Accepted: 1/0, true/false, yes/no, on/off (any case), empty
                          = off; anything else is refused with a ValueError.
- ``GDL_DATA_MIRROR=DIR`` a folder that holds offline copies of the data sets
                          (CI sets it to ``../shared/data``).
- ``GDL_DATA_DIR=DIR``    the download cache (default ``data/`` in the project root).
- ``GDL_RUN_DIR=DIR``     where runs are written (default ``run/`` in the project root).
- ``GDL_ROOT=DIR``        the project root itself (default: the folder above ``utils/``).
- ``GDL_STANDIN_DATA=DIR`` stand-in data files for the test suite (see ``standin_data``).
- ``GDL_DOWNLOAD_MIN_SPEED``, ``GDL_DOWNLOAD_TIMEOUT``  a download gives up below this
                          speed (bytes/s, averaged over a minute) or after this many
                          seconds per file; 0 switches a limit off (see ``env_number``).
- ``KERAS_BACKEND``       ``tensorflow`` (default) or ``jax``.

A relative folder in any of the ``GDL_*_DIR`` / ``GDL_DATA_MIRROR`` variables is taken
from the project root, never from the working directory (a notebook's kernel runs in
``notebooks/``). This module is the only place that reads these variables.
"""

from __future__ import annotations

import contextlib
import os
import platform
import random
import sys
from pathlib import Path

import numpy as np

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def project_root() -> Path:
    """The folder that holds ``notebooks/``, ``utils/``, ``data/`` and ``run/``.

    ``GDL_ROOT`` overrides it; otherwise it is the folder above this package.
    """
    if os.environ.get("GDL_ROOT"):
        return Path(os.environ["GDL_ROOT"]).expanduser().resolve()
    return Path(__file__).resolve().parent.parent


def env_flag(name: str) -> bool:
    """Read an on/off environment variable; refuse a value that is neither.

    ``1/true/yes/on`` mean on, ``0/false/no/off`` or empty (or unset) mean off, in any
    case. Anything else (``GDL_FAST=maybe``, ``2``, ``y``) raises a ValueError instead of
    silently meaning off.
    """
    value = os.environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name}={os.environ[name]!r} is not understood: use 1, true, yes or on to "
                     f"switch it on, and 0, false, no, off or an empty value to switch it off.")


def is_fast() -> bool:
    """True when fast mode is on (``GDL_FAST=1``): small subsets, few steps."""
    return env_flag("GDL_FAST")


def mode() -> str:
    """``'fast'`` or ``'full'``, for printing and for the metrics file."""
    return "fast" if is_fast() else "full"


def pick(full, fast):
    """Return ``full`` normally and ``fast`` in fast mode.

    This is how notebooks keep one code path and change only sizes::

        EPOCHS = pick(full=20, fast=1)
    """
    return fast if is_fast() else full


def env_number(name: str, what: str) -> float | None:
    """Read a non-negative number from an environment variable (None when unset or empty).

    ``what`` names the unit for the error message, e.g. ``"bytes per second"``. A value
    that is not a number, or is negative, raises a ValueError naming the variable.
    """
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{name} must be a number ({what}), got {value!r}") from None
    if number < 0:
        raise ValueError(f"{name} must not be negative, got {value!r}")
    return number


def standin_data_as_given() -> str:
    """``GDL_STANDIN_DATA`` as the user wrote it, for messages; an absolute folder is
    shortened to its last two parts, so no machine-specific path lands in a notebook."""
    given = os.environ.get("GDL_STANDIN_DATA", "").strip()
    if Path(given).is_absolute():
        given = "$GDL_STANDIN_DATA (…/" + "/".join(Path(given).parts[-2:]) + ")"
    return given


def env_path(name: str) -> Path | None:
    """The folder named by environment variable ``name``, or None when unset or empty.

    A relative path is taken from the project root (not from the working directory,
    which is ``notebooks/`` inside a kernel); ``~`` is expanded.
    """
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = project_root() / path
    return path.resolve()


def data_mirror() -> Path | None:
    """The offline mirror folder from ``GDL_DATA_MIRROR``, or None when unset."""
    return env_path("GDL_DATA_MIRROR")


def soundfont() -> Path | None:
    """The General-MIDI SoundFont named by ``GDL_SOUNDFONT`` (chapter 7's FluidSynth), or None."""
    return env_path("GDL_SOUNDFONT")


def data_dir() -> Path:
    """The download cache, ``data/`` in the project root (``GDL_DATA_DIR`` overrides)."""
    return env_path("GDL_DATA_DIR") or project_root() / "data"


def run_dir() -> Path:
    """The folder that holds all runs, ``run/`` in the project root (``GDL_RUN_DIR`` overrides)."""
    return env_path("GDL_RUN_DIR") or project_root() / "run"


def standin_data() -> Path | None:
    """The folder of *stand-in* data files from ``GDL_STANDIN_DATA``, or None when unset.

    Only the test suite sets it: small files with a data set's real layout (built by
    ``tests/fixtures``) that let CI execute a notebook whose data cannot be had offline.
    Loaders use them only when the real files are neither cached nor mirrored, never
    check them against the registry's checksums, and say STAND-IN loudly: what a
    notebook computes on them is never a result. A relative path is taken from the
    project root.
    """
    return env_path("GDL_STANDIN_DATA")


def backend() -> str:
    """The Keras backend in use (imports Keras)."""
    import keras

    return keras.backend.backend()


@contextlib.contextmanager
def _native_stderr_closed():
    """Close file descriptor 2 for a moment: TensorFlow's C++ start-up lines go there (and
    Python's own errors and warnings do not), so they cannot reach a notebook's output."""
    try:
        saved = os.dup(2)
    except OSError:  # no standard error to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def seed_everything(seed: int = 42) -> None:
    """Seed Python, NumPy and Keras (and through Keras the backend) for repeatable runs.

    ``keras.utils.set_random_seed`` also seeds TensorFlow whenever it is installed, so on the
    JAX backend it starts TensorFlow too: its C++ start-up log is kept out of the output."""
    random.seed(seed)
    np.random.seed(seed)
    import keras

    with _native_stderr_closed():
        keras.utils.set_random_seed(seed)


def _devices() -> str:
    name = backend()
    try:
        if name == "jax":
            import jax

            return ", ".join(str(d) for d in jax.devices())
        if name == "tensorflow":
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
            return ", ".join(g.name for g in gpus) or "CPU"
        if name == "torch":
            import torch

            return "cuda" if torch.cuda.is_available() else "CPU"
    except Exception as err:  # an environment check must never stop a notebook
        return f"unknown ({err})"
    return "unknown"


def _describe_mirror() -> str:
    """The mirror as the user gave it (no machine-specific absolute path) and whether it exists."""
    mirror = data_mirror()
    if mirror is None:
        return "none (download when needed)"
    given = os.environ["GDL_DATA_MIRROR"].strip()
    return given if mirror.is_dir() else f"{given} (NOT FOUND)"


def show_environment() -> dict:
    """Print (and return) what this notebook runs on: versions, backend, devices, mode, mirror."""
    import keras

    info = {
        "python": platform.python_version(),
        "keras": keras.__version__,
        "backend": backend(),
        "devices": _devices(),
        "mode": mode(),
        "data mirror": _describe_mirror(),
        "colab": "google.colab" in sys.modules,
    }
    width = max(len(k) for k in info)
    for key, value in info.items():
        print(f"{key:<{width}} : {value}")
    return info
