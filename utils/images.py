"""Images streamed from disk: read, crop, resize and batch JPEG/PNG files for Keras.

A data set too big for memory (CelebA: 200,000 faces) is kept as a list of file paths;
:class:`ImageFolderDataset` reads one batch at a time while the model trains. It is a
``keras.utils.PyDataset``, so ``fit``, ``evaluate`` and ``predict`` take it on every
backend (no TensorFlow-only objects). Imports Keras.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
import numpy as np
from PIL import Image


def load_image(path, image_size: int = 64, crop: int | None = None) -> np.ndarray:
    """One image as float32 (image_size, image_size, 3) in [0, 1].

    The image is cut to a central square first: ``crop`` pixels wide, or the largest
    square that fits when ``crop`` is None; then resized (with antialiasing). For
    CelebA's aligned 178x218 faces, ``crop=148`` keeps the face and little background.
    """
    with Image.open(path) as image:
        image = image.convert("RGB")
        width, height = image.size
        side = min(width, height) if crop is None else min(int(crop), width, height)
        left, top = (width - side) // 2, (height - side) // 2
        image = image.crop((left, top, left + side, top + side))
        if image.size != (image_size, image_size):
            image = image.resize((image_size, image_size), Image.Resampling.BILINEAR)
        return np.asarray(image, dtype=np.float32) / 255.0


def load_images(paths: Sequence, image_size: int = 64, crop: int | None = None) -> np.ndarray:
    """Several images (see :func:`load_image`) as one float32 array (N, size, size, 3)."""
    return np.stack([load_image(path, image_size, crop) for path in paths])


class ImageFolderDataset(keras.utils.PyDataset):
    """Batches of images read from their files while a model trains.

    Args:
        paths: the image files (any sequence of paths).
        batch_size: images per batch.
        image_size, crop: as in :func:`load_image`; batches are float32
            (batch, image_size, image_size, 3) in [0, 1].
        targets: None (the default) yields the images alone, which is what a model with
            its own ``compute_loss`` (an autoencoder, a VAE) trains on; ``"input"`` yields
            ``(x, x)``; an array with one row per path yields ``(x, targets[batch])``.
        shuffle: draw a new order of the images every epoch (from ``seed``).
        drop_remainder: leave out the last, smaller batch (keeps every batch the same
            shape, which batch normalisation and JAX's compilation like).
        **kwargs: ``workers``, ``use_multiprocessing``, ``max_queue_size`` of
            ``keras.utils.PyDataset``: with ``workers=4``, four threads decode images
            in parallel while the model trains.
    """

    def __init__(self, paths, batch_size: int = 128, image_size: int = 64, crop: int | None = None,
                 targets=None, shuffle: bool = False, drop_remainder: bool = False, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.paths = np.asarray([str(p) for p in paths])
        if len(self.paths) == 0:
            raise ValueError("ImageFolderDataset needs at least one image path")
        if isinstance(targets, str) and targets != "input":
            raise ValueError(f"targets must be None, 'input' or an array, not {targets!r}")
        if targets is not None and not isinstance(targets, str):
            targets = np.asarray(targets)
            if len(targets) != len(self.paths):
                raise ValueError(f"{len(targets)} targets for {len(self.paths)} images")
        self.targets = targets
        self.batch_size = int(batch_size)
        self.image_size = int(image_size)
        self.crop = crop
        self.shuffle = shuffle
        self.drop_remainder = drop_remainder
        self._rng = np.random.default_rng(seed)
        self._order = self._rng.permutation(len(self.paths)) if shuffle else np.arange(len(self.paths))
        if len(self) == 0:
            raise ValueError(f"{len(self.paths)} images make no full batch of {self.batch_size}")

    def __len__(self) -> int:
        count = len(self.paths) / self.batch_size
        return math.floor(count) if self.drop_remainder else math.ceil(count)

    def __getitem__(self, index: int):
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} of a data set with {len(self)} batches")
        chosen = self._order[index * self.batch_size:(index + 1) * self.batch_size]
        x = load_images(self.paths[chosen], self.image_size, self.crop)
        if self.targets is None:
            return x
        if isinstance(self.targets, str):  # "input"
            return x, x
        return x, self.targets[chosen]

    def on_epoch_end(self) -> None:
        if self.shuffle:
            self._order = self._rng.permutation(len(self.paths))
