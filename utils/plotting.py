"""Plotting helpers the notebooks share: image grids, training curves, saving figures."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np


def _value_range(images: np.ndarray, value_range) -> tuple[float, float]:
    """The (lo, hi) range shown as black-to-white, decided once for the whole grid.

    Given: checked and used. Automatic: integers (uint8) are (0, 255); floats are (0, 1),
    or (-1, 1) when any value in the grid is negative (a tanh generator's output).
    """
    if value_range is not None:
        try:
            if isinstance(value_range, str):
                raise TypeError
            lo, hi = (float(v) for v in value_range)
        except (TypeError, ValueError):
            raise ValueError(f"value_range must be two numbers (lo, hi), got {value_range!r}") from None
        if not lo < hi:
            raise ValueError(f"value_range must have lo < hi, got {value_range!r}")
        return lo, hi
    if images.dtype.kind in "ui":
        return 0.0, 255.0
    finite = images[np.isfinite(images)]
    return (-1.0, 1.0) if finite.size and finite.min() < 0 else (0.0, 1.0)


def _to_unit_range(images: np.ndarray, value_range=None) -> np.ndarray:
    """Map a whole grid of images to floats in [0, 1] with ONE range; uint8 stays uint8.

    Values outside the range (and NaN or inf) are clipped, with one warning per call.
    """
    images = np.asarray(images)
    if images.dtype == bool:
        images = images.astype("float32")
    lo, hi = _value_range(images, value_range)
    if images.dtype == np.uint8 and (lo, hi) == (0.0, 255.0):
        return images  # already what imshow expects
    values = images.astype("float32")
    outside = ~((values >= lo) & (values <= hi))  # NaN counts as outside
    if outside.any():
        finite = values[np.isfinite(values)]
        seen = f"[{finite.min():.3g}, {finite.max():.3g}]" if finite.size else "no finite values"
        warnings.warn(f"show_images: {int(outside.sum())} of {values.size} values lie outside the "
                      f"range shown, [{lo:g}, {hi:g}] (values seen: {seen}"
                      f"{', with NaN or inf' if finite.size < values.size else ''}); they are "
                      "clipped. Pass value_range=(lo, hi) to choose the range.", stacklevel=3)
    return np.clip(np.nan_to_num((values - lo) / (hi - lo), nan=0.0), 0.0, 1.0)


def _as_displayable(image: np.ndarray) -> np.ndarray:
    """Squeeze a single channel: (H, W, 1) -> (H, W), for imshow."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    return image


def show_images(images, titles=None, ncols: int = 10, size: float = 1.3, cmap: str = "gray_r",
                suptitle: str | None = None, value_range: tuple[float, float] | None = None):
    """Show images in a grid and return the figure.

    ``images``: an array (N, H, W), (N, H, W, 1) or (N, H, W, 3). ``titles``: one short
    string per image, or None. ``value_range=(lo, hi)``: the values shown as the two ends
    of the colour scale (black and white for RGB), the same for every image in the grid,
    e.g. ``(-1, 1)`` for a tanh generator. By default: ``(0, 255)`` for integers (uint8),
    ``(0, 1)`` for floats, or ``(-1, 1)`` if any value in the grid is negative; give it
    explicitly when a grid could fall either way (early GAN samples). Values outside the
    range are clipped, with a warning.
    """
    images = np.asarray(images)
    if (images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] not in (1, 3, 4))
            or len(images) == 0):
        raise ValueError("show_images: expected images shaped (N, H, W), (N, H, W, 1) or "
                         f"(N, H, W, 3) with N >= 1, got shape {images.shape}")
    images = _to_unit_range(images, value_range)
    vmax = 255 if images.dtype == np.uint8 else 1
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
        # vmin/vmax fix grey images to the grid's range (imshow would stretch each one).
        ax.imshow(image, cmap=cmap if image.ndim == 2 else None, vmin=0, vmax=vmax)
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def mosaic(images, ncols: int) -> np.ndarray:
    """Tile a batch of images into one big array, ``ncols`` images per row, for one ``imshow``.

    ``images``: (N, H, W, 1) or (N, H, W) gives a 2-D array (N // ncols * H, ncols * W);
    (N, H, W, C) with C > 1 gives (N // ncols * H, ncols * W, C). Row ``r`` holds images
    ``r * ncols`` to ``r * ncols + ncols - 1``, left to right, with no gaps between them.
    The values are copied unchanged (no scaling, no clipping): choose ``vmin``/``vmax``
    when showing it, e.g. ``ax.imshow(mosaic(x, 10), cmap="gray_r", vmin=0, vmax=1)``.
    N must be a multiple of ``ncols`` (a full rectangle).
    """
    images = np.asarray(images)
    ncols = int(ncols)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4):
        raise ValueError(f"mosaic: expected images shaped (N, H, W), (N, H, W, 1) or (N, H, W, C), "
                         f"got shape {images.shape}")
    if ncols < 1 or len(images) == 0 or len(images) % ncols:
        raise ValueError(f"mosaic: {len(images)} images do not fill rows of ncols={ncols}; "
                         "pass a positive ncols that divides the number of images")
    rows = [np.concatenate(list(images[i:i + ncols]), axis=1) for i in range(0, len(images), ncols)]
    return np.concatenate(rows, axis=0)


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

