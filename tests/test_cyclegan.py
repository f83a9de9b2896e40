"""utils.cyclegan: the parts 05_01 writes and 05_02 reuses, and the two helpers around them."""

import json
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import layers

from utils import cyclegan, runs, settings
from utils.cyclegan import (CycleGAN, ConstantThenLinearDecay, ImagePool, build_unet, cycle_generators,
                            patchgan_critic, translation_scores, two_critics)
from saved_code import assert_notebook_saves

ROOT = Path(__file__).resolve().parents[1]
SAVED_FROM_05_01 = ["to_generator_range", "pad", "load_domains", "pair_judge", "build_unet", "ImagePool",
                    "patchgan_critic", "cycle_generators", "two_critics", "mean_absolute", "CycleGAN",
                    "ConstantThenLinearDecay"]


def test_05_01_writes_exactly_what_utils_cyclegan_saves():
    assert_notebook_saves("05_01_cyclegan_unet", "cyclegan", SAVED_FROM_05_01)


def _pool(size=4, p=0.5, seed=0):
    pool = ImagePool(size=size, swap_probability=p, seed=seed)
    pool.build((None, 1))
    return pool


def _batch(value, n=2):
    return np.full((n, 1), float(value), "float32")


def test_pool_passes_images_through_outside_training_and_stores_nothing():
    pool = _pool()
    out = keras.ops.convert_to_numpy(pool(_batch(7), training=False))
    np.testing.assert_array_equal(out, _batch(7))
    assert float(keras.ops.convert_to_numpy(pool.stored)) == 0


def test_pool_shows_only_new_images_while_empty_then_old_ones():
    pool = _pool(size=4, p=1.0)  # swap every image once something is stored
    first = keras.ops.convert_to_numpy(pool(_batch(1), training=True))
    np.testing.assert_array_equal(first, _batch(1))            # nothing stored yet: the new fakes
    second = keras.ops.convert_to_numpy(pool(_batch(2), training=True))
    assert set(np.ravel(second)) <= {1.0}                       # all swapped for stored (earlier) ones
    assert float(keras.ops.convert_to_numpy(pool.stored)) == 4


def test_pool_is_a_ring_of_the_newest_images():
    pool = _pool(size=4, p=0.0)
    for value in (1, 2, 3):
        out = keras.ops.convert_to_numpy(pool(_batch(value), training=True))
        np.testing.assert_array_equal(out, _batch(value))      # p = 0: never swapped
    stored = np.sort(np.ravel(keras.ops.convert_to_numpy(pool.images)))
    np.testing.assert_array_equal(stored, [2, 2, 3, 3])         # the oldest (1, 1) overwritten
    assert float(keras.ops.convert_to_numpy(pool.stored)) == 4


def test_pool_mixes_old_and_new_about_half_and_half():
    pool = _pool(size=50, p=0.5, seed=3)
    pool(_batch(-1, 50), training=True)
    out = np.ravel(keras.ops.convert_to_numpy(pool(_batch(1, 400), training=True)))
    share_old = np.mean(out == -1)
    assert 0.4 < share_old < 0.6, share_old


def test_learning_rate_is_constant_then_falls_to_zero():
    schedule = ConstantThenLinearDecay(2e-4, constant_steps=10, decay_steps=10)
    rates = [float(keras.ops.convert_to_numpy(schedule(step))) for step in (0, 10, 15, 20, 30)]
    np.testing.assert_allclose(rates, [2e-4, 2e-4, 1e-4, 0.0, 0.0], atol=1e-9)


def _tiny_cyclegan(seed=0):
    keras.utils.set_random_seed(seed)
    shape = (8, 8, 1)
    g_ab, g_ba = build_unet(shape, 4, 2, name="g_ab"), build_unet(shape, 4, 2, name="g_ba")
    critics = two_critics(patchgan_critic(shape, 4, name="d_a"), patchgan_critic(shape, 4, name="d_b"))
    model = CycleGAN(cycle_generators(g_ab, g_ba, pool_size=8, seed=1), critics, seed=2)
    model.compile(critic_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5),
                  generator_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5))
    return model, g_ab, g_ba


def test_unet_keeps_the_image_shape_and_range():
    g = build_unet((32, 32, 3), 8, 3)
    out = keras.ops.convert_to_numpy(g(np.zeros((2, 32, 32, 3), "float32")))
    assert out.shape == (2, 32, 32, 3) and np.abs(out).max() <= 1.0


def test_cyclegan_generator_loss_falls_on_a_tiny_pair():
    rng = np.random.default_rng(0)
    a = np.tanh(rng.normal(size=(32, 8, 8, 1)) - 1).astype("float32")   # darker images
    b = np.tanh(rng.normal(size=(32, 8, 8, 1)) + 1).astype("float32")   # brighter images
    model, g_ab, _ = _tiny_cyclegan()
    history = model.fit((a, b), batch_size=8, epochs=8, verbose=0)
    losses = history.history["generator_loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < 0.7 * losses[0], losses
    assert np.isfinite(history.history["critic_loss"]).all()


def test_translation_scores_of_identity_generators():
    """Generators that change nothing: the cycle error is 0 and success is the judge's floor."""
    shape = (4, 4, 1)
    inputs = keras.Input(shape)
    identity = keras.Model(inputs, layers.Identity()(inputs))
    x = keras.Input(shape)
    brightness = layers.GlobalAveragePooling2D()(x)                 # the judge: bright = class 1
    features = layers.Dense(2, kernel_initializer=keras.initializers.Constant([[-1.0, 1.0]]),
                            use_bias=False)(brightness)
    judge = keras.Model(x, layers.Dense(2, activation="softmax", kernel_initializer="identity")(features))
    rng = np.random.default_rng(0)
    test_a = rng.uniform(-1, -0.2, (40, *shape)).astype("float32")  # dark: judged class 0
    test_b = rng.uniform(0.2, 1, (40, *shape)).astype("float32")    # bright: judged class 1
    scores = translation_scores(identity, identity, test_a, test_b, judge, 0, 1, lambda t: t,
                                allow_singular=True)
    assert scores["cycle_error_a"] == 0 and scores["cycle_error_b"] == 0
    assert scores["success_ab"] == scores["real_a_called_b"] == 0
    assert scores["success_ba"] == scores["real_b_called_a"] == 0
    assert scores["real_b_called_b"] == 1 and scores["real_a_called_a"] == 1
    assert scores["frechet_ab"] == pytest.approx(scores["frechet_untranslated_ab"])
    assert scores["frechet_images"] == 20


def test_load_domains_refuses_an_unknown_pair():
    with pytest.raises(ValueError, match="sneakers2boots"):
        cyclegan.load_domains("horse2zebra")


def _finished(root: Path, folder: str, mode: str, date: str, complete=True):
    path = root / folder
    path.mkdir(parents=True)
    (path / ("COMPLETE" if complete else "RUNNING")).write_text("")
    (path / "metrics.json").write_text(json.dumps({"mode": mode, "date": date, "metrics": {}}))
    return path


def test_latest_run_takes_the_newest_finished_run_of_this_notebook_and_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("GDL_RUN_DIR", str(tmp_path))
    mode = settings.mode()
    other = "full" if mode == "fast" else "fast"
    _finished(tmp_path, "05_01_x", mode, "2026-01-01")
    _finished(tmp_path, "05_01_x_2", mode, "2026-03-01")
    _finished(tmp_path, "05_01_x_3", other, "2026-05-01")                 # other mode
    _finished(tmp_path, "05_01_x_4", mode, "2026-06-01", complete=False)  # unfinished
    _finished(tmp_path, "05_01_x_extra", mode, "2026-07-01")              # another notebook's name
    found = runs.latest_run("05_01_x")
    assert found is not None and found.path.name == "05_01_x_2"
    assert runs.latest_run("05_02_y") is None
