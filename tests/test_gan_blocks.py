"""utils.gan_blocks: the modern-GAN layers 09_03 writes (SAGAN, StyleGAN, ProGAN), and Keras's
spectral normalisation that 09_03 uses with them."""

import ast
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import layers, ops

from utils.gan_blocks import (AdaIN, AddNoise, FadeIn, FadeInSchedule, LearnedConstant, SelfAttention2D,
                              mapping_network)
from saved_code import assert_notebook_saves

ROOT = Path(__file__).resolve().parents[1]
SAVED_FROM_09_03 = ["SelfAttention2D", "mapping_network", "AdaIN", "AddNoise", "LearnedConstant",
                    "FadeIn", "FadeInSchedule"]


def _definitions(code):
    return {node.name: ast.dump(node) for node in ast.parse(code).body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def _numpy(x):
    return np.asarray(ops.convert_to_numpy(x))


def test_09_03_writes_exactly_what_utils_gan_blocks_saves():
    assert_notebook_saves("09_03_modern_gan_blocks", "gan_blocks", SAVED_FROM_09_03, "# saved in utils.gan_blocks")


# -- SAGAN: self-attention and spectral normalisation ------------------------------------------
def test_self_attention_starts_as_the_identity():
    x = np.random.default_rng(0).normal(size=(2, 5, 6, 16)).astype("float32")
    layer = SelfAttention2D()
    out, weights = layer(x, return_attention_scores=True)
    assert float(layer.gamma) == 0.0
    np.testing.assert_array_equal(_numpy(out), x)
    weights = _numpy(weights)
    assert weights.shape == (2, 30, 30)                     # every position over every position
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=1e-5)


def test_self_attention_equals_a_numpy_reference():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 4, 4, 8)).astype("float32")
    layer = SelfAttention2D(reduction=4)
    layer(x)
    layer.gamma.assign(0.7)
    for conv in (layer.query, layer.key, layer.value):
        conv.bias.assign(rng.normal(size=conv.bias.shape).astype("float32"))

    def project(conv):
        return x.reshape(2, 16, 8) @ _numpy(conv.kernel)[0, 0] + _numpy(conv.bias)

    scores = project(layer.query) @ project(layer.key).transpose(0, 2, 1)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    expected = x + 0.7 * (weights @ project(layer.value)).reshape(x.shape)
    np.testing.assert_allclose(_numpy(layer(x)), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("wrapped", ["dense", "conv"])
def test_spectral_normalisation_brings_the_largest_singular_value_to_1(wrapped):
    rng = np.random.default_rng(2)
    if wrapped == "dense":
        layer, x = layers.Dense(6), rng.normal(size=(4, 10)).astype("float32")
    else:
        layer, x = layers.Conv2D(6, 3), rng.normal(size=(4, 8, 8, 3)).astype("float32")
    normalised = layers.SpectralNormalization(layer)
    normalised(x)
    kernel = _numpy(layer.kernel)
    matrix = kernel.reshape(-1, kernel.shape[-1])
    u, s, vt = np.linalg.svd(matrix, full_matrices=False)
    s = np.linspace(5.0, 0.5, len(s))                       # singular values 5 ... 0.5
    layer.kernel.assign((u * s @ vt).reshape(kernel.shape).astype("float32"))

    def largest_singular_value():
        return np.linalg.svd(_numpy(layer.kernel).reshape(matrix.shape), compute_uv=False)[0]

    normalised(x, training=False)                           # inference: the kernel is left alone
    assert largest_singular_value() == pytest.approx(5.0, rel=1e-5)
    for _ in range(30):                                     # one power-iteration step per training call
        out = normalised(x, training=True)
    assert largest_singular_value() == pytest.approx(1.0, abs=1e-3)
    np.testing.assert_allclose(_numpy(out), _numpy(layer(x)), rtol=1e-5, atol=1e-6)


# -- StyleGAN: mapping network, AdaIN, noise, constant -----------------------------------------
def test_mapping_network_ignores_the_length_of_z():
    mapping = mapping_network(latent_dim=8, w_dim=5, depth=3)
    z = np.random.default_rng(3).normal(size=(4, 8)).astype("float32")
    w = _numpy(mapping(z))
    assert w.shape == (4, 5)
    np.testing.assert_allclose(_numpy(mapping(3.0 * z)), w, rtol=1e-4, atol=1e-6)
    assert np.abs(w[0] - w[1]).max() > 1e-3                 # different z, different w
    assert sum(isinstance(layer, layers.Dense) for layer in mapping.layers) == 3


def test_adain_gives_each_channel_the_style_mean_and_spread():
    rng = np.random.default_rng(4)
    x = rng.normal(loc=3.0, scale=2.0, size=(2, 6, 6, 3)).astype("float32")
    w = rng.normal(size=(2, 4)).astype("float32")
    adain = AdaIN()
    adain([x, w])
    scale, bias = _numpy(adain.style_scale(w)), _numpy(adain.style_bias(w))
    out = _numpy(adain([x, w]))
    np.testing.assert_allclose(out.mean(axis=(1, 2)), bias, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(1, 2)), np.abs(scale), rtol=1e-3)
    # instance normalisation forgets each channel's own mean and spread: only the style remains
    moved = x * np.array([0.5, 4.0, 2.0], "float32") + np.array([-1.0, 7.0, 0.0], "float32")
    np.testing.assert_allclose(_numpy(adain([moved, w])), out, rtol=1e-3, atol=1e-3)
    assert np.abs(_numpy(adain([x, w[::-1]])) - out).max() > 1e-2  # another style changes it


def test_noise_starts_off_and_is_one_value_per_pixel_for_every_channel():
    x = np.random.default_rng(5).normal(size=(3, 8, 8, 4)).astype("float32")
    noise = AddNoise(seed=1)
    np.testing.assert_array_equal(_numpy(noise(x)), x)      # strength 0 at the start
    strength = np.array([1.0, -2.0, 0.5, 3.0], "float32")
    noise.strength.assign(strength)
    first, second = _numpy(noise(x)) - x, _numpy(noise(x)) - x
    per_pixel = first / strength
    np.testing.assert_allclose(per_pixel, per_pixel[..., :1].repeat(4, axis=-1), rtol=1e-4, atol=1e-5)
    assert abs(per_pixel.mean()) < 0.3 and 0.7 < per_pixel.std() < 1.3
    assert np.abs(first - second).max() > 0.1               # fresh noise at every call


def test_learned_constant_is_the_same_block_for_every_image():
    constant = LearnedConstant((7, 7, 5))
    out = _numpy(constant(np.zeros((3, 16), "float32")))
    assert out.shape == (3, 7, 7, 5)
    np.testing.assert_array_equal(out[0], out[2])
    np.testing.assert_array_equal(out[0], _numpy(constant.constant))


# -- ProGAN: fade-in --------------------------------------------------------------------------
def test_fade_in_gives_the_two_ends_exactly():
    rng = np.random.default_rng(6)
    old, new = rng.normal(size=(2, 4, 4, 1)).astype("float32"), rng.normal(size=(2, 4, 4, 1)).astype("float32")
    fade = FadeIn()
    np.testing.assert_array_equal(_numpy(fade([old, new])), old)   # alpha starts at 0
    fade.alpha.assign(1.0)
    np.testing.assert_array_equal(_numpy(fade([old, new])), new)
    fade.alpha.assign(0.25)
    np.testing.assert_allclose(_numpy(fade([old, new])), 0.75 * old + 0.25 * new, rtol=1e-6)
    assert not fade.trainable_weights
    with pytest.raises(ValueError, match="alpha must be in"):
        FadeIn(alpha=1.5)


def test_fade_in_schedule_changes_alpha_inside_fit():
    """The schedule must reach the compiled training step (on JAX the weights live outside the
    model during an epoch): the loss (alpha * 1 + (1 - alpha) * 0)^2 per epoch is alpha^2."""
    inputs = keras.Input((1,))
    old = layers.Dense(1, kernel_initializer="zeros")(inputs)
    new = layers.Dense(1, kernel_initializer="zeros", bias_initializer="ones")(inputs)
    fade = FadeIn()
    model = keras.Model(inputs, fade([old, new]))
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    history = model.fit(np.ones((8, 1), "float32"), np.zeros((8, 1), "float32"), batch_size=4,
                        epochs=4, verbose=0, callbacks=[FadeInSchedule([fade], fade_epochs=2)])
    np.testing.assert_allclose(history.history["loss"], [0.0, 0.25, 1.0, 1.0], atol=1e-6)
    assert float(fade.alpha) == 1.0
    with pytest.raises(ValueError, match="at least 1"):
        FadeInSchedule([fade], fade_epochs=0)


def test_a_generator_with_every_block_saves_and_loads(tmp_path):
    styles = keras.Input((2, 8))
    x = LearnedConstant((4, 4, 8))(styles[:, 0])
    x = AdaIN()([AddNoise(seed=0)(x), styles[:, 0]])
    x = SelfAttention2D()(layers.UpSampling2D()(x))
    x = AdaIN()([AddNoise(seed=1)(layers.Conv2D(8, 3, padding="same")(x)), styles[:, 1]])
    low = layers.UpSampling2D()(layers.Conv2D(1, 1)(x))
    high = layers.Conv2D(1, 1)(layers.UpSampling2D()(x))
    model = keras.Model(styles, FadeIn(alpha=0.5)([low, high]))
    path = tmp_path / "generator.keras"
    model.save(path)
    again = keras.saving.load_model(path)
    s = np.random.default_rng(7).normal(size=(3, 2, 8)).astype("float32")
    np.testing.assert_allclose(again.predict(s, verbose=0), model.predict(s, verbose=0), atol=1e-6)
    assert float(again.layers[-1].alpha) == 0.5
