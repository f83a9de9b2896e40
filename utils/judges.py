"""The course's judges: small classifiers trained on real data that score generated images.

Notebook 03_04 built the Fashion-MNIST judge in plain sight (two strided convolutions, a
dense layer, a softmax over the ten classes) to check which class a CVAE draws. Later
chapters score their samples with the same design, so it lives here:

    judge = utils.judges.fashion_mnist_judge()      # trained once, then loaded from run/judges/
    probabilities = judge.predict(images)            # images: (n, 28, 28, 1) in [0, 1]
    extract = utils.frechet.feature_extractor(judge) # its 128 features for a Fréchet distance
    scores = utils.judges.score_fashion_images(generated)  # 09_03's numbers, for any model

09_03 scored its two GANs in plain sight: a Fréchet distance to the judge's features of the
second half of the test set, the same distance for as many real test images from the first
half (the floor), and the share of images the judge puts in each class. Chapter 10 scores
every model family that way with :func:`score_fashion_images`, and :func:`comparison_entry`
writes one row of the course's comparison table (``python -m utils.report`` collects them).

The judge is trained on the official Fashion-MNIST training set, which is class-balanced
(6,000 images per class), and evaluated on the official test set; :func:`fashion_mnist_judge`
prints its test accuracy and its accuracy per class (its base rates), which every score it
gives must be read against. It is saved (atomically) under ``<run root>/judges/`` and
reused by the next notebook that asks for it; fast mode trains and keeps its own smaller one.
:func:`cifar10_judge` does the same for CIFAR-10 with the classifier 04_02 built in plain sight
(trained with balanced class weights, since the course's CIFAR-10 subset has 5x more horses).
"""

from __future__ import annotations

import json
import time

import numpy as np

from . import data, settings
from .runs import atomic_path, run_root, write_text_atomic

__all__ = ["fashion_mnist_judge", "cifar10_judge", "domain_judge", "judge_report", "score_fashion_images",
           "comparison_entry"]

JUDGE_EPOCHS = 5
CIFAR10_JUDGE_EPOCHS = 10  # as 04_02 trained its classifier


def _build_fashion_mnist_judge(num_classes: int = 10, image_shape=(28, 28, 1)):
    """03_04's classifier: two strided convolutions, dropout, a dense layer, a softmax."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=image_shape)
    x = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(inputs)
    x = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.3)(x)
    x = layers.Dense(128, activation="relu")(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="fashion_mnist_judge")


def judge_report(judge, x_test, y_test, class_names) -> dict:
    """Test accuracy and accuracy per class (the judge's base rates), as a dict; also printed."""
    predicted = np.asarray(judge.predict(x_test, batch_size=500, verbose=0)).argmax(axis=1)
    per_class = {name: float(np.mean(predicted[y_test == c] == c)) for c, name in enumerate(class_names)}
    report = {"test_accuracy": float(np.mean(predicted == y_test)), "accuracy_per_class": per_class}
    print(f"judge: test accuracy {report['test_accuracy']:.3f} on {len(y_test):,} real test images; "
          "per class: " + ", ".join(f"{name} {value:.2f}" for name, value in per_class.items()))
    return report


def _judge_paths(name: str):
    """Where a cached judge lives: ``<run root>/judges/<name>[_fast].keras`` and its ``.json`` report."""
    folder = run_root() / "judges"
    stem = f"{name}_fast" if settings.is_fast() else name
    return folder / f"{stem}.keras", folder / f"{stem}.json"


def _load_cached_judge(name: str, per_class: str):
    """The judge saved under ``name`` with its report, or None when either file is missing."""
    import keras

    model_path, report_path = _judge_paths(name)
    if not (model_path.exists() and report_path.exists()):
        return None
    judge = keras.saving.load_model(model_path)
    judge.report = json.loads(report_path.read_text(encoding="utf-8"))
    print(f"judge: loaded from run/judges/{model_path.name} (trained {judge.report['trained']})")
    print("judge: test accuracy {:.3f}; {}: {}".format(
        judge.report["test_accuracy"], per_class,
        ", ".join(f"{k} {v:.2f}" for k, v in judge.report["accuracy_per_class"].items())))
    return judge


def _save_judge(judge, report: dict, name: str):
    """Save a freshly trained judge and its report atomically; attach the report; return the judge."""
    model_path, report_path = _judge_paths(name)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(model_path) as tmp:
        judge.save(tmp)
    write_text_atomic(report_path, json.dumps(report, indent=2))
    judge.report = report
    return judge


def fashion_mnist_judge(retrain: bool = False):
    """The course's Fashion-MNIST judge (a Keras model, images (n, 28, 28, 1) in [0, 1] -> 10 probabilities).

    Loaded from ``<run root>/judges/fashion_mnist[_fast].keras`` when a finished one is there,
    otherwise trained (``JUDGE_EPOCHS`` epochs on the whole training set; fast mode: one epoch on
    the fast subset) and saved atomically. Prints where it came from and its base rates; the
    dict of those is ``judge.report``.
    """
    import keras

    judge = None if retrain else _load_cached_judge("fashion_mnist", "per class")
    if judge is not None:
        return judge

    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist()
    x_train = x_train[..., None].astype("float32") / 255.0
    x_test = x_test[..., None].astype("float32") / 255.0
    counts = np.bincount(y_train, minlength=10)
    print(f"judge: training on {len(x_train):,} images, per class {counts.min():,}-{counts.max():,}")
    keras.utils.set_random_seed(1234)
    judge = _build_fashion_mnist_judge()
    judge.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.time()
    judge.fit(x_train, y_train, epochs=settings.pick(full=JUDGE_EPOCHS, fast=1), batch_size=128, verbose=0)
    seconds = time.time() - start
    report = judge_report(judge, x_test, y_test, data.class_names("fashion_mnist"))
    report.update(trained=time.strftime("%Y-%m-%d %H:%M"), seconds=round(seconds, 1),
                  train_images=len(x_train), backend=keras.backend.backend())
    return _save_judge(judge, report, "fashion_mnist")


def _build_cifar10_judge(num_classes: int = 10, image_shape=(32, 32, 3)):
    """04_02's CIFAR-10 classifier: three blocks of a convolution (32, 64, 128 filters), batch
    normalisation and 2x2 max pooling, dropout, a dense layer of 128 ("features"), a softmax."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=image_shape)
    x = inputs
    for filters in (32, 64, 128):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.3)(x)
    x = layers.Dense(128, activation="relu", name="features")(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="cifar10_judge")


def cifar10_judge(retrain: bool = False):
    """The course's CIFAR-10 judge (a Keras model, images (n, 32, 32, 3) in [0, 1] -> 10 probabilities).

    04_02's classifier design, trained on the training images of ``data.load_cifar10`` with
    balanced class weights, as 04_02 trained it: the mirror's subset holds 5x more horses than
    any other class, and each image of class c counts n / (10 n_c) in the loss, so every class
    weighs the same. (04_02 fed it images in [-1, 1]; this judge takes [0, 1], like the
    Fashion-MNIST one.) ``CIFAR10_JUDGE_EPOCHS`` epochs (fast mode: one, on the fast subset).
    Loaded from ``<run root>/judges/cifar10[_fast].keras`` when a finished one is there,
    otherwise trained and saved atomically. Prints where it came from and its base rates (test
    accuracy and the recall of every class present in the test images); ``judge.report`` holds them.
    """
    import keras

    judge = None if retrain else _load_cached_judge("cifar10", "recall per class")
    if judge is not None:
        return judge

    (x_train, y_train), (x_test, y_test) = data.load_cifar10()
    x_train = x_train.astype("float32") / 255.0
    x_test = x_test.astype("float32") / 255.0
    names = data.class_names("cifar10")
    counts = np.bincount(y_train, minlength=10)
    class_weight = {c: len(y_train) / (10 * max(int(n), 1)) for c, n in enumerate(counts)}
    print(f"judge: training on {len(x_train):,} images, per class "
          + ", ".join(f"{name} {n:,}" for name, n in zip(names, counts.tolist()))
          + "; balanced class weights " + ", ".join(f"{names[c]} {w:.2f}" for c, w in class_weight.items()))
    keras.utils.set_random_seed(1234)
    judge = _build_cifar10_judge()
    judge.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.time()
    judge.fit(x_train, y_train, epochs=settings.pick(full=CIFAR10_JUDGE_EPOCHS, fast=1), batch_size=128,
              class_weight=class_weight, verbose=0)
    seconds = time.time() - start
    predicted = np.asarray(judge.predict(x_test, batch_size=500, verbose=0)).argmax(axis=1)
    recall = {name: float(np.mean(predicted[y_test == c] == c)) for c, name in enumerate(names) if np.any(y_test == c)}
    report = {"test_accuracy": float(np.mean(predicted == y_test)), "accuracy_per_class": recall,
              "trained": time.strftime("%Y-%m-%d %H:%M"), "seconds": round(seconds, 1),
              "train_images": len(x_train), "train_per_class": counts.tolist(), "class_weight": "balanced",
              "backend": keras.backend.backend()}
    print(f"judge: test accuracy {report['test_accuracy']:.3f} on {len(y_test):,} real test images; "
          "recall per class: " + ", ".join(f"{name} {value:.2f}" for name, value in recall.items()))
    return _save_judge(judge, report, "cifar10")


def domain_judge(train_a, train_b, test_a, test_b, names=("A", "B"), epochs: int = JUDGE_EPOCHS):
    """03_04's classifier design trained to tell real domain A (class 0) from real B (class 1).

    For an unpaired image pair that has no course judge (apple2orange, monet2photo): trained
    class-balanced (the larger domain is cut to the size of the smaller) on the training
    images, its base rates printed on the test images. Images in [0, 1]. Not cached: it is
    trained by the notebook that needs it.
    """
    import keras

    n = min(len(train_a), len(train_b))
    x = np.concatenate([train_a[:n], train_b[:n]]).astype("float32")
    y = np.repeat([0, 1], n)
    print(f"judge: training a {names[0]}-vs-{names[1]} classifier on {n:,} + {n:,} real images")
    keras.utils.set_random_seed(1234)
    judge = _build_fashion_mnist_judge(num_classes=2, image_shape=x.shape[1:])
    judge.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    judge.fit(x, y, epochs=epochs, batch_size=64, shuffle=True, verbose=0)
    x_test = np.concatenate([test_a, test_b]).astype("float32")
    y_test = np.repeat([0, 1], [len(test_a), len(test_b)])
    judge.report = judge_report(judge, x_test, y_test, names)
    return judge


def _class_shares(probabilities: np.ndarray) -> np.ndarray:
    counts = np.bincount(np.asarray(probabilities).argmax(axis=1), minlength=probabilities.shape[1])
    return counts / counts.sum()


def score_fashion_images(images, labels=None, judge=None) -> dict:
    """09_03's scores for a set of generated Fashion-MNIST images, (n, 28, 28, 1) in [0, 1].

    Returns a dict: ``frechet`` (judge features of the images vs the second half of the test
    set: 5,000 real images in full mode), ``frechet_real_floor`` (the first ``n`` real test
    images vs the same reference: what a perfect generator of ``n`` images would get; the
    distance is biased upwards for small ``n``, so compare a model with its own floor),
    ``class_entropy_bits`` (of the judge's class shares; 3.32 bits = all ten classes equally),
    ``largest_class_share``, ``confidence`` (mean top probability), ``shares`` (per class) and
    ``n``, and ``judge`` (its test accuracy and when it was trained: rows of one comparison must
share the judge). With ``labels`` (the class each image was asked to be, for a conditional model) also
    ``class_fidelity``: the share the judge puts in the asked-for class (read it against the
    judge's own per-class accuracy on real images, printed when it is loaded).
    """
    from .frechet import feature_extractor, frechet_distance

    images = np.asarray(images, dtype="float32")
    if images.ndim == 3:
        images = images[..., None]
    if images.shape[1:] != (28, 28, 1):
        raise ValueError(f"score_fashion_images wants images of shape (n, 28, 28, 1), got {images.shape}")
    if not np.isfinite(images).all() or images.min() < -1e-3 or images.max() > 1 + 1e-3:
        raise ValueError(f"score_fashion_images wants finite pixel values in [0, 1], got "
                         f"[{np.nanmin(images):.3g}, {np.nanmax(images):.3g}] (rescale [-1, 1] with (x + 1) / 2)")
    judge = judge if judge is not None else fashion_mnist_judge()
    (_, _), (x_test, _) = data.load_fashion_mnist()
    x_test = x_test[..., None].astype("float32") / 255.0
    half = len(x_test) // 2
    reference, floor_images = x_test[half:], x_test[: min(len(images), half)]
    extract = feature_extractor(judge)
    # fewer images than features (fast mode): the covariance is singular, which is allowed there
    singular = len(images) <= 128 or len(floor_images) <= 128
    reference_features = extract(reference)
    probabilities = np.asarray(judge.predict(images, batch_size=500, verbose=0))
    shares = _class_shares(probabilities)
    nonzero = shares[shares > 0]
    scores = {
        "n": len(images),
        "frechet": frechet_distance(extract(images), reference_features, allow_singular=singular),
        "frechet_real_floor": frechet_distance(extract(floor_images), reference_features, allow_singular=singular),
        "class_entropy_bits": float(-(nonzero * np.log2(nonzero)).sum()),
        "largest_class_share": float(shares.max()),
        "confidence": float(probabilities.max(axis=1).mean()),
        "shares": shares.tolist(),
        "judge": {k: getattr(judge, "report", {}).get(k) for k in ("test_accuracy", "trained", "backend")},
    }
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (len(images),):
            raise ValueError(f"labels must have one class per image: {labels.shape} for {len(images)} images")
        scores["class_fidelity"] = float(np.mean(probabilities.argmax(axis=1) == labels))
    return scores


def comparison_entry(model: str, scores: dict, *, train_seconds: float, sample_seconds_per_image: float,
                     nll_bits_per_dim: float | None = None, likelihood_note: str = "", note: str = "") -> dict:
    """One row of the course's Fashion-MNIST comparison (chapter 10), to save with the metrics.

    ``scores`` comes from :func:`score_fashion_images`; ``train_seconds`` is the model's training
    wall-clock time, ``sample_seconds_per_image`` the time to draw one image (measured in a batch,
    after compiling); ``nll_bits_per_dim`` is the test negative log-likelihood (or its bound) in bits
    per pixel for a model that has one, and ``likelihood_note`` says of what (``"exact, 4 grey
    levels at 16x16"``, ``"ELBO bound, binarised"``). Save it with
    ``run.save_metrics(..., comparison=[entry, ...])``; ``python -m utils.report`` builds the table.
    """
    entry = {"model": model, "n": scores["n"], "frechet": scores["frechet"],
             "frechet_real_floor": scores["frechet_real_floor"],
             "class_entropy_bits": scores["class_entropy_bits"],
             "class_fidelity": scores.get("class_fidelity"),
             "nll_bits_per_dim": nll_bits_per_dim, "likelihood_note": likelihood_note,
             "train_seconds": float(train_seconds), "sample_seconds_per_image": float(sample_seconds_per_image),
             "mode": settings.mode(), "backend": settings.backend(), "note": note,
             "judge": scores.get("judge")}
    return {k: (float(v) if isinstance(v, (np.floating, np.integer)) else v) for k, v in entry.items()}
