"""utils.images: reading images from files and streaming them to Keras as a PyDataset."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

keras = pytest.importorskip("keras")

from utils.images import ImageFolderDataset, load_image, load_images  # noqa: E402

N = 10


@pytest.fixture
def image_files(tmp_path):
    """N lossless PNGs of different sizes; image k is one flat grey level 20 * k."""
    paths = []
    for k in range(N):
        path = tmp_path / f"img_{k:02d}.png"
        Image.new("RGB", (24 + k, 30), (20 * k,) * 3).save(path)
        paths.append(path)
    return paths


def _level(x):
    """The grey level (0-255) of each image in a batch."""
    return np.rint(np.asarray(x).mean(axis=(1, 2, 3)) * 255).astype(int)


# --------------------------------------------------------------------------- load_image


def test_load_image_shape_dtype_range(image_files):
    image = load_image(image_files[3], image_size=16)
    assert image.shape == (16, 16, 3) and image.dtype == np.float32
    assert 0.0 <= image.min() and image.max() <= 1.0
    np.testing.assert_allclose(image, 60 / 255, atol=1e-6)


def test_load_image_crops_the_centre(tmp_path):
    # 40 wide, 60 high: a white 40x40 square in the middle, black bands above and below.
    pixels = np.zeros((60, 40, 3), dtype=np.uint8)
    pixels[10:50] = 255
    path = tmp_path / "face.png"
    Image.fromarray(pixels).save(path)

    np.testing.assert_allclose(load_image(path, image_size=8), 1.0)  # largest central square
    np.testing.assert_allclose(load_image(path, image_size=8, crop=20), 1.0)
    uncropped_height = load_image(path, image_size=8, crop=100)  # crop larger than the image: the square
    np.testing.assert_allclose(uncropped_height, 1.0)


def test_load_image_converts_grey_images_to_rgb(tmp_path):
    path = tmp_path / "grey.png"
    Image.new("L", (20, 20), 128).save(path)
    image = load_image(path, image_size=20)
    assert image.shape == (20, 20, 3)
    np.testing.assert_allclose(image, 128 / 255, atol=1e-6)


def test_load_images_stacks(image_files):
    batch = load_images(image_files[:4], image_size=12)
    assert batch.shape == (4, 12, 12, 3) and batch.dtype == np.float32
    assert _level(batch).tolist() == [0, 20, 40, 60]


# --------------------------------------------------------------------------- ImageFolderDataset


def test_batches_shape_dtype_range(image_files):
    ds = ImageFolderDataset(image_files, batch_size=4, image_size=16)
    assert len(ds) == 3
    shapes = [ds[i].shape for i in range(len(ds))]
    assert shapes == [(4, 16, 16, 3), (4, 16, 16, 3), (2, 16, 16, 3)], "the last batch is smaller"
    for i in range(len(ds)):
        assert ds[i].dtype == np.float32 and 0.0 <= ds[i].min() and ds[i].max() <= 1.0
    levels = np.concatenate([_level(ds[i]) for i in range(len(ds))])
    assert levels.tolist() == [20 * k for k in range(N)], "without shuffling, the order of the paths"
    with pytest.raises(IndexError):
        ds[3]


@pytest.mark.parametrize("batch_size, drop, expected", [(4, False, 3), (4, True, 2), (5, False, 2),
                                                         (5, True, 2), (10, True, 1), (32, False, 1)])
def test_length_with_and_without_drop_remainder(image_files, batch_size, drop, expected):
    ds = ImageFolderDataset(image_files, batch_size=batch_size, image_size=8, drop_remainder=drop)
    assert len(ds) == expected
    assert ds.num_batches == expected
    if drop:
        assert all(len(ds[i]) == batch_size for i in range(len(ds)))


def test_too_few_images_for_one_full_batch(image_files):
    with pytest.raises(ValueError, match="no full batch"):
        ImageFolderDataset(image_files, batch_size=32, drop_remainder=True)
    with pytest.raises(ValueError, match="at least one"):
        ImageFolderDataset([], batch_size=4)


def _epoch_order(ds):
    return np.concatenate([ds[i][1] for i in range(len(ds))])


def test_shuffle_changes_the_order_every_epoch_but_keeps_the_images(image_files):
    ds = ImageFolderDataset(image_files, batch_size=3, image_size=8, targets=np.arange(N), shuffle=True, seed=1)
    orders = []
    for _ in range(4):
        orders.append(_epoch_order(ds))
        ds.on_epoch_end()
    for order in orders:
        assert sorted(order.tolist()) == list(range(N)), "each epoch shows every image once"
    assert len({tuple(o) for o in orders}) == 4, "a new order every epoch"
    assert orders[0].tolist() != list(range(N))
    # Images and targets stay paired.
    x, y = ds[0]
    assert _level(x).tolist() == (20 * y).tolist()
    # The same seed gives the same orders.
    again = ImageFolderDataset(image_files, batch_size=3, image_size=8, targets=np.arange(N), shuffle=True, seed=1)
    np.testing.assert_array_equal(_epoch_order(again), orders[0])


def test_no_shuffle_keeps_the_order(image_files):
    ds = ImageFolderDataset(image_files, batch_size=4, image_size=8, targets=np.arange(N))
    first = _epoch_order(ds)
    ds.on_epoch_end()
    assert first.tolist() == _epoch_order(ds).tolist() == list(range(N))


def test_targets_modes(image_files):
    alone = ImageFolderDataset(image_files, batch_size=4, image_size=8)
    assert isinstance(alone[0], np.ndarray)

    pairs = ImageFolderDataset(image_files, batch_size=4, image_size=8, targets="input")
    x, y = pairs[1]
    assert x.shape == (4, 8, 8, 3)
    np.testing.assert_array_equal(x, y)

    labels = np.arange(N) * 100
    labelled = ImageFolderDataset(image_files, batch_size=4, image_size=8, targets=labels)
    x, y = labelled[2]
    assert y.tolist() == [800, 900]
    assert _level(x).tolist() == [160, 180]

    with pytest.raises(ValueError, match="targets"):
        ImageFolderDataset(image_files, targets="labels")
    with pytest.raises(ValueError, match="9 targets for 10 images"):
        ImageFolderDataset(image_files, targets=np.zeros(N - 1))


def test_works_in_model_fit_evaluate_and_predict(image_files):
    keras.utils.set_random_seed(0)
    labels = np.arange(N) % 2
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(2, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    train = ImageFolderDataset(image_files, batch_size=4, image_size=8, targets=labels, shuffle=True,
                               drop_remainder=True, seed=3)
    first_order = train._order.copy()
    history = model.fit(train, epochs=3, verbose=0)

    assert len(history.history["loss"]) == 3
    assert np.isfinite(history.history["loss"]).all()
    assert not np.array_equal(train._order, first_order), "fit calls on_epoch_end: a new order per epoch"
    result = model.evaluate(ImageFolderDataset(image_files, batch_size=4, image_size=8, targets=labels),
                            verbose=0, return_dict=True)
    assert np.isfinite(result["loss"]) and 0.0 <= result["accuracy"] <= 1.0
    predictions = model.predict(ImageFolderDataset(image_files, batch_size=4, image_size=8), verbose=0)
    assert predictions.shape == (N, 2)


def test_works_for_an_autoencoder_with_input_targets(image_files):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(3, 3, padding="same", activation="sigmoid")(inputs)
    model = keras.Model(inputs, x)
    model.compile(optimizer="adam", loss="mse")
    ds = ImageFolderDataset(image_files, batch_size=5, image_size=8, targets="input", workers=2)
    history = model.fit(ds, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
