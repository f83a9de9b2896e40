"""The thin shared package behind the course notebooks.

- ``utils.settings``  fast mode, data mirror, seeding, environment check
- ``utils.data``      the data registry and loaders (cache -> mirror -> download)
- ``utils.runs``      run folders for weights, histories, metrics and figures
- ``utils.plotting``  image grids, training curves, saving figures
- ``utils.layers``    shared Keras layers and loss terms (Sampling, kl_divergence); imports Keras
- ``utils.adversarial`` GAN training with ``fit()`` (AdversarialModel, gradient_penalty); imports Keras
- ``utils.frechet``   Fréchet distance on a small classifier's features (NumPy; Keras for the extractor)
- ``utils.images``    images streamed from disk (ImageFolderDataset, a PyDataset); imports Keras
- ``utils.execute``   run a notebook headless (``python -m utils.execute NOTEBOOK``)

Importing ``utils`` does not import Keras, TensorFlow or JAX.
"""

from . import data, runs, settings
from .runs import start_run
from .settings import is_fast, pick, seed_everything, show_environment

__all__ = ["data", "runs", "settings", "start_run", "is_fast", "pick", "seed_everything", "show_environment"]
