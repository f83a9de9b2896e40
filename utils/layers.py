"""Keras layers and loss terms that several notebooks share (backend-agnostic, ``keras.ops`` only)."""

from __future__ import annotations

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="gdl")
class Sampling(layers.Layer):
    """The reparameterisation trick of a variational autoencoder.

    Given the encoder's ``z_mean`` and ``z_log_var`` (log of the variance), draw
    ``z = z_mean + exp(z_log_var / 2) * epsilon`` with ``epsilon ~ N(0, I)``. The randomness
    sits in ``epsilon`` only, so gradients flow through ``z_mean`` and ``z_log_var``.
    """

    def __init__(self, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def kl_divergence(z_mean, z_log_var):
    """KL( N(z_mean, exp(z_log_var)) || N(0, I) ) per example, summed over latent dimensions.

    The closed form for diagonal Gaussians:
    ``-1/2 * sum(1 + log_var - mean^2 - exp(log_var))``. Returns a tensor of shape (batch,).
    """
    return -0.5 * ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1)
