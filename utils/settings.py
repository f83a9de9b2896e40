"""Course-wide settings: fast mode, the offline data mirror, seeding, and an environment check.

Everything here is read from environment variables, so the same notebook runs
unchanged on a laptop, on Colab and in CI:

- ``GDL_FAST=1``          fast mode: small data subsets and a few steps (CI uses it).
- ``GDL_DATA_MIRROR=DIR`` a folder that holds offline copies of the data sets
                          (CI sets it to ``../shared/data``; a relative path is taken
                          from the project root).
- ``KERAS_BACKEND``       ``tensorflow`` (default) or ``jax``.
"""

from __future__ import annotations

import os
import platform
import random
import sys
from pathlib import Path

import numpy as np

_TRUE = {"1", "true", "yes", "on"}


def project_root() -> Path:
    """The folder that holds ``notebooks/``, ``utils/``, ``data/`` and ``run/``.

    ``GDL_ROOT`` overrides it; otherwise it is the folder above this package.
    """
    if os.environ.get("GDL_ROOT"):
        return Path(os.environ["GDL_ROOT"]).expanduser().resolve()
    return Path(__file__).resolve().parent.parent


def is_fast() -> bool:
    """True when fast mode is on (``GDL_FAST=1``): small subsets, few steps."""
    return os.environ.get("GDL_FAST", "").strip().lower() in _TRUE


def mode() -> str:
    """``'fast'`` or ``'full'``, for printing and for the metrics file."""
    return "fast" if is_fast() else "full"


def pick(full, fast):
    """Return ``full`` normally and ``fast`` in fast mode.

    This is how notebooks keep one code path and change only sizes::

        EPOCHS = pick(full=20, fast=1)
    """
    return fast if is_fast() else full


def data_mirror() -> Path | None:
    """The offline mirror folder from ``GDL_DATA_MIRROR``, or None when unset."""
    value = os.environ.get("GDL_DATA_MIRROR", "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = project_root() / path
    return path.resolve()


def data_dir() -> Path:
    """The download cache, ``data/`` in the project root (``GDL_DATA_DIR`` overrides)."""
    if os.environ.get("GDL_DATA_DIR"):
        return Path(os.environ["GDL_DATA_DIR"]).expanduser().resolve()
    return project_root() / "data"


def standin_data() -> Path | None:
    """The folder of *stand-in* data files from ``GDL_STANDIN_DATA``, or None when unset.

    Only the test suite sets it: small files with a data set's real layout (built by
    ``tests/fixtures``) that let CI execute a notebook whose data cannot be had offline.
    Loaders use them only when the real files are neither cached nor mirrored, never
    check them against the registry's checksums, and say STAND-IN loudly: what a
    notebook computes on them is never a result. A relative path is taken from the
    project root.
    """
    value = os.environ.get("GDL_STANDIN_DATA", "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = project_root() / path
    return path.resolve()


def backend() -> str:
    """The Keras backend in use (imports Keras)."""
    import keras

    return keras.backend.backend()


def seed_everything(seed: int = 42) -> None:
    """Seed Python, NumPy and Keras (and through Keras the backend) for repeatable runs."""
    random.seed(seed)
    np.random.seed(seed)
    import keras

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
