"""utils.plotting: image grids, training curves, saving figures as PNG."""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np
import pytest

from utils import plotting, start_run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_agg_backend_in_tests():
    assert matplotlib.get_backend().lower() == "agg"


def _is_png(path):
    content = path.read_bytes()
    return content[:8] == PNG_MAGIC and len(content) > 100


def test_show_images_grid_and_save_figure(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (7, 8, 8), dtype=np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # uint8 is never out of range
        fig = plotting.show_images(images, titles=[str(i) for i in range(7)], ncols=3, suptitle="digits")

    axes = fig.get_axes()
    assert len(axes) == 9  # 3 rows of 3
    assert sum(1 for ax in axes if ax.images) == 7, "one image per axis, the rest empty"
    assert [ax.get_title() for ax in axes[:7]] == [str(i) for i in range(7)]
    np.testing.assert_array_equal(axes[0].images[0].get_array(), images[0])

    path = plotting.save_figure(fig, tmp_path / "deep" / "folder" / "grid.png")
    assert path == tmp_path / "deep" / "folder" / "grid.png"
    assert _is_png(path)


def test_show_images_float_and_rgb():
    gray = np.linspace(-1, 1, 2 * 4 * 4).reshape(2, 4, 4, 1).astype("float32")
    fig = plotting.show_images(gray)
    shown = np.asarray(fig.get_axes()[0].images[0].get_array())
    assert shown.shape == (4, 4), "a single channel is squeezed"
    assert shown.min() >= 0 and shown.max() <= 1, "[-1, 1] is scaled to [0, 1]"
    np.testing.assert_allclose(shown, (gray[0, ..., 0] + 1) / 2, atol=1e-6)

    rgb = np.random.default_rng(1).random((3, 5, 5, 3)).astype("float32")
    fig = plotting.show_images(rgb, ncols=10)
    assert len(fig.get_axes()) == 3  # ncols shrinks to the number of images
    assert np.asarray(fig.get_axes()[0].images[0].get_array()).shape == (5, 5, 3)


def _shown(fig, i=0):
    return np.asarray(fig.get_axes()[i].images[0].get_array())


# -- one brightness scale per grid (the GAN grids of chapter 4) -------------------------------
def test_one_grid_uses_one_range_for_all_its_images():
    """A tanh generator's grid: one image happens to be all positive; it is still read as [-1, 1]."""
    mixed = np.stack([np.full((4, 4), -0.5), np.full((4, 4), 0.5)]).astype("float32")
    fig = plotting.show_images(mixed)
    np.testing.assert_allclose(_shown(fig, 0), 0.25)
    np.testing.assert_allclose(_shown(fig, 1), 0.75)


def test_value_range_is_explicit_when_asked():
    positive = np.full((2, 3, 3, 1), 0.5, "float32")
    np.testing.assert_allclose(_shown(plotting.show_images(positive)), 0.5)
    np.testing.assert_allclose(_shown(plotting.show_images(positive, value_range=(-1, 1))), 0.75)
    pixels = np.full((1, 2, 2), 51.0, "float32")
    np.testing.assert_allclose(_shown(plotting.show_images(pixels, value_range=(0, 255))), 0.2)
    for bad in [(1, 1), (1, 0), "01", (0, 1, 2)]:
        with pytest.raises(ValueError, match="value_range"):
            plotting.show_images(positive, value_range=bad)


def test_values_outside_the_range_warn_once_and_are_clipped():
    images = np.full((3, 4, 4), 1.5, "float32")  # three images, all out of [0, 1]
    with pytest.warns(UserWarning, match="outside the range") as record:
        fig = plotting.show_images(images)
    assert len(record) == 1, "one warning per call, not one per image"
    assert "value_range" in str(record[0].message)
    np.testing.assert_allclose(_shown(fig), 1.0)
    with pytest.warns(UserWarning, match="NaN or inf"):
        plotting.show_images(np.array([[[0.2, np.nan]]], "float32"))


def test_grey_uint8_images_are_not_stretched_one_by_one():
    dark = np.full((2, 4, 4), 100, np.uint8)
    dark[:, 0, 0] = 0
    fig = plotting.show_images(dark)
    assert fig.get_axes()[0].images[0].get_clim() == (0, 255)


def test_show_images_refuses_what_is_not_a_batch_of_images():
    for bad in [np.zeros((0, 4, 4)), np.zeros((4, 4)), np.zeros((2, 4, 4, 2))]:
        with pytest.raises(ValueError, match="show_images"):
            plotting.show_images(bad)


def test_as_displayable_keeps_uint8():
    image = np.full((3, 3, 1), 200, np.uint8)
    out = plotting._as_displayable(image)
    assert out.dtype == np.uint8 and out.shape == (3, 3) and (out == 200).all()


def test_run_save_figure(isolated_env):
    run = start_run("plots")
    fig = plotting.show_images(np.zeros((2, 4, 4), np.uint8))
    result = run.save_figure(fig, "samples_epoch_1")
    path = run.figure_path("samples_epoch_1")
    assert result is None, "returns nothing, so a cell ending with it shows only the figure"
    assert path == run.path / "figures" / "samples_epoch_1.png"
    assert _is_png(path)


def test_plot_history_with_validation(tmp_path):
    history = {"loss": [1.0, 0.6, 0.4], "val_loss": [1.2, 0.8, 0.7], "accuracy": [0.3, 0.5, 0.7]}
    fig = plotting.plot_history(history, metrics=("loss", "accuracy"), title="curves")

    loss_ax, acc_ax = fig.get_axes()
    assert len(loss_ax.get_lines()) == 2, "train and validation curves"
    assert len(acc_ax.get_lines()) == 1, "no val_accuracy: one curve"
    train, val = loss_ax.get_lines()
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(val.get_ydata(), history["val_loss"])
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == ["train loss", "validation loss"]
    assert loss_ax.get_xlabel() == "epoch" and acc_ax.get_ylabel() == "accuracy"
    assert _is_png(plotting.save_figure(fig, tmp_path / "history.png"))


def test_plot_history_accepts_a_keras_history_like_object():
    class History:
        history = {"loss": [2.0, 1.0]}

    fig = plotting.plot_history(History())
    (line,) = fig.get_axes()[0].get_lines()
    np.testing.assert_array_equal(line.get_ydata(), [2.0, 1.0])


def test_plot_history_unknown_metric_fails_loudly():
    with pytest.raises(KeyError):
        plotting.plot_history({"loss": [1.0]}, metrics=("accuracy",))


# -- mosaic: one big array for a single imshow (03_01, 03_02) --------------------------------
def test_mosaic_places_image_k_at_row_k_div_ncols_col_k_mod_ncols():
    n, h, w, ncols = 6, 2, 3, 3
    images = np.arange(n * h * w, dtype="float32").reshape(n, h, w, 1)
    big = plotting.mosaic(images, ncols)
    assert big.shape == (n // ncols * h, ncols * w), "the channel is squeezed: a 2-D array"
    for k in range(n):
        r, c = divmod(k, ncols)
        np.testing.assert_array_equal(big[r * h:(r + 1) * h, c * w:(c + 1) * w], images[k, ..., 0])


def test_mosaic_keeps_values_and_colour_channels():
    rgb = np.random.default_rng(0).normal(size=(4, 2, 2, 3)).astype("float32") * 5
    big = plotting.mosaic(rgb, 2)
    assert big.shape == (4, 4, 3)
    np.testing.assert_array_equal(big[2:, :2], rgb[2])  # no scaling, no clipping
    assert plotting.mosaic(np.zeros((2, 5, 4)), 1).shape == (10, 4), "(N, H, W) works too"


@pytest.mark.parametrize("n, ncols", [(5, 3), (4, 0), (0, 2)])
def test_mosaic_refuses_a_ragged_last_row(n, ncols):
    with pytest.raises(ValueError, match="ncols"):
        plotting.mosaic(np.zeros((n, 2, 2, 1)), ncols)
