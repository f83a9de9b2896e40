"""The building blocks of modern GANs as notebook 09_03 writes them (each checked there).

- ``SelfAttention2D``: SAGAN's self-attention over the positions of a feature map, with a
  learned ``gamma`` that starts at 0 (the layer starts as the identity). Spectral
  normalisation, SAGAN's other half, is Keras's own ``keras.layers.SpectralNormalization``.
- ``mapping_network``: StyleGAN's MLP from the latent vector z to the style vector w.
- ``AdaIN``: adaptive instance normalisation, each channel normalised per image, then
  scaled and shifted by a style computed from w.
- ``AddNoise``: StyleGAN's per-pixel noise with a learned strength per channel.
- ``LearnedConstant``: StyleGAN's learned starting block, the same for every image.
- ``FadeIn`` and ``FadeInSchedule``: ProGAN's fade-in between two resolutions, its ``alpha``
  raised from 0 to 1 by a callback during training.

tests/test_gan_blocks.py checks that 09_03 and this file define them identically.
"""

from __future__ import annotations

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="gdl")
class SelfAttention2D(layers.Layer):
    """SAGAN's self-attention (Zhang et al., 2019) over the positions of a feature map (batch,
    height, width, channels): 1x1 convolutions give each position a query, a key (channels //
    reduction each) and a value; a softmax over positions of query . key weights the values;
    the result, scaled by a learned gamma that starts at 0, is added to the input."""

    def __init__(self, reduction=8, **kwargs):
        super().__init__(**kwargs)
        self.reduction = reduction

    def build(self, input_shape):
        channels = input_shape[-1]
        inner = max(channels // self.reduction, 1)
        self.query = layers.Conv2D(inner, 1, name="query")
        self.key = layers.Conv2D(inner, 1, name="key")
        self.value = layers.Conv2D(channels, 1, name="value")
        for conv in (self.query, self.key, self.value):
            conv.build(input_shape)
        self.gamma = self.add_weight(shape=(), initializer="zeros", name="gamma")

    def call(self, x, return_attention_scores=False):
        height, width, channels = x.shape[1], x.shape[2], x.shape[3]
        q = ops.reshape(self.query(x), (-1, height * width, self.query.filters))
        k = ops.reshape(self.key(x), (-1, height * width, self.key.filters))
        v = ops.reshape(self.value(x), (-1, height * width, channels))
        weights = ops.softmax(ops.matmul(q, ops.swapaxes(k, 1, 2)), axis=-1)  # (batch, positions, positions)
        attended = ops.reshape(ops.matmul(weights, v), (-1, height, width, channels))
        out = x + self.gamma * attended
        return (out, weights) if return_attention_scores else out

    def get_config(self):
        return {**super().get_config(), "reduction": self.reduction}


def mapping_network(latent_dim, w_dim, depth=4, name="mapping"):
    """StyleGAN's mapping network: z, scaled to length sqrt(latent_dim) (so only its direction
    counts), through `depth` dense layers with leaky ReLU, to the style vector w."""
    z = keras.Input(shape=(latent_dim,), name="z")
    x = layers.Rescaling(latent_dim ** 0.5)(layers.UnitNormalization()(z))
    for i in range(depth):
        x = layers.LeakyReLU(0.2)(layers.Dense(w_dim, name=f"dense_{i}")(x))
    return keras.Model(z, x, name=name)


@keras.saving.register_keras_serializable(package="gdl")
class AdaIN(layers.Layer):
    """Adaptive instance normalisation, call([x, w]): each channel of each image x (batch,
    height, width, channels) is normalised to mean 0 and variance 1 over its pixels, then
    multiplied by a scale and shifted by a bias that dense layers compute from the style w."""

    def __init__(self, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def build(self, input_shape):
        x_shape, w_shape = input_shape
        self.style_scale = layers.Dense(x_shape[-1], bias_initializer="ones", name="style_scale")
        self.style_bias = layers.Dense(x_shape[-1], name="style_bias")
        self.style_scale.build(w_shape)
        self.style_bias.build(w_shape)

    def call(self, inputs):
        x, w = inputs
        mean, variance = ops.moments(x, axes=(1, 2), keepdims=True)
        normalised = (x - mean) / ops.sqrt(variance + self.epsilon)
        scale = ops.reshape(self.style_scale(w), (-1, 1, 1, x.shape[-1]))
        bias = ops.reshape(self.style_bias(w), (-1, 1, 1, x.shape[-1]))
        return normalised * scale + bias

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="gdl")
class AddNoise(layers.Layer):
    """StyleGAN's noise input: fresh Gaussian noise, one value per pixel, added to every channel
    times a learned strength per channel (starting at 0). New noise at every call."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        self.strength = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="strength")

    def call(self, x):
        batch, height, width = ops.shape(x)[0], x.shape[1], x.shape[2]
        noise = keras.random.normal((batch, height, width, 1), dtype=x.dtype, seed=self.seed_generator)
        return x + self.strength * noise

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(package="gdl")
class LearnedConstant(layers.Layer):
    """StyleGAN's starting point: one learned block of shape `constant_shape` (height, width,
    channels), the same for every image; call(w) repeats it once per row of w."""

    def __init__(self, constant_shape, **kwargs):
        super().__init__(**kwargs)
        self.constant_shape = tuple(constant_shape)

    def build(self, input_shape):
        self.constant = self.add_weight(shape=self.constant_shape, initializer="random_normal", name="constant")

    def call(self, w):
        return ops.broadcast_to(self.constant, (ops.shape(w)[0], *self.constant_shape))

    def get_config(self):
        return {**super().get_config(), "constant_shape": self.constant_shape}


@keras.saving.register_keras_serializable(package="gdl")
class FadeIn(layers.Layer):
    """ProGAN's fade-in, call([old, new]): (1 - alpha) * old + alpha * new, where old is the
    upsampled output of the lower resolution and new that of the added, higher one. alpha is
    a non-trainable weight in [0, 1] (start value `alpha`), raised during training by a callback."""

    def __init__(self, alpha=0.0, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"FadeIn: alpha must be in [0, 1], got {alpha}")
        self.initial_alpha = float(alpha)

    def build(self, input_shape):
        self.alpha = self.add_weight(shape=(), initializer=keras.initializers.Constant(self.initial_alpha),
                                     trainable=False, name="alpha")

    def call(self, inputs):
        old, new = inputs
        alpha = ops.cast(self.alpha, new.dtype)
        return (1.0 - alpha) * old + alpha * new

    def get_config(self):
        return {**super().get_config(), "alpha": self.initial_alpha}


class FadeInSchedule(keras.callbacks.Callback):
    """Sets the alpha of `fade_layers` (FadeIn layers) to epoch / fade_epochs, at most 1, at the
    start of every epoch: 0 in the first, 1 from epoch `fade_epochs` on. Between epochs is when
    both backends read a changed weight (JAX keeps the weights outside the model during an
    epoch), so the fade moves in steps of one epoch: keep epochs short with steps_per_epoch."""

    def __init__(self, fade_layers, fade_epochs):
        super().__init__()
        if fade_epochs < 1:
            raise ValueError(f"FadeInSchedule: fade_epochs must be at least 1, got {fade_epochs}")
        self.fade_layers, self.fade_epochs = list(fade_layers), fade_epochs

    def on_epoch_begin(self, epoch, logs=None):
        for layer in self.fade_layers:
            layer.alpha.assign(min(1.0, epoch / self.fade_epochs))
