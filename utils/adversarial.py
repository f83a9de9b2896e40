"""Adversarial training (GANs) with plain ``fit()``, on TensorFlow and JAX.

The notebook defines the two networks and the two losses with ``keras.ops``;
:class:`AdversarialModel` does the gradient plumbing once for every backend:

- alternating updates: ``critic_steps`` critic updates, each on a fresh batch of real
  images, then one generator update (Algorithm 1 of the WGAN and WGAN-GP papers);
- two optimisers, ``compile(critic_optimizer=..., generator_optimizer=...)``;
- optional weight clipping of the critic (the original WGAN, ``clip_value=c``);
- optional gradient penalty (WGAN-GP, ``gradient_penalty_weight=10.0``), also usable on its
  own as :func:`gradient_penalty`;
- :func:`loss_and_gradients`, a loss and its gradients on either backend, for writing one
  training step out by hand (as 04_01 does before ``fit()`` takes over);
- :func:`input_gradient`, the gradient of a network's output with respect to its INPUT (the
  Langevin dynamics of the energy-based model in 10_03);
- logs ``critic_loss``, ``generator_loss`` (and ``gradient_penalty``) through
  ``keras.metrics.Mean`` trackers, so progress bars, ``History`` and ``CSVLogger`` work.

A DCGAN in a notebook::

    def critic_loss(real_scores, fake_scores):        # the discriminator's binary cross-entropy
        bce = keras.losses.binary_crossentropy
        return (ops.mean(bce(ops.ones_like(real_scores), real_scores, from_logits=True))
                + ops.mean(bce(ops.zeros_like(fake_scores), fake_scores, from_logits=True)))

    def generator_loss(fake_scores):                  # make the critic call the fakes real
        bce = keras.losses.binary_crossentropy
        return ops.mean(bce(ops.ones_like(fake_scores), fake_scores, from_logits=True))

    gan = AdversarialModel(generator, critic, latent_dim=100,
                           critic_loss=critic_loss, generator_loss=generator_loss)
    gan.compile(critic_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                generator_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    history = gan.fit(x_train, batch_size=128, epochs=EPOCHS, callbacks=[run.csv_logger()])
    images = gan.generator.predict(keras.random.normal((16, 100)))

A WGAN-GP changes only the losses and two arguments::

    gan = AdversarialModel(generator, critic, latent_dim=100,
                           critic_loss=lambda real, fake: ops.mean(fake) - ops.mean(real),
                           generator_loss=lambda fake: -ops.mean(fake),
                           critic_steps=5, gradient_penalty_weight=10.0)

What ``batch_size`` and an epoch mean: ``batch_size`` is the number of real images *per
critic step*, and an epoch is one pass over the data. To give each of the ``critic_steps``
critic updates its own real images, ``fit()`` hands the training step ``critic_steps``
batches at once (NumPy arrays: batches of ``batch_size * critic_steps``; a
``keras.utils.PyDataset``: ``critic_steps`` of its batches concatenated), and the step
splits them into ``critic_steps`` parts, one per critic update; the generator update uses
the last part (for its size and, in a conditional GAN, its labels). So an epoch has
``ceil(n / (batch_size * critic_steps))`` generator steps, ``steps_per_epoch`` counts
generator steps, and the last, smaller group of an epoch is split into equal parts
(reusing a few of its images when it does not divide evenly). Other inputs (a
``tf.data.Dataset``, a Python generator) are not regrouped: each of their batches is split
into ``critic_steps`` parts, so give them batches of ``critic_steps`` times the size wanted.

Both networks must already be built (a Functional or Sequential model with an ``Input``).
Only ``model.generator`` and ``model.critic`` are saved (``gan.generator.save(...)``);
the adversarial model itself holds Python loss functions and is not meant to be saved.

For conditional GANs or CycleGAN-style models, subclass and override the small hooks
:meth:`~AdversarialModel.generator_inputs`, :meth:`~AdversarialModel.real_critic_inputs`,
:meth:`~AdversarialModel.fake_critic_inputs`, :meth:`~AdversarialModel.critic_step_fakes`,
:meth:`~AdversarialModel.compute_critic_loss`
and :meth:`~AdversarialModel.compute_generator_loss` (all written with ``keras.ops``).

TensorFlow and JAX are supported; PyTorch is not (yet). TensorFlow and JAX are imported
lazily, so this module imports with only one of them installed.
"""

from __future__ import annotations

import numbers

import keras
import numpy as np
from keras import ops

__all__ = ["AdversarialModel", "gradient_penalty", "input_gradient", "interpolate", "loss_and_gradients"]

_EPSILON = 1e-12  # inside the square root of the gradient norm: keeps its gradient finite at 0


# -- the gradient penalty -------------------------------------------------------------------
def _first(inputs):
    """Split a critic input into the tensor that is interpolated and the rest (conditions)."""
    if isinstance(inputs, (list, tuple)):
        return inputs[0], list(inputs[1:])
    if isinstance(inputs, dict):
        raise TypeError("gradient_penalty: pass the critic's inputs as a tensor or a list, not a dict")
    return inputs, None


def _join(first, rest):
    return first if rest is None else [first, *rest]


def _random_alpha(x, seed):
    """One mixing weight per example, shaped to broadcast over ``x``: (batch, 1, 1, ...)."""
    shape = (ops.shape(x)[0],) + (1,) * (len(x.shape) - 1)
    return keras.random.uniform(shape, dtype=x.dtype, seed=seed)


def interpolate(real, fake, alpha):
    """``real + alpha * (fake - real)``: points on the straight lines between real and fake."""
    return real + alpha * (fake - real)


def _penalty_from_gradients(gradients):
    """``mean over the batch of (||gradient|| - 1)^2``, the norm taken per example."""
    axes = tuple(range(1, len(gradients.shape)))
    norms = ops.sqrt(ops.sum(ops.square(gradients), axis=axes) + _EPSILON)
    return ops.mean(ops.square(norms - 1.0))


def _sum_scores(scores):
    return sum(ops.sum(s) for s in keras.tree.flatten(scores))


def _penalty_tensorflow(critic, real, fake, alpha, training=True):
    import tensorflow as tf

    real_x, rest = _first(real)
    fake_x, _ = _first(fake)
    mixed = interpolate(real_x, ops.cast(fake_x, real_x.dtype), alpha)
    with tf.GradientTape() as tape:
        tape.watch(mixed)
        scores = critic(_join(mixed, rest), training=training)
        total = _sum_scores(scores)
    # An outer tape (the critic's update) records this gradient too: second-order terms.
    return _penalty_from_gradients(tape.gradient(total, mixed))


def _penalty_jax(critic, trainable, non_trainable, real, fake, alpha, training=True):
    """The penalty as a pure function of the critic's variable values (for ``jax.grad``)."""
    import jax

    real_x, rest = _first(real)
    fake_x, _ = _first(fake)
    mixed = interpolate(real_x, ops.cast(fake_x, real_x.dtype), alpha)

    def total_score(x):
        scores, _ = critic.stateless_call(trainable, non_trainable, _join(x, rest), training=training)
        return _sum_scores(scores)

    return _penalty_from_gradients(jax.grad(total_score)(mixed))


def gradient_penalty(critic, real, fake, alpha=None, seed=None, training=True):
    """The WGAN-GP gradient penalty of ``critic`` between a real and a fake batch.

    Notebook 04_03 teaches it: it calls this function on a real and a fake batch, then
    trains with ``AdversarialModel(..., gradient_penalty_weight=10.0)``, which adds
    ``10 * gradient_penalty(...)`` to the critic's loss in every critic step.

    Each example is mixed, ``x = real + alpha * (fake - real)`` with ``alpha ~ U(0, 1)``
    drawn per example (or given), and the penalty is ``mean((||d critic(x) / dx|| - 1)^2)``:
    it pushes the critic towards slope 1 along the lines between real and fake data,
    the soft form of the 1-Lipschitz constraint a Wasserstein critic needs.

    For a critic with several inputs (an image and a condition), pass lists: only the first
    input is mixed and differentiated, the others are taken from ``real``. Runs eagerly
    with the critic's current weights; :class:`AdversarialModel` uses the same code inside
    its training step, where the penalty is differentiated again for the critic's update.
    """
    real = keras.tree.map_structure(ops.convert_to_tensor, real)
    fake = keras.tree.map_structure(ops.convert_to_tensor, fake)
    real_x, _ = _first(real)
    if alpha is None:
        alpha = _random_alpha(real_x, seed)
    name = keras.backend.backend()
    if name == "tensorflow":
        return _penalty_tensorflow(critic, real, fake, alpha, training)
    if name == "jax":
        return _penalty_jax(critic, [v.value for v in critic.trainable_variables],
                            [v.value for v in critic.non_trainable_variables],
                            real, fake, alpha, training)
    raise NotImplementedError(f"gradient_penalty supports TensorFlow and JAX, not {name!r}")


# -- the gradient with respect to the input ---------------------------------------------------
def input_gradient(fn, x):
    """The gradient of ``sum(fn(x))`` with respect to the input ``x``: a tensor shaped like ``x``.

    For models that move their *inputs* downhill, e.g. the Langevin dynamics of an energy-based
    model (10_03): ``x = x - step_size * input_gradient(energy, x) + noise``. ``fn`` maps a batch
    to one number per example (an energy, a score); the examples are independent, so the
    gradient of the sum holds each example's own gradient. ``fn``'s weights are constants here
    (nothing is differentiated with respect to them).

    Works eagerly and inside compiled code (``predict``, ``fit``, ``ops.fori_loop``) on both
    backends: on TensorFlow a ``tf.GradientTape`` watches ``x``; on JAX ``jax.grad`` of the
    summed output. It is the only backend-specific line an energy-based model needs.
    """
    x = ops.convert_to_tensor(x)
    if not keras.backend.is_float_dtype(x.dtype):
        raise TypeError(f"input_gradient: x must hold floats (a gradient needs them), got {x.dtype}")
    name = keras.backend.backend()
    if name == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(x)
            total = ops.sum(fn(x))
        return tape.gradient(total, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    if name == "jax":
        import jax

        return jax.grad(lambda inputs: ops.sum(fn(inputs)))(x)
    raise NotImplementedError(f"input_gradient supports TensorFlow and JAX, not {name!r}")


# -- one training step written out by hand ---------------------------------------------------
class _RecordingScope(keras.StatelessScope):
    """A StatelessScope that also remembers which variables were assigned inside it."""

    def __init__(self, state_mapping):
        super().__init__(state_mapping=state_mapping)
        self.assigned = {}

    def add_update(self, update):
        super().add_update(update)
        self.assigned[id(update[0])] = update[0]


def _check_scalar(loss):
    if len(ops.shape(loss)) != 0:
        raise ValueError("loss_and_gradients: loss_fn must return one number (a scalar), got a "
                         f"tensor of shape {tuple(ops.shape(loss))}; reduce it, e.g. ops.mean(...)")
    return loss


def _loss_and_gradients_tensorflow(loss_fn, variables):
    import tensorflow as tf

    with tf.GradientTape() as tape:
        for v in variables:
            tape.watch(v.value)  # also non-trainable ones, if asked for
        loss = _check_scalar(loss_fn())
    grads = tape.gradient(loss, [v.value for v in variables],
                          unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return loss, list(grads)


def _loss_and_gradients_jax(loss_fn, variables):
    import jax

    assigned = {}

    def pure_loss(values):
        """The loss as a function of the variables' values: what jax.value_and_grad needs."""
        with _RecordingScope(list(zip(variables, values))) as scope:
            loss = _check_scalar(loss_fn())
        assigned.update(scope.assigned)
        # Values assigned inside loss_fn (batch-norm statistics, seed states) leave as aux.
        updates = {key: scope.get_current_value(v) for key, v in scope.assigned.items()}
        return loss, updates

    (loss, updates), grads = jax.value_and_grad(pure_loss, has_aux=True)(
        [v.value for v in variables])
    for key, value in updates.items():
        assigned[key].assign(value)
    return loss, list(grads)


def loss_and_gradients(loss_fn, variables):
    """Run ``loss_fn()`` and return ``(loss, gradients)``: the loss and its gradient for each variable.

    The gradient step of any Keras model, written once for TensorFlow and JAX, so that a
    notebook (04_01) can show one GAN training step as plain code before
    :class:`AdversarialModel` takes over::

        loss, grads = loss_and_gradients(
            lambda: critic_loss(critic(real, training=True), critic(fake, training=True)),
            critic.trainable_variables)
        critic_optimizer.apply(grads, critic.trainable_variables)

    ``loss_fn``: a function of no arguments that returns a scalar, computed with
    ``keras.ops`` and the models' current weights. ``variables``: the Keras variables to
    differentiate with respect to (usually ``model.trainable_variables``). ``gradients`` is a
    list in the same order, with zeros for variables the loss does not depend on; ``loss``
    is a backend scalar (``float(loss)`` prints it).

    How: on TensorFlow a ``tf.GradientTape`` records ``loss_fn()``; on JAX the call runs inside
    a ``keras.StatelessScope`` that feeds ``variables`` their values, as the argument of
    ``jax.value_and_grad``. Values that ``loss_fn`` assigns to other variables (batch-norm
    moving statistics with ``training=True``, a layer's dropout seed) are written back
    afterwards on both backends.

    What it does not do: it runs eagerly, one call per step, so it is slow next to
    ``fit()`` (:class:`AdversarialModel` compiles the same step); it applies no update (pass
    the gradients to an optimiser's ``apply``); it gives no second-order gradients (the
    gradient of a gradient, as WGAN-GP's update needs); and on JAX ``loss_fn`` may not use unseeded random
    ops (``keras.random.normal(shape)`` without ``seed=``: draw noise before the call instead).
    """
    variables = list(variables)
    for v in variables:
        if not isinstance(v, keras.Variable):
            raise TypeError("loss_and_gradients: variables must be Keras variables, got "
                            f"{type(v).__name__}; to differentiate with respect to a tensor x, "
                            "wrap it: keras.Variable(x, trainable=False)")
    if not variables:
        raise ValueError("loss_and_gradients: no variables to differentiate with respect to "
                         "(is the model built, and model.trainable True?)")
    name = keras.backend.backend()
    if name == "tensorflow":
        return _loss_and_gradients_tensorflow(loss_fn, variables)
    if name == "jax":
        return _loss_and_gradients_jax(loss_fn, variables)
    raise NotImplementedError(f"loss_and_gradients supports TensorFlow and JAX, not {name!r}")


# -- two optimisers behind ``model.optimizer`` ----------------------------------------------
class _OptimizerPair:
    """What ``fit()`` sees as ``model.optimizer``: the critic's and the generator's optimisers.

    ``variables`` lists both (critic first), which is how the JAX trainer threads their state
    through its compiled step; ``optimizers`` lets Keras's learning-rate callbacks
    (``LearningRateScheduler``, ``ReduceLROnPlateau``) update both; ``iterations`` counts
    generator steps (e.g. for TensorBoard).
    """

    def __init__(self, critic_optimizer, generator_optimizer, critic, generator):
        self.critic_optimizer = critic_optimizer
        self.generator_optimizer = generator_optimizer
        self._critic = critic
        self._generator = generator

    @property
    def optimizers(self):
        return [self.critic_optimizer, self.generator_optimizer]

    @property
    def built(self):
        return self.critic_optimizer.built and self.generator_optimizer.built

    def build(self, var_list=None):
        if not self.critic_optimizer.built:
            self.critic_optimizer.build(self._critic.trainable_variables)
        if not self.generator_optimizer.built:
            self.generator_optimizer.build(self._generator.trainable_variables)

    @property
    def variables(self):
        return list(self.critic_optimizer.variables) + list(self.generator_optimizer.variables)

    @property
    def iterations(self):
        return self.generator_optimizer.iterations

    def __repr__(self):
        return (f"<optimizers: critic {self.critic_optimizer.name}, "
                f"generator {self.generator_optimizer.name}>")


# -- critic_steps real batches per training step ----------------------------------------------
def _is_array_data(x):
    """True for arrays (NumPy, backend tensors) or nested lists/tuples/dicts of them, which
    ``fit`` batches itself (so ``batch_size`` applies); False for datasets and generators."""
    leaves = keras.tree.flatten(x)
    return bool(leaves) and all(hasattr(leaf, "shape") and hasattr(leaf, "dtype") for leaf in leaves)


class _GroupedBatches(keras.utils.PyDataset):
    """A PyDataset whose batch ``i`` is batches ``i*k`` to ``i*k + k - 1`` of another, concatenated."""

    def __init__(self, dataset, k):
        super().__init__(workers=dataset.workers, use_multiprocessing=dataset.use_multiprocessing,
                         max_queue_size=dataset.max_queue_size)
        self.dataset, self.k = dataset, int(k)

    @property
    def num_batches(self):
        n = self.dataset.num_batches
        return None if n is None else -(-n // self.k)

    def __len__(self):
        return self.num_batches

    def __getitem__(self, index):
        n = self.dataset.num_batches
        stop = (index + 1) * self.k if n is None else min((index + 1) * self.k, n)
        if index < 0 or index * self.k >= stop:
            raise IndexError(f"batch {index} of {self.num_batches}")
        batches = [self.dataset[i] for i in range(index * self.k, stop)]
        return keras.tree.map_structure(lambda *parts: np.concatenate(parts, axis=0), *batches)

    def on_epoch_begin(self):
        self.dataset.on_epoch_begin()

    def on_epoch_end(self):
        self.dataset.on_epoch_end()


# -- the model ------------------------------------------------------------------------------
class AdversarialModel(keras.Model):
    """A generator and a critic (discriminator) trained against each other by ``fit()``.

    Args:
        generator: a built Keras model, latent vectors -> samples.
        critic: a built Keras model, samples -> scores (logits for a DCGAN
            discriminator, unbounded for a Wasserstein critic).
        critic_loss: ``critic_loss(real_scores, fake_scores) -> scalar``, in ``keras.ops``.
        generator_loss: ``generator_loss(fake_scores) -> scalar``, in ``keras.ops``.
        latent_dim: size (int) or shape (tuple) of the generator's noise input, or a list
            of them for a generator with several noise inputs; ``None`` draws no noise
            (override :meth:`generator_inputs`, e.g. for CycleGAN).
        critic_steps: critic updates per generator update (per batch); 5 for a WGAN.
        clip_value: if set, clip every critic weight to ``[-clip_value, clip_value]``
            after each critic update (the original WGAN).
        gradient_penalty_weight: if > 0, add this times :func:`gradient_penalty` to the
            critic's loss (WGAN-GP, usually 10).
        seed: seed of the noise (latent vectors and penalty mixing weights).

    ``fit(x)`` takes the real samples (NumPy arrays, a ``tf.data.Dataset`` or a
    ``keras.utils.PyDataset``); labels given as ``y`` are ignored. A conditional GAN passes
    ``fit((images, labels))``: the hooks then receive ``real`` as that pair.
    ``fit(x, batch_size=b)``: ``b`` real images per critic update, a fresh batch for each of
    the ``critic_steps`` updates (and fresh noise), one pass over ``x`` per epoch (see the
    module docstring for how batches are grouped). Both networks run with ``training=True`` during training
    (batch normalisation uses batch statistics). Logged per epoch: ``critic_loss``
    (without the penalty), ``generator_loss`` and, when used, ``gradient_penalty``
    (unweighted); with ``critic_steps > 1`` the critic's number averages all its updates.
    """

    def __init__(self, generator, critic, critic_loss, generator_loss, latent_dim=None,
                 critic_steps: int = 1, clip_value: float | None = None,
                 gradient_penalty_weight: float = 0.0, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if int(critic_steps) < 1:
            raise ValueError(f"critic_steps must be at least 1, got {critic_steps}")
        if clip_value is not None and clip_value <= 0:
            raise ValueError(f"clip_value must be positive, got {clip_value}")
        if gradient_penalty_weight < 0:
            raise ValueError(f"gradient_penalty_weight must be >= 0, got {gradient_penalty_weight}")
        self.generator = generator
        self.critic = critic
        self.critic_loss_fn = critic_loss
        self.generator_loss_fn = generator_loss
        self.latent_dim = latent_dim
        self.critic_steps = int(critic_steps)
        self.clip_value = None if clip_value is None else float(clip_value)
        self.gradient_penalty_weight = float(gradient_penalty_weight)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.critic_loss_tracker = keras.metrics.Mean(name="critic_loss")
        self.generator_loss_tracker = keras.metrics.Mean(name="generator_loss")
        self.gradient_penalty_tracker = keras.metrics.Mean(name="gradient_penalty")
        # The two networks hold all the weights and are built already: nothing to build here.
        self.built = True

    # -- what fit() and callbacks see ---------------------------------------------------
    @property
    def metrics(self):
        trackers = [self.critic_loss_tracker, self.generator_loss_tracker]
        if self.gradient_penalty_weight > 0:
            trackers.append(self.gradient_penalty_tracker)
        return trackers

    def compile(self, critic_optimizer, generator_optimizer, **kwargs):
        """Set the two optimisers (two distinct instances). Other keyword arguments
        (``run_eagerly``, ``jit_compile``, ``steps_per_execution``) go to ``Model.compile``."""
        for bad in ("optimizer", "loss", "metrics"):
            if bad in kwargs:
                raise TypeError(f"AdversarialModel.compile() takes no {bad!r}: the losses are "
                                "given to the model, the optimisers as critic_optimizer= "
                                "and generator_optimizer=")
        critic_optimizer = keras.optimizers.get(critic_optimizer)
        generator_optimizer = keras.optimizers.get(generator_optimizer)
        if critic_optimizer is generator_optimizer:
            raise ValueError("Give the critic and the generator two separate optimizer instances.")
        for role, net in (("generator", self.generator), ("critic", self.critic)):
            if not net.built:
                raise ValueError(f"The {role} is not built: define it with keras.Input (Functional "
                                 "or Sequential) or call it once on a batch before compiling.")
            if not net.trainable_variables:
                raise ValueError(f"The {role} has no trainable weights (is {role}.trainable False?).")
        super().compile(optimizer=generator_optimizer, **kwargs)
        self.critic_optimizer = critic_optimizer
        self.generator_optimizer = generator_optimizer
        self.optimizer = _OptimizerPair(critic_optimizer, generator_optimizer,
                                        self.critic, self.generator)

    def call(self, inputs, training=False):
        """``model(z)`` and ``model.predict(z)`` run the generator."""
        return self.generator(inputs, training=training)

    def fit(self, x=None, y=None, batch_size=None, *args, **kwargs):
        """``Model.fit`` with ``batch_size`` = real images per critic step; one epoch = one pass.

        Each training step receives ``critic_steps`` batches at once (arrays: a batch of
        ``batch_size * critic_steps``; a PyDataset: ``critic_steps`` consecutive batches) and
        gives every critic update its own part.
        """
        k = self.critic_steps
        if k > 1:
            if isinstance(x, keras.utils.PyDataset):
                x = _GroupedBatches(x, k)
            elif _is_array_data(x):
                batch_size = (32 if batch_size is None else int(batch_size)) * k
        return super().fit(x, y, batch_size, *args, **kwargs)

    def split_real(self, real):
        """Split one incoming batch into ``critic_steps`` parts of equal size, one per critic step.

        A batch of ``critic_steps * b`` gives the consecutive parts ``[0, b)``, ``[b, 2b)``, ...;
        a smaller one (the last of an epoch) gives parts of ``ceil(n / critic_steps)``, taken
        cyclically, so a few images appear twice. Works on nested structures (images, labels).
        """
        k = self.critic_steps
        if k == 1:
            return [real]
        n = self._batch_size(real)
        size = (n + k - 1) // k
        parts = []
        for i in range(k):
            index = (ops.arange(size) + i * size) % n
            parts.append(keras.tree.map_structure(lambda t: ops.take(t, index, axis=0), real))
        return parts

    # -- hooks (override for conditional or image-to-image GANs) --------------------------
    def sample_noise(self, batch_size):
        """Latent vectors for one batch: standard normal of shape ``(batch,) + latent_dim``."""
        if self.latent_dim is None:
            return None
        if isinstance(self.latent_dim, list):
            return [self._normal(batch_size, dim) for dim in self.latent_dim]
        return self._normal(batch_size, self.latent_dim)

    def _normal(self, batch_size, dim):
        shape = (int(dim),) if isinstance(dim, numbers.Integral) else tuple(dim)
        return keras.random.normal((batch_size, *shape), seed=self.seed_generator)

    def generator_inputs(self, real, noise):
        """What the generator is called on: the noise (a conditional GAN adds the labels)."""
        return noise

    def real_critic_inputs(self, real):
        """What the critic scores as real: the real batch."""
        return real

    def fake_critic_inputs(self, generated, real):
        """What the critic scores as fake: the generator's output."""
        return generated

    def critic_step_fakes(self, generated, real):
        """What the critic's *own update* scores as fake; by default :meth:`fake_critic_inputs`.

        The generator's update always scores :meth:`fake_critic_inputs` (its gradient must
        reach the generator). CycleGAN overrides this hook to show the critic fakes from a
        pool of earlier ones (Shrivastava et al., 2017), which steadies the critic.
        """
        return self.fake_critic_inputs(generated, real)

    def compute_critic_loss(self, real_scores, fake_scores, real, generated):
        """The critic's loss (without the penalty); by default ``critic_loss(real, fake)``."""
        return self.critic_loss_fn(real_scores, fake_scores)

    def compute_generator_loss(self, fake_scores, real, generated):
        """The generator's loss; by default ``generator_loss(fake_scores)``."""
        return self.generator_loss_fn(fake_scores)

    # -- training step ----------------------------------------------------------------------
    def train_step(self, *args):
        name = keras.backend.backend()
        if name == "tensorflow":
            return self._train_step_tensorflow(*args)
        if name == "jax":
            return self._train_step_jax(*args)
        raise NotImplementedError(f"AdversarialModel supports TensorFlow and JAX, not {name!r}")

    def test_step(self, *args):
        raise NotImplementedError("AdversarialModel has no validation step: a GAN's losses on "
                                  "held-out data say little. Measure samples instead (e.g. "
                                  "utils.frechet) in a callback or after fit().")

    def _real_batch(self, data):
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        return x

    def _batch_size(self, real):
        return ops.shape(keras.tree.flatten(real)[0])[0]

    def _alpha(self, real):
        real_x, _ = _first(self.real_critic_inputs(real))
        return _random_alpha(real_x, self.seed_generator)

    def _train_step_tensorflow(self, data):
        import tensorflow as tf

        parts = self.split_real(self._real_batch(data))
        batch_size = self._batch_size(parts[0])
        critic_vars = self.critic.trainable_variables
        generator_vars = self.generator.trainable_variables
        for real in parts:  # a fresh real batch for every critic step
            noise = self.sample_noise(batch_size)
            generated = self.generator(self.generator_inputs(real, noise), training=True)
            real_in = self.real_critic_inputs(real)
            fake_in = self.critic_step_fakes(generated, real)
            with tf.GradientTape() as tape:
                real_scores = self.critic(real_in, training=True)
                fake_scores = self.critic(fake_in, training=True)
                loss = self.compute_critic_loss(real_scores, fake_scores, real, generated)
                total = loss
                if self.gradient_penalty_weight > 0:
                    penalty = _penalty_tensorflow(self.critic, real_in, fake_in, self._alpha(real))
                    total = loss + self.gradient_penalty_weight * penalty
            grads = tape.gradient(total, critic_vars)
            self.critic_optimizer.apply(grads, critic_vars)
            if self.clip_value is not None:
                for v in critic_vars:
                    v.assign(ops.clip(v, -self.clip_value, self.clip_value))
            self.critic_loss_tracker.update_state(loss)
            if self.gradient_penalty_weight > 0:
                self.gradient_penalty_tracker.update_state(penalty)

        real = parts[-1]  # the generator step: the last part's size (and labels, if any)
        noise = self.sample_noise(batch_size)
        with tf.GradientTape() as tape:
            generated = self.generator(self.generator_inputs(real, noise), training=True)
            fake_scores = self.critic(self.fake_critic_inputs(generated, real), training=True)
            loss = self.compute_generator_loss(fake_scores, real, generated)
        grads = tape.gradient(loss, generator_vars)
        self.generator_optimizer.apply(grads, generator_vars)
        self.generator_loss_tracker.update_state(loss)
        return {m.name: m.result() for m in self.metrics}

    def _train_step_jax(self, state, data):
        # JAX is functional: every variable value comes in through `state` and every new
        # value (weights, batch-norm statistics, random seeds, optimiser slots, metric
        # totals) must go out through the returned state, in the same order.
        import jax

        trainable, non_trainable, optimizer_values, metric_values = state
        values = {}
        for v, value in zip(self.trainable_variables, trainable):
            values[id(v)] = value
        for v, value in zip(self.non_trainable_variables, non_trainable):
            values[id(v)] = value

        def get(variables):
            return [values[id(v)] for v in variables]

        def put(variables, new_values):
            for v, value in zip(variables, new_values):
                values[id(v)] = value

        seed_variable = self.seed_generator.state

        def with_seed(seed, draw):
            """Run a random draw statelessly: returns (result, next seed state)."""
            with keras.StatelessScope(state_mapping=[(seed_variable, seed)]) as scope:
                result = draw()
            return result, scope.get_current_value(seed_variable)

        n_critic_opt = len(self.critic_optimizer.variables)
        generator, critic = self.generator, self.critic
        parts = self.split_real(self._real_batch(data))
        batch_size = self._batch_size(parts[0])
        use_penalty = self.gradient_penalty_weight > 0
        generator_trainable = get(generator.trainable_variables)

        def critic_step(real, carry):
            """One critic update on the real batch `real`, a pure function of `carry`."""
            c_trainable, c_non_trainable, g_non_trainable, seed, c_opt, loss_sum, penalty_sum = carry
            noise, seed = with_seed(seed, lambda: self.sample_noise(batch_size))
            alpha = None
            if use_penalty:
                alpha, seed = with_seed(seed, lambda: self._alpha(real))
            generated, g_non_trainable = generator.stateless_call(
                generator_trainable, g_non_trainable, self.generator_inputs(real, noise),
                training=True)
            real_in = self.real_critic_inputs(real)
            fake_in = self.critic_step_fakes(generated, real)

            def objective(c_trainable, c_non_trainable):
                real_scores, c_non_trainable = critic.stateless_call(
                    c_trainable, c_non_trainable, real_in, training=True)
                fake_scores, c_non_trainable = critic.stateless_call(
                    c_trainable, c_non_trainable, fake_in, training=True)
                loss = self.compute_critic_loss(real_scores, fake_scores, real, generated)
                penalty = ops.zeros((), "float32")
                total = loss
                if use_penalty:
                    penalty = _penalty_jax(critic, c_trainable, c_non_trainable,
                                           real_in, fake_in, alpha)
                    total = loss + self.gradient_penalty_weight * penalty
                return total, (loss, penalty, c_non_trainable)

            (_, (loss, penalty, c_non_trainable)), grads = jax.value_and_grad(
                objective, has_aux=True)(c_trainable, c_non_trainable)
            c_trainable, c_opt = self.critic_optimizer.stateless_apply(c_opt, grads, c_trainable)
            if self.clip_value is not None:
                c_trainable = [ops.clip(v, -self.clip_value, self.clip_value) for v in c_trainable]
            return (c_trainable, c_non_trainable, g_non_trainable, seed, c_opt,
                    loss_sum + ops.cast(loss, "float32"), penalty_sum + ops.cast(penalty, "float32"))

        carry = (get(critic.trainable_variables), get(critic.non_trainable_variables),
                 get(generator.non_trainable_variables), values[id(seed_variable)],
                 list(optimizer_values[:n_critic_opt]),
                 ops.zeros((), "float32"), ops.zeros((), "float32"))
        # A Python loop: the k critic steps are unrolled into one compiled function (measured
        # faster on CPU than jax.lax.fori_loop, both to compile and to run).
        for real in parts:  # a fresh real batch for every critic step
            carry = critic_step(real, carry)
        c_trainable, c_non_trainable, g_non_trainable, seed, critic_opt, loss_sum, penalty_sum = carry
        put(critic.trainable_variables, c_trainable)
        put(critic.non_trainable_variables, c_non_trainable)
        put(generator.non_trainable_variables, g_non_trainable)
        values[id(seed_variable)] = seed

        real = parts[-1]  # the generator step: the last part's size (and labels, if any)
        noise, values[id(seed_variable)] = with_seed(
            values[id(seed_variable)], lambda: self.sample_noise(batch_size))

        def generator_objective(g_trainable, g_non_trainable, c_non_trainable):
            generated, g_non_trainable = generator.stateless_call(
                g_trainable, g_non_trainable, self.generator_inputs(real, noise), training=True)
            fake_scores, c_non_trainable = critic.stateless_call(
                c_trainable, c_non_trainable, self.fake_critic_inputs(generated, real),
                training=True)
            loss = self.compute_generator_loss(fake_scores, real, generated)
            return loss, (g_non_trainable, c_non_trainable)

        (generator_loss, (g_nt, c_nt)), grads = jax.value_and_grad(generator_objective, has_aux=True)(
            generator_trainable, get(generator.non_trainable_variables),
            get(critic.non_trainable_variables))
        new_trainable, generator_opt = self.generator_optimizer.stateless_apply(
            list(optimizer_values[n_critic_opt:]), grads, generator_trainable)
        put(generator.trainable_variables, new_trainable)
        put(generator.non_trainable_variables, g_nt)
        put(critic.non_trainable_variables, c_nt)

        # Metrics: update the trackers inside a stateless scope and read their new totals.
        # The critic's k losses enter as their mean with weight k (the same as k updates).
        k = float(self.critic_steps)
        mapping = list(zip(self.metrics_variables, metric_values))
        with keras.StatelessScope(state_mapping=mapping) as scope:
            self.critic_loss_tracker.update_state(loss_sum / k, sample_weight=k)
            if use_penalty:
                self.gradient_penalty_tracker.update_state(penalty_sum / k, sample_weight=k)
            self.generator_loss_tracker.update_state(generator_loss)
            logs = {m.name: m.result() for m in self.metrics}
        new_metric_values = []
        for v, old in mapping:
            new = scope.get_current_value(v)
            new_metric_values.append(old if new is None else new)

        state = (get(self.trainable_variables), get(self.non_trainable_variables),
                 list(critic_opt) + list(generator_opt), new_metric_values)
        return logs, state
