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


# A covariance matrix is symmetric with eigenvalues >= 0. Computed in floating point, a
# singular one (fewer samples than features, or features that are always 0) has eigenvalues
# like -1e-16 * the largest; one stored as float32 and read back, like -1e-7. Anything below
# -PSD_TOLERANCE * the largest eigenvalue is not round-off: the matrix is not a covariance.
PSD_TOLERANCE = 1e-5


def _check_finite(name: str, values: np.ndarray) -> None:
    if not np.isfinite(values).all():
        bad = int(values.size - np.isfinite(values).sum())
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s) of {values.size}: a Fréchet "
                         "distance needs finite numbers (did training diverge, or the images hold NaN?)")


def feature_statistics(features, allow_singular: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Mean vector and covariance matrix (unbiased, ``n - 1``) of ``features`` (n, d).

    Features with more than two axes are flattened per example. Refuses NaN or inf, and
    fewer samples than feature dimensions (n < d): that is usually a transposed array,
    (d, n) given as (n, d). Pass ``allow_singular=True`` when n < d is really meant (a
    quick smoke run): the covariance is then singular and the distance biased upwards a lot.
    """
    features = np.asarray(features, dtype=np.float64)
    if features.ndim == 0:
        raise ValueError("features must be an array (n_samples, n_features), got a single number")
    features = features.reshape(len(features), -1)
    n, d = features.shape
    if n < 2:
        raise ValueError(f"need at least 2 samples for a covariance, got {n}")
    _check_finite("features", features)
    if n < d and not allow_singular:
        raise ValueError(f"features has {n} rows (samples) and {d} columns (feature dimensions): fewer "
                         f"samples than dimensions. If the array is (dimensions, samples), transpose "
                         f"it; otherwise use at least {d} samples, or pass allow_singular=True to accept "
                         "a singular covariance (and a distance biased upwards)")
    return features.mean(axis=0), np.atleast_2d(np.cov(features, rowvar=False))


def _check_covariance(name: str, sigma: np.ndarray) -> np.ndarray:
    """Refuse what is not a covariance (asymmetric, or really negative eigenvalues); symmetrise."""
    scale = np.abs(sigma).max() if sigma.size else 0.0
    if np.abs(sigma - sigma.T).max(initial=0.0) > PSD_TOLERANCE * scale:
        raise ValueError(f"{name} is not symmetric, so it is not a covariance matrix")
    sigma = (sigma + sigma.T) / 2
    eigenvalues = np.linalg.eigvalsh(sigma)
    largest = np.abs(eigenvalues).max(initial=0.0)
    if eigenvalues.size and eigenvalues.min() < -PSD_TOLERANCE * largest:
        raise ValueError(f"{name} is not positive semi-definite (smallest eigenvalue {eigenvalues.min():.3g}, "
                         f"largest {eigenvalues.max():.3g}), so it is not a covariance matrix; "
                         "compute it with feature_statistics()")
    return sigma


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    """Square root of a symmetric positive semi-definite matrix (tiny negative eigenvalues,
    from rounding, are set to 0)."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def frechet_distance_from_statistics(mu_a, sigma_a, mu_b, sigma_b) -> float:
    """The Fréchet distance between N(mu_a, sigma_a) and N(mu_b, sigma_b) (squared form, as in FID).

    ``Tr((S_a S_b)^1/2)`` is computed as ``Tr((S_a^1/2 S_b S_a^1/2)^1/2)``, the sum of the
    square roots of the eigenvalues of a symmetric PSD matrix: stable, and exact for
    singular covariances (fewer samples than features). Refuses NaN or inf and matrices that
    are not covariances (not symmetric, or an eigenvalue below ``-PSD_TOLERANCE`` times the
    largest; smaller negative ones are round-off and count as 0).
    """
    mu_a, mu_b = np.atleast_1d(np.asarray(mu_a, np.float64)), np.atleast_1d(np.asarray(mu_b, np.float64))
    sigma_a, sigma_b = np.atleast_2d(np.asarray(sigma_a, np.float64)), np.atleast_2d(np.asarray(sigma_b, np.float64))
    if mu_a.shape != mu_b.shape or sigma_a.shape != sigma_b.shape or sigma_a.shape != mu_a.shape * 2:
        raise ValueError(f"shapes do not match: means {mu_a.shape} and {mu_b.shape}, "
                         f"covariances {sigma_a.shape} and {sigma_b.shape}")
    for name, values in (("mu_a", mu_a), ("sigma_a", sigma_a), ("mu_b", mu_b), ("sigma_b", sigma_b)):
        _check_finite(name, values)
    sigma_a, sigma_b = _check_covariance("sigma_a", sigma_a), _check_covariance("sigma_b", sigma_b)
    root_a = _sqrt_psd(sigma_a)
    middle = root_a @ sigma_b @ root_a
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2)
    trace_sqrt = np.sqrt(np.clip(eigenvalues, 0.0, None)).sum()
    diff = mu_a - mu_b
    distance = diff @ diff + np.trace(sigma_a) + np.trace(sigma_b) - 2.0 * trace_sqrt
    return float(max(distance, 0.0))  # >= 0 in exact arithmetic; clips round-off only


def frechet_distance(features_a, features_b, allow_singular: bool = False) -> float:
    """The Fréchet distance between two sets of feature vectors, (n_a, d) and (n_b, d).

    0 for identical statistics, symmetric, and growing as the two sets move apart. Compare
    numbers only for the same feature extractor and similar sample sizes. Each set needs at
    least d samples unless ``allow_singular=True`` (see :func:`feature_statistics`).
    """
    return frechet_distance_from_statistics(*feature_statistics(features_a, allow_singular),
                                            *feature_statistics(features_b, allow_singular))


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
    inputs = classifier.inputs[0] if len(classifier.inputs) == 1 else classifier.inputs
    model = keras.Model(inputs, output, name=f"{classifier.name}_features")

    def extract(images) -> np.ndarray:
        features = model.predict(images, batch_size=batch_size, verbose=0)
        features = np.asarray(features)
        return features.reshape(len(features), -1)

    extract.model = model
    return extract
