"""CycleGAN's shared parts, written and explained in notebook 05_01, reused by 05_02.

05_01 builds every piece in plain sight; the pieces that 05_02 needs again are saved here
(and a test checks that the notebook's definitions and these are the same code):

- :func:`load_domains` — the two domains of a pair (apple2orange, monet2photo, or the offline
  Fashion-MNIST sneakers2boots), in [-1, 1]; :func:`pair_judge` — the classifier that scores
  translations between them;
- :func:`build_unet` — the U-Net generator (05_02 compares it with a ResNet generator);
- :class:`ImagePool` — a Keras layer that remembers recent fakes and hands the critics
  a mix of new and old ones;
- :func:`patchgan_critic` — the PatchGAN critic (one score per image patch);
- :func:`cycle_generators` and :func:`two_critics` — the two generators and the two critics
  wrapped as one generator model and one critic model, so that the course's
  :class:`~utils.adversarial.AdversarialModel` trains them;
- :class:`CycleGAN` — AdversarialModel with CycleGAN's least-squares, cycle and identity
  losses in its hooks;
- :class:`ConstantThenLinearDecay` — the learning rate: constant, then down to zero.

:func:`translation_scores` measures a trained pair of generators with a judge classifier
(the analysis both notebooks run).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from . import data
from .adversarial import AdversarialModel
from .frechet import feature_extractor, feature_statistics, frechet_distance_from_statistics
from .judges import domain_judge, fashion_mnist_judge

PHOTO_PAIRS = ("apple2orange", "monet2photo")  # the registry names their domains
SNEAKER, BOOT = 7, 9  # Fashion-MNIST's class numbers of the offline pair

__all__ = ["load_domains", "pair_judge", "build_unet", "ImagePool", "patchgan_critic", "cycle_generators", "two_critics", "CycleGAN",
           "ConstantThenLinearDecay", "apply_model", "translation_scores"]


def to_generator_range(images):
    return images.astype("float32") / 127.5 - 1.0                    # [0, 255] -> [-1, 1]


def pad(images):
    return np.pad(images, ((0, 0), (2, 2), (2, 2)))[..., None]       # 28x28 -> 32x32, black border


def load_domains(pair, size=128):
    """Train and test images of domains A and B of `pair`, in [-1, 1], and the two domains' names."""
    if pair in PHOTO_PAIRS:
        (train_a, train_b), (test_a, test_b) = data.load_cyclegan_images(pair, size=size)
        names = data.class_names(pair)
    elif pair == "sneakers2boots":
        (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist()
        train_a, train_b = pad(x_train[y_train == SNEAKER]), pad(x_train[y_train == BOOT])
        test_a, test_b = pad(x_test[y_test == SNEAKER]), pad(x_test[y_test == BOOT])
        names = ("sneaker", "ankle boot")
    else:
        raise ValueError(f"unknown pair {pair!r}: choose one of {[*PHOTO_PAIRS, 'sneakers2boots']}")
    train_a, train_b, test_a, test_b = map(to_generator_range, (train_a, train_b, test_a, test_b))
    return (train_a, train_b), (test_a, test_b), names


def pair_judge(pair, train_a, train_b, test_a, test_b, names):
    """A judge for the pair: (classifier, class of A, class of B, function from [-1, 1] images to its input)."""
    if pair == "sneakers2boots":
        def to_judge(images):                   # [-1, 1] at 32x32 -> [0, 1] at 28x28, as it was trained
            return (images[:, 2:30, 2:30] + 1.0) / 2.0
        return fashion_mnist_judge(), SNEAKER, BOOT, to_judge

    def to_judge(images):
        return (images + 1.0) / 2.0
    judge = domain_judge(to_judge(train_a), to_judge(train_b), to_judge(test_a), to_judge(test_b), names)
    return judge, 0, 1, to_judge


def build_unet(image_shape, filters=16, depth=3, name="unet"):
    """A U-Net generator: `depth` strided convolutions down, as many upsamplings up, skips between equal sizes."""
    image = keras.Input(shape=image_shape)
    x, skips = image, []
    for i in range(depth):  # down: 32x32 -> 16x16 -> 8x8 -> 4x4 (depth 3)
        x = layers.Conv2D(filters * 2 ** i, 3, strides=2, padding="same", use_bias=i == 0)(x)
        if i > 0:
            x = layers.GroupNormalization(groups=-1)(x)  # instance normalisation
        x = layers.LeakyReLU(0.2)(x)
        skips.append(x)
    for i in reversed(range(depth - 1)):  # up: 4x4 -> 8x8 -> 16x16, each joined with the same size on the way down
        x = layers.UpSampling2D()(x)
        x = layers.Conv2D(filters * 2 ** i, 3, padding="same", use_bias=False)(x)
        x = layers.GroupNormalization(groups=-1)(x)
        x = layers.ReLU()(x)
        x = layers.Concatenate()([x, skips[i]])  # the skip connection
    x = layers.UpSampling2D()(x)  # back to the full size
    output = layers.Conv2D(image_shape[-1], 3, padding="same", activation="tanh")(x)
    return keras.Model(image, output, name=name)


@keras.saving.register_keras_serializable(package="gdl")
class ImagePool(keras.layers.Layer):
    """Remembers the last `size` fakes; in training, swaps each new fake for an old one with probability 1/2."""

    def __init__(self, size=50, swap_probability=0.5, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.size = size
        self.swap_probability = swap_probability
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        self.images = self.add_weight(shape=(self.size, *input_shape[1:]), initializer="zeros",
                                      trainable=False, name="images")
        self.stored = self.add_weight(shape=(), initializer="zeros", trainable=False, name="stored")
        self.position = self.add_weight(shape=(), initializer="zeros", trainable=False, name="position")

    def call(self, fakes, training=False):
        if not training:
            return fakes
        fakes = ops.stop_gradient(fakes)
        batch = ops.shape(fakes)[0]
        # Which images to swap, and for which stored ones (only among those stored so far).
        pick = keras.random.uniform((batch,), seed=self.seed_generator)
        slot = ops.cast(ops.floor(pick * self.stored), "int32")
        swap = (keras.random.uniform((batch,), seed=self.seed_generator) < self.swap_probability)
        swap = ops.logical_and(swap, self.stored > 0)
        old = ops.take(self.images, ops.minimum(slot, self.size - 1), axis=0)
        mask = ops.reshape(ops.cast(swap, fakes.dtype), (-1,) + (1,) * (len(fakes.shape) - 1))
        shown = mask * old + (1.0 - mask) * fakes
        # Store the new fakes in a ring: the oldest stored images are overwritten first.
        where = (ops.cast(self.position, "int32") + ops.arange(batch)) % self.size
        self.images.assign(ops.scatter_update(self.images, ops.expand_dims(where, 1), fakes))
        self.position.assign(ops.cast(where[-1] + 1, "float32"))
        self.stored.assign(ops.minimum(self.stored + ops.cast(batch, "float32"), float(self.size)))
        return shown

    def get_config(self):
        return {**super().get_config(), "size": self.size, "swap_probability": self.swap_probability}


def patchgan_critic(image_shape, filters=32, name="critic"):
    """A PatchGAN critic: strided convolutions down to a grid of scores, one per image patch."""
    image = keras.Input(shape=image_shape)
    x = layers.Conv2D(filters, 4, strides=2, padding="same")(image)  # no normalisation on the first layer
    x = layers.LeakyReLU(0.2)(x)
    for multiple, stride in ((2, 2), (4, 1)):
        x = layers.Conv2D(filters * multiple, 4, strides=stride, padding="same", use_bias=False)(x)
        x = layers.GroupNormalization(groups=-1)(x)  # instance normalisation
        x = layers.LeakyReLU(0.2)(x)
    scores = layers.Conv2D(1, 4, padding="same")(x)  # no activation: least-squares scores
    return keras.Model(image, scores, name=name)


def cycle_generators(g_ab, g_ba, pool_size=50, seed=None):
    """The two generators as one model: from a batch of A and one of B, every image the losses need."""
    a = keras.Input(shape=g_ab.input_shape[1:], name="a")
    b = keras.Input(shape=g_ba.input_shape[1:], name="b")
    fake_b, fake_a = g_ab(a), g_ba(b)
    outputs = {
        "fake_a": fake_a, "fake_b": fake_b,
        "cycled_a": g_ba(fake_b), "cycled_b": g_ab(fake_a),   # A -> B -> A and B -> A -> B
        "same_a": g_ba(a), "same_b": g_ab(b),                 # identity: an A image given to B -> A
        "pooled_fake_a": ImagePool(pool_size, seed=seed, name="pool_a")(fake_a),
        "pooled_fake_b": ImagePool(pool_size, seed=None if seed is None else seed + 1, name="pool_b")(fake_b),
    }
    return keras.Model([a, b], outputs, name="generators")


def two_critics(d_a, d_b):
    """The two critics as one model: scores of an A batch by d_a and of a B batch by d_b."""
    a = keras.Input(shape=d_a.input_shape[1:], name="a")
    b = keras.Input(shape=d_b.input_shape[1:], name="b")
    return keras.Model([a, b], [d_a(a), d_b(b)], name="critics")


def mean_absolute(x, y):
    return ops.mean(ops.abs(x - y))


class CycleGAN(AdversarialModel):
    """AdversarialModel with CycleGAN's losses: least squares, cycle consistency, identity."""

    def __init__(self, generators, critics, cycle_weight=10.0, identity_weight=5.0, **kwargs):
        super().__init__(generators, critics, critic_loss=None, generator_loss=None, **kwargs)
        self.cycle_weight = cycle_weight
        self.identity_weight = identity_weight

    def generator_inputs(self, real, noise):
        return list(real)  # [a batch of A, a batch of B]; no noise

    def real_critic_inputs(self, real):
        return list(real)

    def fake_critic_inputs(self, generated, real):
        return [generated["fake_a"], generated["fake_b"]]

    def critic_step_fakes(self, generated, real):
        return [generated["pooled_fake_a"], generated["pooled_fake_b"]]

    def compute_critic_loss(self, real_scores, fake_scores, real, generated):
        # Least squares: real patches towards 1, fake patches towards 0; halved as in the paper.
        return sum(0.5 * (ops.mean(ops.square(r - 1.0)) + ops.mean(ops.square(f)))
                   for r, f in zip(real_scores, fake_scores))

    def compute_generator_loss(self, fake_scores, real, generated):
        a, b = real
        adversarial = sum(ops.mean(ops.square(f - 1.0)) for f in fake_scores)
        cycle = mean_absolute(a, generated["cycled_a"]) + mean_absolute(b, generated["cycled_b"])
        identity = mean_absolute(a, generated["same_a"]) + mean_absolute(b, generated["same_b"])
        return adversarial + self.cycle_weight * cycle + self.identity_weight * identity


@keras.saving.register_keras_serializable(package="gdl")
class ConstantThenLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """The learning rate stays at `rate` for `constant_steps` steps, then falls linearly to 0 over `decay_steps`."""

    def __init__(self, rate, constant_steps, decay_steps):
        self.rate, self.constant_steps, self.decay_steps = rate, constant_steps, decay_steps

    def __call__(self, step):
        past = ops.maximum(ops.cast(step, "float32") - self.constant_steps, 0.0)
        return self.rate * ops.maximum(1.0 - past / max(self.decay_steps, 1), 0.0)

    def get_config(self):
        return {"rate": self.rate, "constant_steps": self.constant_steps, "decay_steps": self.decay_steps}


# -- analysis (not part of the model) --------------------------------------------------------
def apply_model(model, images, batch_size=256) -> np.ndarray:
    """``model(images)`` in batches, as a NumPy array (no ``predict``: several models of
    different shapes called one after the other would make TensorFlow retrace and warn)."""
    parts = [ops.convert_to_numpy(model(images[i:i + batch_size], training=False))
             for i in range(0, len(images), batch_size)]
    return np.concatenate(parts)


def translation_scores(g_ab, g_ba, test_a, test_b, judge, class_a, class_b, to_judge,
                       allow_singular=False, batch_size=256) -> dict:
    """How well a pair of generators translates, measured with a judge classifier.

    ``test_a``, ``test_b``: real test images as the generators take them; ``to_judge`` turns
    generator-range images into what the judge takes. ``class_a``/``class_b``: the judge's
    class indices of the two domains. Returns a dict:

    - ``success_ab``: share of G_AB(test A) that the judge calls class B (and ``success_ba``);
      ``real_b_called_b`` / ``real_a_called_a`` (the judge on real images: the ceiling) and
      ``real_a_called_b`` / ``real_b_called_a`` (what an untouched image scores: the floor);
    - ``cycle_error_a``: mean absolute pixel error of A -> B -> A in [0, 1] pixel units (and
      ``cycle_error_b``); ``neighbour_error_a``: the same error between two different real A
      images, for scale;
    - ``frechet_ab``: Fréchet distance on the judge's features between G_AB(first half of test
      A) and the second half of real test B (``frechet_ba`` likewise); ``frechet_floor_b``:
      the first half of real test B against the same reference (what a perfect generator
      scores); ``frechet_untranslated_ab``: real test A against it (what leaving the images
      untouched scores). All use ``frechet_images`` images per side.
    """
    def run(model, images):
        return apply_model(model, images, batch_size)

    fake_b, fake_a = run(g_ab, test_a), run(g_ba, test_b)
    cycled_a, cycled_b = run(g_ba, fake_b), run(g_ab, fake_a)

    def verdicts(images):
        return run(judge, to_judge(images)).argmax(axis=1)

    def share(images, cls):
        return float(np.mean(verdicts(images) == cls))

    def pixel_error(x, y):  # images in [-1, 1] -> error in [0, 1] units
        return float(np.mean(np.abs(x - y)) / 2.0)

    features = feature_extractor(judge).model

    def stats(images):
        return feature_statistics(run(features, to_judge(images)), allow_singular=allow_singular)

    def fd(images, reference):
        return float(frechet_distance_from_statistics(*stats(images), *reference))

    rng = np.random.default_rng(0)
    # Every Fréchet distance compares `half` images with the same reference half of real B
    # (or A): the estimate depends on the sample size, so the floor uses the same size.
    half = min(len(test_a), len(test_b)) // 2
    reference_a, reference_b = stats(test_a[half:2 * half]), stats(test_b[half:2 * half])
    return {
        "success_ab": share(fake_b, class_b), "success_ba": share(fake_a, class_a),
        "real_b_called_b": share(test_b, class_b), "real_a_called_a": share(test_a, class_a),
        "real_a_called_b": share(test_a, class_b), "real_b_called_a": share(test_b, class_a),
        "cycle_error_a": pixel_error(test_a, cycled_a), "cycle_error_b": pixel_error(test_b, cycled_b),
        "neighbour_error_a": pixel_error(test_a, test_a[rng.permutation(len(test_a))]),
        "neighbour_error_b": pixel_error(test_b, test_b[rng.permutation(len(test_b))]),
        "frechet_ab": fd(fake_b[:half], reference_b), "frechet_ba": fd(fake_a[:half], reference_a),
        "frechet_floor_b": fd(test_b[:half], reference_b), "frechet_floor_a": fd(test_a[:half], reference_a),
        "frechet_untranslated_ab": fd(test_a[:half], reference_b),
        "frechet_untranslated_ba": fd(test_b[:half], reference_a),
        "frechet_images": half,
    }
