"""The thin shared package behind the course notebooks.

- ``utils.settings``  fast mode, data mirror, seeding, environment check
- ``utils.data``      the data registry and loaders (cache -> mirror -> download)
- ``utils.runs``      run folders for weights, histories, metrics and figures
- ``utils.plotting``  image grids, training curves, saving figures
- ``utils.layers``    shared Keras layers and loss terms (Sampling, kl_divergence); imports Keras
- ``utils.adversarial`` GAN training with ``fit()`` (AdversarialModel, gradient_penalty); imports Keras
- ``utils.frechet``   Fréchet distance on a small classifier's features (NumPy; Keras for the extractor)
- ``utils.judges``    the course's judge classifiers (Fashion-MNIST, trained once and reused; a domain judge)
- ``utils.cyclegan``  CycleGAN's parts as 05_01 writes them (pool, PatchGAN, losses), reused by 05_02
- ``utils.images``    images streamed from disk (ImageFolderDataset, a PyDataset); imports Keras
- ``utils.text``      a TensorFlow-free tokenizer (Vocabulary), windows, temperature sampling, text splits
- ``utils.music``     scores from piano rolls and tokens, piano-roll plots, audio players (chapter 7)
- ``utils.transformer`` positional encoding, attention, multi-head attention, a decoder block (09_01, reused by 09_02)
- ``utils.gan_blocks`` SAGAN self-attention, StyleGAN mapping/AdaIN/noise, ProGAN fade-in (09_03)
- ``utils.execute``   run a notebook headless (``python -m utils.execute NOTEBOOK``)
- ``utils.report``    one table of every run's quality numbers (``python -m utils.report``)

Importing ``utils`` imports Keras (and through it the backend named by ``KERAS_BACKEND``,
which must therefore be set before ``import utils``): ``utils.layers`` is imported so that
its registered layers (``Sampling``) are known to ``keras.saving.load_model``, and a
model the course saved in ``run/`` loads after a plain ``import utils``. With
``KERAS_BACKEND=jax`` TensorFlow is not imported. Where TensorFlow is not installed at
all and ``KERAS_BACKEND`` is unset, ``import utils`` chooses JAX (and says so) instead of
letting Keras fail on its default backend.
"""

import importlib.util as _importlib_util
import os as _os
import sys as _sys


def _installed(module: str) -> bool:
    try:
        return _importlib_util.find_spec(module) is not None
    except ImportError:  # e.g. blocked, as the test suite does to prove the course runs without TensorFlow
        return False


# Quiet TensorFlow's start-up log when `import utils` is what loads Keras (python -m utils.execute, ...).
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

if ("keras" not in _sys.modules and not _os.environ.get("KERAS_BACKEND")
        and not _installed("tensorflow") and _installed("jax")):
    _os.environ["KERAS_BACKEND"] = "jax"
    print("utils: TensorFlow is not installed, so Keras runs on JAX (set KERAS_BACKEND to choose).")



def _load_keras_quietly() -> None:
    """Import Keras (and, on the TensorFlow backend, start TensorFlow) with the process's
    standard error closed, so that TensorFlow's C++ start-up lines ("All log messages before
    absl::InitializeLog() ...", "Could not find cuda drivers ...") do not fill the first
    cell of every notebook: ``TF_CPP_MIN_LOG_LEVEL`` no longer silences them. Python
    exceptions and warnings are not affected (they do not go through the file descriptor)."""
    try:
        saved = _os.dup(2)
    except OSError:  # no standard error to silence
        import keras  # noqa: F401
        return
    devnull = _os.open(_os.devnull, _os.O_WRONLY)
    try:
        _os.dup2(devnull, 2)
        import keras

        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            tf.config.list_physical_devices("GPU")  # the CUDA probe logs here, once
    finally:
        _os.dup2(saved, 2)
        _os.close(saved)
        _os.close(devnull)


if "keras" not in _sys.modules:
    _load_keras_quietly()

from . import data, layers, runs, settings
from .runs import start_run
from .settings import is_fast, pick, seed_everything, show_environment

__all__ = ["data", "layers", "runs", "settings", "start_run", "is_fast", "pick", "seed_everything", "show_environment"]
