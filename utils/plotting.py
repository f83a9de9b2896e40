"""Plotting helpers the notebooks share: image grids, training curves, saving figures."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np


def _as_displayable(image: np.ndarray) -> np.ndarray:
    """Squeeze a single channel; scale floats in [-1, 1] to [0, 1]; keep uint8 as is."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.dtype != np.uint8:
        image = image.astype("float32")
        if image.min() < 0:
            image = (image + 1) / 2
        image = np.clip(image, 0, 1)
    return image


def show_images(images, titles=None, ncols: int = 10, size: float = 1.3, cmap: str = "gray_r",
                suptitle: str | None = None):
    """Show images in a grid and return the figure.

    ``images``: an array (N, H, W), (N, H, W, 1) or (N, H, W, 3), uint8 or float in
    [0, 1] (or [-1, 1]). ``titles``: one short string per image, or None.
    """
    images = np.asarray(images)
    n = len(images)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * (1.25 if titles is not None else 1)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        image = _as_displayable(images[i])
        ax.imshow(image, cmap=cmap if image.ndim == 2 else None, vmin=0 if image.dtype != np.uint8 else None,
                  vmax=1 if image.dtype != np.uint8 else None)
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_history(history, metrics=("loss",), title: str | None = None):
    """Plot training curves (and validation curves where present) from a Keras History.

    ``metrics``: names such as ``("loss", "accuracy")``; one panel each.
    """
    values = getattr(history, "history", history)
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.5), squeeze=False)
    for ax, name in zip(axes[0], metrics):
        epochs = np.arange(1, len(values[name]) + 1)
        ax.plot(epochs, values[name], "o-", label=f"train {name}")
        if f"val_{name}" in values:
            ax.plot(epochs, values[f"val_{name}"], "s--", label=f"validation {name}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.legend()
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def save_figure(fig, path, dpi: int = 100) -> Path:
    """Save a figure as PNG (folders are created) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path

