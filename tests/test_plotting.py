"""utils.plotting: image grids, training curves, saving figures as PNG."""

from __future__ import annotations

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
