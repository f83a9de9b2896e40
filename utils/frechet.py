"""Fréchet distance between two sets of samples, measured on a classifier's features.

The Fréchet Inception Distance (FID) compares generated and real images by fitting a
Gaussian to each set's features and measuring the Fréchet (2-Wasserstein) distance
between the two Gaussians::

    d^2 = ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a^1/2 S_b S_a^1/2)^1/2)

The course uses the same formula on the features of a *small classifier trained on the
same data family* (the penultimate layer of a Quick Draw, CIFAR-10 or CelebA classifier),
so no downloaded Inception network is needed. The numbers are comparable only between
runs that use the same classifier and the same number of samples: the estimate is biased
upwards for small samples, which is why a notebook also reports the distance between two
sets of *real* images (the floor a perfect generator would reach)::

    extract = feature_extractor(classifier)          # images -> penultimate-layer features
    real_stats = feature_statistics(extract(x_test[:1000]))
    fd_model = frechet_distance_from_statistics(*feature_statistics(extract(generated)), *real_stats)
    fd_floor = frechet_distance_from_statistics(*feature_statistics(extract(x_val[:1000])), *real_stats)

Everything but :func:`feature_extractor` is plain NumPy (the matrix square root comes
from symmetric eigen-decompositions, no SciPy needed).
"""

from __future__ import annotations

import numpy as np

__all__ = ["feature_statistics", "frechet_distance", "frechet_distance_from_statistics",
           "feature_extractor"]


def feature_statistics(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean vector and covariance matrix (unbiased, ``n - 1``) of ``features`` (n, d).

    Features with more than two axes are flattened per example.
    """
    features = np.asarray(features, dtype=np.float64)
    features = features.reshape(len(features), -1)
    if len(features) < 2:
        raise ValueError(f"need at least 2 samples for a covariance, got {len(features)}")
    return features.mean(axis=0), np.atleast_2d(np.cov(features, rowvar=False))


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    """Square root of a symmetric positive semi-definite matrix (tiny negative eigenvalues,
    from rounding, are set to 0)."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def frechet_distance_from_statistics(mu_a, sigma_a, mu_b, sigma_b) -> float:
    """The Fréchet distance between N(mu_a, sigma_a) and N(mu_b, sigma_b) (squared form, as in FID).

    ``Tr((S_a S_b)^1/2)`` is computed as ``Tr((S_a^1/2 S_b S_a^1/2)^1/2)``, the sum of the
    square roots of the eigenvalues of a symmetric PSD matrix: stable, and exact for
    singular covariances (fewer samples than features).
    """
    mu_a, mu_b = np.atleast_1d(np.asarray(mu_a, np.float64)), np.atleast_1d(np.asarray(mu_b, np.float64))
    sigma_a, sigma_b = np.atleast_2d(np.asarray(sigma_a, np.float64)), np.atleast_2d(np.asarray(sigma_b, np.float64))
    if mu_a.shape != mu_b.shape or sigma_a.shape != sigma_b.shape or sigma_a.shape != mu_a.shape * 2:
        raise ValueError(f"shapes do not match: means {mu_a.shape} and {mu_b.shape}, "
                         f"covariances {sigma_a.shape} and {sigma_b.shape}")
    root_a = _sqrt_psd(sigma_a)
    middle = root_a @ sigma_b @ root_a
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2)
    trace_sqrt = np.sqrt(np.clip(eigenvalues, 0.0, None)).sum()
    diff = mu_a - mu_b
    distance = diff @ diff + np.trace(sigma_a) + np.trace(sigma_b) - 2.0 * trace_sqrt
    return float(max(distance, 0.0))


def frechet_distance(features_a, features_b) -> float:
    """The Fréchet distance between two sets of feature vectors, (n_a, d) and (n_b, d).

    0 for identical statistics, symmetric, and growing as the two sets move apart. Compare
    numbers only for the same feature extractor and similar sample sizes.
    """
    return frechet_distance_from_statistics(*feature_statistics(features_a),
                                            *feature_statistics(features_b))


def feature_extractor(classifier, layer_name: str | None = None, batch_size: int = 256):
    """A function ``images -> features`` (a NumPy array, one row per image).

    The features are the output of ``classifier``'s layer ``layer_name``, by default the
    input of its last layer (the penultimate representation a softmax head reads). The
    classifier must be built (Functional or Sequential with an ``Input``); the images are
    given exactly as the classifier was trained on them (same scaling and shape).
    """
    import keras

    if layer_name is None:
        output = classifier.layers[-1].input
    else:
        output = classifier.get_layer(layer_name).output
    model = keras.Model(classifier.inputs, output, name=f"{classifier.name}_features")

    def extract(images) -> np.ndarray:
        features = model.predict(images, batch_size=batch_size, verbose=0)
        features = np.asarray(features)
        return features.reshape(len(features), -1)

    extract.model = model
    return extract
