"""The VAE building blocks in ``utils.layers``: the sampling layer and the KL term."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from keras import ops  # noqa: E402

from utils.layers import Sampling, kl_divergence  # noqa: E402


def _numpy(x):
    return np.asarray(ops.convert_to_numpy(x))


def test_sampling_keeps_the_shape_of_z_mean():
    z_mean = np.zeros((7, 5), dtype="float32")
    z = Sampling(seed=1)([z_mean, z_mean])
    assert tuple(z.shape) == (7, 5)


def test_samples_have_the_requested_mean_and_variance():
    n = 20_000
    mean = np.array([-2.0, 0.0, 3.0], dtype="float32")
    variance = np.array([0.25, 1.0, 4.0], dtype="float32")
    z_mean = np.tile(mean, (n, 1))
    z_log_var = np.tile(np.log(variance), (n, 1))
    z = _numpy(Sampling(seed=3)([z_mean, z_log_var]))
    # Standard errors: sqrt(var / n) for the mean, var * sqrt(2 / n) for the variance.
    assert (np.abs(z.mean(axis=0) - mean) < 5 * np.sqrt(variance / n)).all(), z.mean(axis=0)
    assert (np.abs(z.var(axis=0) - variance) < 5 * variance * np.sqrt(2 / n)).all(), z.var(axis=0)


def test_sampling_draws_new_noise_every_call_but_is_seeded():
    z_mean = np.zeros((4, 3), dtype="float32")
    layer = Sampling(seed=5)
    first, second = _numpy(layer([z_mean, z_mean])), _numpy(layer([z_mean, z_mean]))
    assert not np.allclose(first, second)
    again = _numpy(Sampling(seed=5)([z_mean, z_mean]))
    np.testing.assert_allclose(again, first)


def test_gradients_flow_through_the_mean():
    """z = mean + sigma * eps: moving the mean by 1 moves every sample by exactly 1."""
    z_mean = np.zeros((3, 2), dtype="float32")
    z_log_var = np.full((3, 2), np.log(0.5), dtype="float32")
    a = _numpy(Sampling(seed=9)([z_mean, z_log_var]))
    b = _numpy(Sampling(seed=9)([z_mean + 1.0, z_log_var]))
    np.testing.assert_allclose(b - a, 1.0, rtol=1e-6)


def test_kl_divergence_matches_the_closed_form():
    rng = np.random.default_rng(0)
    mean = rng.normal(size=(6, 4)).astype("float32")
    log_var = rng.normal(scale=0.5, size=(6, 4)).astype("float32")
    # KL(N(m, s^2) || N(0, 1)) = log(1/s) + (s^2 + m^2) / 2 - 1/2, per dimension.
    s2 = np.exp(log_var)
    expected = (-0.5 * log_var + 0.5 * (s2 + mean**2) - 0.5).sum(axis=1)
    got = _numpy(kl_divergence(mean, log_var))
    assert got.shape == (6,)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_kl_divergence_is_zero_only_for_the_prior():
    zeros = np.zeros((2, 3), dtype="float32")
    np.testing.assert_allclose(_numpy(kl_divergence(zeros, zeros)), 0.0, atol=1e-7)
    assert (_numpy(kl_divergence(zeros + 0.1, zeros)) > 0).all()
    assert (_numpy(kl_divergence(zeros, zeros + 0.1)) > 0).all()


def test_kl_matches_a_monte_carlo_estimate():
    """The closed form agrees with E_q[log q(z) - log p(z)] estimated from samples."""
    n = 200_000
    mean, log_var = np.float32(0.7), np.float32(np.log(0.3))
    z_mean = np.full((n, 1), mean, dtype="float32")
    z_log_var = np.full((n, 1), log_var, dtype="float32")
    z = _numpy(Sampling(seed=11)([z_mean, z_log_var]))[:, 0].astype("float64")
    var = np.exp(float(log_var))
    log_q = -0.5 * (np.log(2 * np.pi * var) + (z - mean) ** 2 / var)
    log_p = -0.5 * (np.log(2 * np.pi) + z**2)
    estimate = (log_q - log_p).mean()
    closed = float(_numpy(kl_divergence(z_mean[:1], z_log_var[:1]))[0])
    assert abs(estimate - closed) < 0.01


def test_sampling_layer_survives_saving(tmp_path):
    inputs = [keras.Input((2,)), keras.Input((2,))]
    model = keras.Model(inputs, Sampling(seed=2, name="z")(inputs))
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded.get_layer("z"), Sampling)
    assert loaded.get_layer("z").seed == 2
