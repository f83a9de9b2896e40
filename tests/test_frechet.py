"""The Fréchet distance in ``utils.frechet`` and the classifier feature extractor."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from utils.frechet import (
    feature_extractor,
    feature_statistics,
    frechet_distance,
    frechet_distance_from_statistics,
)


def _closed_form_2d(mu_a, s_a, mu_b, s_b):
    """Fréchet distance of two 2-D Gaussians by hand: for a 2x2 PSD matrix M,
    Tr(M^1/2) = sqrt(Tr M + 2 sqrt(det M)), and M = S_a^1/2 S_b S_a^1/2 has
    Tr M = Tr(S_a S_b), det M = det S_a det S_b."""
    trace_sqrt = np.sqrt(np.trace(s_a @ s_b) + 2 * np.sqrt(np.linalg.det(s_a) * np.linalg.det(s_b)))
    diff = np.subtract(mu_a, mu_b)
    return diff @ diff + np.trace(s_a) + np.trace(s_b) - 2 * trace_sqrt


S_A = np.array([[2.0, 0.6], [0.6, 1.0]])
S_B = np.array([[0.5, -0.3], [-0.3, 1.5]])  # does not commute with S_A


def test_exact_value_for_two_gaussians():
    mu_a, mu_b = np.array([1.0, -2.0]), np.array([0.0, 0.5])
    expected = _closed_form_2d(mu_a, S_A, mu_b, S_B)
    assert expected > 0
    assert frechet_distance_from_statistics(mu_a, S_A, mu_b, S_B) == pytest.approx(expected, rel=1e-10)


def test_diagonal_covariances_reduce_to_the_one_dimensional_formula():
    # For commuting (here diagonal) covariances: ||mu_a - mu_b||^2 + sum (sqrt a_i - sqrt b_i)^2.
    a, b = np.array([4.0, 1.0, 0.25]), np.array([1.0, 9.0, 0.25])
    mu_a, mu_b = np.zeros(3), np.array([3.0, 0.0, 4.0])
    expected = 25.0 + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    got = frechet_distance_from_statistics(mu_a, np.diag(a), mu_b, np.diag(b))
    assert got == pytest.approx(expected, rel=1e-12)


def test_identical_statistics_give_zero_even_when_singular():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(5, 20))  # 5 samples, 20 features: a singular covariance
    mu, sigma = feature_statistics(features, allow_singular=True)
    assert frechet_distance_from_statistics(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-9)
    # Stored as float32 and read back: round-off makes tiny negative eigenvalues; still accepted.
    sigma32 = sigma.astype("float32")
    assert np.linalg.eigvalsh(sigma32.astype("float64")).min() < 0
    assert frechet_distance_from_statistics(mu, sigma32, mu, sigma) == pytest.approx(0.0, abs=1e-4)


def test_samples_estimate_the_closed_form_and_the_distance_is_symmetric():
    rng = np.random.default_rng(1)
    mu_a, mu_b = np.array([1.0, -2.0]), np.array([0.0, 0.5])
    a = rng.multivariate_normal(mu_a, S_A, size=20_000)
    b = rng.multivariate_normal(mu_b, S_B, size=20_000)
    expected = _closed_form_2d(mu_a, S_A, mu_b, S_B)
    assert frechet_distance(a, b) == pytest.approx(expected, rel=0.05)
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-9)


def test_statistics_flatten_images_and_reject_a_single_sample():
    rng = np.random.default_rng(2)
    mu, sigma = feature_statistics(rng.normal(size=(10, 2, 3)))
    assert mu.shape == (6,) and sigma.shape == (6, 6)
    with pytest.raises(ValueError):
        feature_statistics(np.zeros((1, 4)))
    with pytest.raises(ValueError):
        frechet_distance(np.zeros((4, 3)), np.zeros((4, 2)))


# -- bad input: one clear message instead of nan or 0.0 ------------------------------------------
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_features_are_refused(bad):
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(50, 3)), rng.normal(size=(50, 3))
    a[7, 1] = bad
    with pytest.raises(ValueError, match="NaN or infinite"):
        frechet_distance(a, b)
    with pytest.raises(ValueError, match="NaN or infinite"):
        frechet_distance_from_statistics(np.array([0.0, bad]), np.eye(2), np.zeros(2), np.eye(2))


def test_a_matrix_that_is_not_a_covariance_is_refused():
    mu = np.zeros(2)
    not_psd = np.array([[1.0, 2.0], [2.0, 1.0]])  # eigenvalues 3 and -1
    with pytest.raises(ValueError, match="positive semi-definite"):
        frechet_distance_from_statistics(mu, not_psd, mu, np.eye(2))
    with pytest.raises(ValueError, match="positive semi-definite"):
        frechet_distance_from_statistics(mu, np.eye(2), mu, -np.eye(2))
    with pytest.raises(ValueError, match="not symmetric"):
        frechet_distance_from_statistics(mu, np.array([[1.0, 0.5], [0.0, 1.0]]), mu, np.eye(2))


def test_transposed_features_are_refused_unless_allowed():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(300, 8)), rng.normal(1.0, 1.0, size=(300, 8))
    with pytest.raises(ValueError, match="transpose"):
        frechet_distance(a.T, b.T)  # (8, 300): 8 "samples" of 300 "features"
    with pytest.raises(ValueError, match="transpose"):
        feature_statistics(a[:5])
    assert frechet_distance(a[:5], b[:5], allow_singular=True) > 0


def test_frechet_module_needs_no_framework():
    """The distance is plain NumPy; Keras is imported only by feature_extractor().

    (``import utils`` itself imports Keras, so the module file is loaded on its own.)
    """
    code = ("import importlib.util, json, sys; "
            "spec = importlib.util.spec_from_file_location('frechet', 'utils/frechet.py'); "
            "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module); "
            "assert module.frechet_distance([[0.0], [1.0]], [[0.0], [1.0]]) == 0.0; "
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} "
            "& {'tensorflow', 'jax', 'keras', 'torch'})))")
    result = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


# -- on a classifier's features ---------------------------------------------------------------
def _bars(n, rng):
    """8x8 'images' of one horizontal or vertical bar at a random place, and their class."""
    images = np.zeros((n, 8, 8, 1), dtype="float32")
    labels = rng.integers(0, 2, size=n)
    where = rng.integers(1, 7, size=n)
    for i in range(n):
        if labels[i]:
            images[i, where[i], :, 0] = 1.0
        else:
            images[i, :, where[i], 0] = 1.0
    return images + rng.normal(0, 0.05, size=images.shape).astype("float32"), labels


@pytest.fixture(scope="module")
def classifier_and_data():
    keras = pytest.importorskip("keras")
    from keras import layers

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    images, labels = _bars(1200, rng)
    classifier = keras.Sequential([
        keras.Input((8, 8, 1)),
        layers.Flatten(),
        layers.Dense(16, activation="relu", name="features"),
        layers.Dense(2),
    ])
    classifier.compile(optimizer=keras.optimizers.Adam(1e-2),
                       loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                       metrics=["accuracy"])
    classifier.fit(images[:800], labels[:800], epochs=3, batch_size=64, verbose=0)
    return classifier, images


def test_feature_extractor_reads_the_penultimate_layer(classifier_and_data):
    classifier, images = classifier_and_data
    extract = feature_extractor(classifier, batch_size=100)
    features = extract(images[:250])
    assert features.shape == (250, 16)
    # The same numbers as running the layers by hand: relu(flatten(x) @ W + b).
    kernel, bias = classifier.get_layer("features").get_weights()
    by_hand = np.maximum(images[:250].reshape(250, -1) @ kernel + bias, 0.0)
    np.testing.assert_allclose(features, by_hand, rtol=1e-4, atol=1e-5)
    named = feature_extractor(classifier, layer_name="features")(images[:250])
    np.testing.assert_allclose(named, features, rtol=1e-6)


def test_distance_is_near_zero_for_two_halves_and_grows_with_noise(classifier_and_data):
    classifier, images = classifier_and_data
    extract = feature_extractor(classifier)
    rng = np.random.default_rng(3)
    first, second = images[:600], images[600:]
    floor = frechet_distance(extract(first), extract(second))
    noisy = [frechet_distance(extract(first), extract(second + rng.normal(0, s, second.shape).astype("float32")))
             for s in (0.3, 0.6, 1.0)]
    assert all(b > a for a, b in zip(noisy, noisy[1:])), noisy
    assert floor < 0.2 * noisy[0], (floor, noisy)
    assert frechet_distance(extract(second), extract(first)) == pytest.approx(floor, rel=1e-6)
