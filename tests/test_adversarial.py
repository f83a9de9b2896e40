"""Adversarial training in ``utils.adversarial`` (run under KERAS_BACKEND=tensorflow and jax).

The networks are tiny dense models on 1-D or 2-D data so that every test takes seconds.
"""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from keras import layers, ops  # noqa: E402

from utils import adversarial  # noqa: E402
from utils.adversarial import AdversarialModel, gradient_penalty, loss_and_gradients  # noqa: E402

if keras.backend.backend() not in ("tensorflow", "jax"):
    pytest.skip("AdversarialModel supports TensorFlow and JAX", allow_module_level=True)

LATENT = 4


def _numpy(x):
    return np.asarray(ops.convert_to_numpy(x))


def bce_critic_loss(real_scores, fake_scores):
    bce = keras.losses.binary_crossentropy
    return (ops.mean(bce(ops.ones_like(real_scores), real_scores, from_logits=True))
            + ops.mean(bce(ops.zeros_like(fake_scores), fake_scores, from_logits=True)))


def bce_generator_loss(fake_scores):
    bce = keras.losses.binary_crossentropy
    return ops.mean(bce(ops.ones_like(fake_scores), fake_scores, from_logits=True))


def wasserstein_critic_loss(real_scores, fake_scores):
    return ops.mean(fake_scores) - ops.mean(real_scores)


def wasserstein_generator_loss(fake_scores):
    return -ops.mean(fake_scores)


def make_generator(out_dim=1, batch_norm=False):
    inputs = keras.Input((LATENT,))
    x = layers.Dense(16, activation="relu")(inputs)
    if batch_norm:
        x = layers.BatchNormalization(name="bn")(x)
    return keras.Model(inputs, layers.Dense(out_dim)(x), name="generator")


def make_critic(in_dim=1, dropout=False, initializer="glorot_uniform"):
    inputs = keras.Input((in_dim,))
    x = layers.Dense(16, activation="relu", kernel_initializer=initializer)(inputs)
    if dropout:
        x = layers.Dropout(0.2, seed=3)(x)
    return keras.Model(inputs, layers.Dense(1, kernel_initializer=initializer)(x), name="critic")


def real_data(n, seed=0):
    """The tiny problem: real samples from N(3, 0.5^2)."""
    return np.random.default_rng(seed).normal(3.0, 0.5, size=(n, 1)).astype("float32")


# -- one trained WGAN-GP with batch norm, dropout and 2 critic steps, shared by several tests --
# 64 samples, 16 per critic step, 2 critic steps: 2 generator steps of 32 images per epoch.
EPOCHS, N_REAL, BATCH, CRITIC_STEPS = 2, 64, 16, 2
GENERATOR_STEPS = N_REAL // (BATCH * CRITIC_STEPS)  # per epoch: one pass over the data


@pytest.fixture(scope="module")
def trained():
    keras.utils.set_random_seed(1)
    generator, critic = make_generator(batch_norm=True), make_critic(dropout=True)
    model = AdversarialModel(generator, critic, wasserstein_critic_loss, wasserstein_generator_loss,
                             latent_dim=LATENT, critic_steps=CRITIC_STEPS,
                             gradient_penalty_weight=10.0, seed=7)
    model.compile(critic_optimizer=keras.optimizers.Adam(1e-3),
                  generator_optimizer=keras.optimizers.Adam(1e-3))
    seed_before = _numpy(model.seed_generator.state.value).copy()
    z = np.random.default_rng(5).normal(size=(6, LATENT)).astype("float32")
    seen = []  # what a callback sees when it samples the generator at the end of an epoch
    sampler = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(model.generator.predict(z, verbose=0)))
    history = model.fit(real_data(N_REAL), batch_size=BATCH, epochs=EPOCHS, verbose=0, callbacks=[sampler])
    return {"model": model, "history": history.history, "seen": seen, "z": z,
            "seed_before": seed_before}


def test_each_network_takes_its_number_of_optimizer_steps(trained):
    model = trained["model"]
    assert int(_numpy(model.critic_optimizer.iterations)) == EPOCHS * GENERATOR_STEPS * CRITIC_STEPS
    assert int(_numpy(model.generator_optimizer.iterations)) == EPOCHS * GENERATOR_STEPS


def test_history_has_finite_losses_per_epoch(trained):
    history = trained["history"]
    assert set(history) == {"critic_loss", "generator_loss", "gradient_penalty"}
    for key, values in history.items():
        assert len(values) == EPOCHS, key
        assert np.isfinite(values).all(), (key, values)
    assert all(v >= 0 for v in history["gradient_penalty"])


def test_training_carries_batch_norm_statistics_and_the_noise_seed(trained):
    """The batch-norm moving averages and the seed state are updated (JAX: returned by the step)."""
    model = trained["model"]
    moving_mean = _numpy(model.generator.get_layer("bn").moving_mean.value)
    assert np.abs(moving_mean).max() > 1e-3
    assert not np.array_equal(_numpy(model.seed_generator.state.value), trained["seed_before"])


def test_trained_generator_predicts_and_saves(trained, tmp_path):
    model, z = trained["model"], trained["z"]
    images = model.generator.predict(z, verbose=0)
    assert images.shape == (6, 1) and np.isfinite(images).all()
    np.testing.assert_allclose(model.predict(z, verbose=0), images, rtol=1e-5, atol=1e-6)
    # A callback sampling the generator after the last epoch saw the final weights.
    np.testing.assert_allclose(trained["seen"][-1], images, rtol=1e-5, atol=1e-6)
    assert model.critic.predict(images, verbose=0).shape == (6, 1)
    path = tmp_path / "generator.keras"
    model.generator.save(path)
    np.testing.assert_allclose(keras.models.load_model(path).predict(z, verbose=0), images,
                               rtol=1e-5, atol=1e-6)


# -- a fresh real batch for every critic step (Algorithm 1 of WGAN and WGAN-GP) ----------------
def mean_reader_gan(critic_steps, lr=0.01):
    """A critic f(x) = w * x with loss -mean(f(real)): each SGD step adds lr * mean(real batch) to w.

    So after one generator step, w - w0 = lr * (sum over critic steps of the mean of the real
    images that step saw).
    """
    inputs = keras.Input((1,))
    dense = layers.Dense(1, use_bias=False, name="w")
    critic = keras.Model(inputs, dense(inputs))
    dense.set_weights([np.zeros((1, 1), "float32")])
    model = AdversarialModel(make_generator(), critic,
                             critic_loss=lambda real, fake: -ops.mean(real) + 0.0 * ops.mean(fake),
                             generator_loss=wasserstein_generator_loss, latent_dim=LATENT,
                             critic_steps=critic_steps, seed=0)
    model.compile(critic_optimizer=keras.optimizers.SGD(lr), generator_optimizer=keras.optimizers.SGD(lr))
    return model, dense


class ConstantBatches(keras.utils.PyDataset):
    """Batch i holds `size` copies of values[i]."""

    def __init__(self, values, size):
        super().__init__()
        self.values, self.size = values, size

    def __len__(self):
        return len(self.values)

    def __getitem__(self, i):
        return np.full((self.size, 1), self.values[i], "float32")


@pytest.mark.parametrize("source", ["arrays", "pydataset"])
def test_each_critic_step_sees_different_real_images(source):
    """Real batches of 1s, 10s and 100s: w grows by lr * 111 only if each step saw its own batch
    (the same batch three times would give 3, 30 or 300)."""
    model, dense = mean_reader_gan(critic_steps=3)
    values, size = [1.0, 10.0, 100.0], 4
    if source == "arrays":
        x = np.repeat(np.array(values, "float32"), size)[:, None]  # 12 rows, in order
        model.fit(x, batch_size=size, epochs=1, shuffle=False, verbose=0)
    else:
        model.fit(ConstantBatches(values, size), epochs=1, verbose=0)
    assert int(_numpy(model.generator_optimizer.iterations)) == 1, "12 images = 3 critic steps of 4"
    assert int(_numpy(model.critic_optimizer.iterations)) == 3
    assert dense.get_weights()[0][0, 0] == pytest.approx(0.01 * 111.0, rel=1e-4)


def test_an_epoch_is_one_pass_and_a_short_last_batch_is_split_evenly():
    model, dense = mean_reader_gan(critic_steps=3)
    x = np.ones((30, 1), "float32")  # batches of 4 * 3 = 12: two full groups and one of 6
    model.fit(x, batch_size=4, epochs=2, verbose=0)
    assert int(_numpy(model.generator_optimizer.iterations)) == 2 * 3
    assert int(_numpy(model.critic_optimizer.iterations)) == 2 * 3 * 3
    assert dense.get_weights()[0][0, 0] == pytest.approx(0.01 * 18, rel=1e-4)
    parts = model.split_real(np.arange(7, dtype="float32")[:, None])
    assert [_numpy(p)[:, 0].tolist() for p in parts] == [[0, 1, 2], [3, 4, 5], [6, 0, 1]]
    pairs = model.split_real((np.arange(6), np.arange(6) * 10))
    assert [(_numpy(a).tolist(), _numpy(b).tolist()) for a, b in pairs] == [
        ([0, 1], [0, 10]), ([2, 3], [20, 30]), ([4, 5], [40, 50])]


# -- the gradient penalty ---------------------------------------------------------------------
def linear_critic(w, shape):
    """f(x) = w . flatten(x) + b: its gradient is w everywhere, so the penalty is (||w|| - 1)^2."""
    inputs = keras.Input(shape)
    dense = layers.Dense(1, name="linear")
    critic = keras.Model(inputs, dense(layers.Flatten()(inputs)))
    dense.set_weights([np.asarray(w, "float32").reshape(-1, 1), np.array([0.7], "float32")])
    return critic


def test_gradient_penalty_of_a_linear_critic_is_computed_by_hand():
    rng = np.random.default_rng(0)
    w = rng.normal(size=6)
    critic = linear_critic(w, (3, 2))
    real = rng.normal(size=(5, 3, 2)).astype("float32")
    fake = rng.normal(size=(5, 3, 2)).astype("float32")
    expected = (np.linalg.norm(w) - 1.0) ** 2
    assert float(_numpy(gradient_penalty(critic, real, fake, seed=1))) == pytest.approx(expected, rel=1e-4)
    alpha = np.full((5, 1, 1), 0.25, "float32")
    assert float(_numpy(gradient_penalty(critic, real, fake, alpha=alpha))) == pytest.approx(expected, rel=1e-4)


def test_gradient_penalty_is_zero_for_a_unit_slope_and_positive_otherwise():
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(4, 3)).astype("float32")
    unit = np.array([0.6, 0.0, 0.8])
    assert float(_numpy(gradient_penalty(linear_critic(unit, (3,)), real, fake))) == pytest.approx(0.0, abs=1e-6)
    assert float(_numpy(gradient_penalty(linear_critic(3 * unit, (3,)), real, fake))) == pytest.approx(4.0, rel=1e-4)


def test_penalty_in_the_training_step_is_logged_and_differentiated():
    """One critic update on the penalty alone: SGD moves w by -lr * weight * 2 (||w|| - 1) w / ||w||.

    This checks the gradient of a gradient (a nested tape on TensorFlow, jax.grad inside
    jax.value_and_grad on JAX).
    """
    w = np.array([1.2, -0.9], dtype="float64")  # ||w|| = 1.5
    critic = linear_critic(w, (2,))
    generator = make_generator(out_dim=2)
    lr, weight = 0.1, 2.0
    model = AdversarialModel(generator, critic, critic_loss=lambda r, f: 0.0 * ops.mean(r),
                             generator_loss=wasserstein_generator_loss, latent_dim=LATENT,
                             gradient_penalty_weight=weight, seed=0)
    model.compile(critic_optimizer=keras.optimizers.SGD(lr), generator_optimizer=keras.optimizers.SGD(lr))
    real = np.random.default_rng(2).normal(size=(8, 2)).astype("float32")
    history = model.fit(real, batch_size=8, epochs=1, verbose=0).history
    norm = np.linalg.norm(w)
    assert history["gradient_penalty"][0] == pytest.approx((norm - 1.0) ** 2, rel=1e-4)
    expected_w = w - lr * weight * 2 * (norm - 1.0) * w / norm
    new_w = critic.get_layer("linear").get_weights()[0][:, 0]
    np.testing.assert_allclose(new_w, expected_w, rtol=1e-4)


def conditional_linear_critic(w, v):
    """f([x, label]) = w . x + v . label: the penalty only looks at the gradient in x, w."""
    x_in, label_in = keras.Input((len(w),)), keras.Input((len(v),))
    dense = layers.Dense(1, use_bias=False, name="linear")
    critic = keras.Model([x_in, label_in], dense(layers.Concatenate()([x_in, label_in])))
    dense.set_weights([np.concatenate([w, v]).astype("float32").reshape(-1, 1)])
    return critic


def test_penalty_of_a_conditional_critic_differentiates_the_first_input_only():
    rng = np.random.default_rng(3)
    w, v = np.array([0.3, 0.4]), np.array([5.0, -2.0, 1.0])
    critic = conditional_linear_critic(w, v)
    labels = np.eye(3, dtype="float32")[rng.integers(0, 3, 6)]
    real = [rng.normal(size=(6, 2)).astype("float32"), labels]
    fake = [rng.normal(size=(6, 2)).astype("float32"), labels]
    expected = (np.linalg.norm(w) - 1.0) ** 2  # 0.25, whatever v is
    assert float(_numpy(gradient_penalty(critic, real, fake))) == pytest.approx(expected, rel=1e-4)


class ConditionalGAN(AdversarialModel):
    """fit((samples, labels)): the generator and the critic both see the labels."""

    def generator_inputs(self, real, noise):
        return [noise, real[1]]

    def real_critic_inputs(self, real):
        return [real[0], real[1]]

    def fake_critic_inputs(self, generated, real):
        return [generated, real[1]]


def test_conditional_hooks_train_on_sample_label_pairs():
    keras.utils.set_random_seed(4)
    z_in, label_in = keras.Input((LATENT,)), keras.Input((3,))
    generator = keras.Model([z_in, label_in],
                            layers.Dense(2)(layers.Concatenate()([z_in, label_in])))
    critic = conditional_linear_critic(np.array([0.3, 0.4]), np.zeros(3))
    model = ConditionalGAN(generator, critic, wasserstein_critic_loss, wasserstein_generator_loss,
                           latent_dim=LATENT, gradient_penalty_weight=10.0, seed=0)
    model.compile(critic_optimizer=keras.optimizers.Adam(1e-3),
                  generator_optimizer=keras.optimizers.Adam(1e-3))
    rng = np.random.default_rng(5)
    samples = rng.normal(size=(32, 2)).astype("float32")
    labels = np.eye(3, dtype="float32")[rng.integers(0, 3, 32)]
    history = model.fit((samples, labels), batch_size=16, epochs=1, verbose=0).history
    assert set(history) == {"critic_loss", "generator_loss", "gradient_penalty"}
    assert all(np.isfinite(v).all() for v in history.values())
    # Before any update the penalty of this linear critic is exactly (||w|| - 1)^2 = 0.25.
    assert 0.0 < history["gradient_penalty"][0] < 0.5
    assert int(_numpy(model.critic_optimizer.iterations)) == 2
    assert int(_numpy(model.generator_optimizer.iterations)) == 2


# -- weight clipping --------------------------------------------------------------------------
def test_clipping_keeps_every_critic_weight_in_range():
    keras.utils.set_random_seed(2)
    c = 0.05
    critic = make_critic(initializer=keras.initializers.RandomNormal(stddev=1.0))
    generator = make_generator()
    assert max(np.abs(w).max() for w in critic.get_weights()) > c  # so clipping has work to do
    model = AdversarialModel(generator, critic, wasserstein_critic_loss, wasserstein_generator_loss,
                             latent_dim=LATENT, critic_steps=2, clip_value=c, seed=0)
    model.compile(critic_optimizer=keras.optimizers.RMSprop(5e-3),
                  generator_optimizer=keras.optimizers.RMSprop(5e-3))
    history = model.fit(real_data(64), batch_size=16, epochs=1, verbose=0).history
    assert set(history) == {"critic_loss", "generator_loss"}
    assert max(np.abs(w).max() for w in critic.get_weights()) <= c + 1e-7
    assert max(np.abs(w).max() for w in generator.get_weights()) > c  # the generator is not clipped


# -- behaviour: a GAN learns the tiny problem -------------------------------------------------
def test_generator_moves_towards_the_data_mean():
    keras.utils.set_random_seed(3)
    generator, critic = make_generator(), make_critic()
    model = AdversarialModel(generator, critic, bce_critic_loss, bce_generator_loss,
                             latent_dim=LATENT, seed=0)
    model.compile(critic_optimizer=keras.optimizers.Adam(5e-3, beta_1=0.5),
                  generator_optimizer=keras.optimizers.Adam(5e-3, beta_1=0.5))
    z = np.random.default_rng(4).normal(size=(2000, LATENT)).astype("float32")
    before = float(generator.predict(z, batch_size=2000, verbose=0).mean())
    model.fit(real_data(2048), batch_size=64, epochs=10, verbose=0)  # 320 steps
    after = float(generator.predict(z, batch_size=2000, verbose=0).mean())
    assert abs(after - 3.0) < 0.25 * abs(before - 3.0), (before, after)


# -- argument checks --------------------------------------------------------------------------
def test_compile_needs_two_separate_optimizers_and_no_loss():
    model = AdversarialModel(make_generator(), make_critic(), bce_critic_loss, bce_generator_loss,
                             latent_dim=LATENT)
    shared = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="separate"):
        model.compile(critic_optimizer=shared, generator_optimizer=shared)
    with pytest.raises(TypeError):
        model.compile(critic_optimizer="adam", generator_optimizer="adam", loss="mse")
    with pytest.raises(ValueError):
        AdversarialModel(make_generator(), make_critic(), bce_critic_loss, bce_generator_loss,
                         latent_dim=LATENT, critic_steps=0)


# -- loss_and_gradients: one step written out by hand (04_01) ----------------------------------
def tiny_linear_model(w, b):
    """y = x . w + b, with weights set by hand."""
    inputs = keras.Input((len(w),))
    dense = layers.Dense(1, name="linear")
    model = keras.Model(inputs, dense(inputs))
    dense.set_weights([np.asarray(w, "float32").reshape(-1, 1), np.asarray([b], "float32")])
    return model


def test_loss_and_gradients_of_a_linear_model_match_the_gradient_by_hand():
    rng = np.random.default_rng(0)
    w, b = np.array([0.5, -1.0, 2.0]), 0.3
    x = rng.normal(size=(8, 3)).astype("float32")
    t = rng.normal(size=(8, 1)).astype("float32")
    model = tiny_linear_model(w, b)
    loss, (grad_w, grad_b) = loss_and_gradients(
        lambda: ops.mean(ops.square(model(x) - t)), model.trainable_variables)
    error = x @ w[:, None] + b - t                      # (8, 1)
    assert float(_numpy(loss)) == pytest.approx(float(np.mean(error ** 2)), rel=1e-5)
    np.testing.assert_allclose(_numpy(grad_w), 2 / 8 * x.T @ error, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(_numpy(grad_b), [2 / 8 * error.sum()], rtol=1e-4, atol=1e-6)
    # The weights themselves are untouched until an optimiser applies the gradients.
    np.testing.assert_allclose(model.get_weights()[0][:, 0], w, rtol=1e-6)
    keras.optimizers.SGD(0.1).apply([grad_w, grad_b], model.trainable_variables)
    np.testing.assert_allclose(model.get_weights()[0], w[:, None] - 0.1 * 2 / 8 * x.T @ error, rtol=1e-4)


def test_loss_and_gradients_gives_zeros_for_unused_variables_and_refuses_bad_input():
    model, other = tiny_linear_model([1.0, 2.0], 0.0), tiny_linear_model([3.0, 4.0], 1.0)
    x = np.ones((2, 2), "float32")
    _, grads = loss_and_gradients(lambda: ops.sum(model(x)),
                                  model.trainable_variables + other.trainable_variables)
    assert len(grads) == 4
    np.testing.assert_allclose(_numpy(grads[0])[:, 0], [2.0, 2.0])
    assert not _numpy(grads[2]).any() and not _numpy(grads[3]).any()
    with pytest.raises(ValueError, match="scalar"):
        loss_and_gradients(lambda: model(x), model.trainable_variables)
    with pytest.raises(ValueError, match="no variables"):
        loss_and_gradients(lambda: ops.sum(model(x)), [])
    with pytest.raises(TypeError, match="keras.Variable"):
        loss_and_gradients(lambda: ops.sum(model(x)), [x])


def test_loss_and_gradients_keeps_batch_norm_statistics_and_dropout_seeds():
    """Variables that the loss assigns (not differentiated) are written back, on JAX too."""
    inputs = keras.Input((2,))
    hidden = layers.BatchNormalization(name="bn")(layers.Dense(4)(inputs))
    model = keras.Model(inputs, layers.Dense(1)(layers.Dropout(0.5, seed=1, name="drop")(hidden)))
    x = np.random.default_rng(0).normal(3.0, 1.0, size=(16, 2)).astype("float32")
    seed = model.get_layer("drop").seed_generator.state
    seed_before = _numpy(seed.value).copy()
    loss, grads = loss_and_gradients(lambda: ops.mean(model(x, training=True)),
                                     model.trainable_variables)
    assert np.isfinite(float(_numpy(loss))) and all(np.isfinite(_numpy(g)).all() for g in grads)
    assert np.abs(_numpy(model.get_layer("bn").moving_mean.value)).max() > 1e-3
    assert not np.array_equal(_numpy(seed.value), seed_before)


def test_loss_and_gradients_with_respect_to_an_input_held_in_a_variable():
    """04_03 differentiates the critic with respect to its input (the slope the penalty uses)."""
    w = np.array([0.5, -2.0, 1.0])
    critic = tiny_linear_model(w, 0.3)
    x = keras.Variable(np.random.default_rng(1).normal(size=(4, 3)).astype("float32"), trainable=False)
    _, (slopes,) = loss_and_gradients(lambda: ops.sum(critic(x)), [x])
    np.testing.assert_allclose(_numpy(slopes), np.tile(w, (4, 1)), rtol=1e-6)


def test_public_names():
    assert {"AdversarialModel", "gradient_penalty", "loss_and_gradients"} <= set(adversarial.__all__)
    assert "04_03" in gradient_penalty.__doc__ and "04_01" in loss_and_gradients.__doc__


# -- input_gradient: the gradient with respect to the input (10_03's Langevin dynamics) --------
def _quadratic_energy():
    """E(x) = sum over features of w * x^2 per example, with fixed w: dE/dx = 2 w x."""
    inputs = keras.Input((3,))
    weights = np.array([[1.0, -2.0, 0.5]], "float32")
    outputs = layers.Lambda(lambda x: ops.sum(ops.square(x) * weights, axis=1, keepdims=True))(inputs)
    return keras.Model(inputs, outputs), weights


def test_input_gradient_is_the_derivative_of_each_examples_output():
    energy, weights = _quadratic_energy()
    x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]], "float32")
    grad = _numpy(adversarial.input_gradient(energy, x))
    np.testing.assert_allclose(grad, 2 * weights * x, rtol=1e-6)


def test_input_gradient_of_a_dense_network_matches_finite_differences():
    keras.utils.set_random_seed(3)
    inputs = keras.Input((4,))
    net = keras.Model(inputs, layers.Dense(1)(layers.Dense(8, activation="swish")(inputs)))
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float64")
    grad = _numpy(adversarial.input_gradient(net, x.astype("float32")))
    eps = 1e-3
    for j in range(4):
        step = np.zeros_like(x)
        step[:, j] = eps
        up = _numpy(net(ops.convert_to_tensor((x + step).astype("float32"))))[:, 0]
        down = _numpy(net(ops.convert_to_tensor((x - step).astype("float32"))))[:, 0]
        np.testing.assert_allclose(grad[:, j], (up - down) / (2 * eps), atol=2e-3)


class _OneGradientStep(keras.Model):
    """x -> x - 0.1 * dE/dx inside a compiled predict, in a loop (as a Langevin sampler runs)."""

    def __init__(self, energy):
        super().__init__(name="one_gradient_step")
        self.energy = energy

    def call(self, x):
        return ops.fori_loop(0, 2, lambda i, x: x - 0.1 * adversarial.input_gradient(self.energy, x), x)


def test_input_gradient_works_inside_compiled_predict_and_a_loop():
    energy, weights = _quadratic_energy()
    x = np.array([[1.0, 2.0, 3.0]], "float32")
    moved = _OneGradientStep(energy).predict(x, verbose=0)
    np.testing.assert_allclose(moved, x * (1 - 0.2 * weights) ** 2, rtol=1e-5)


def test_input_gradient_rejects_integer_inputs():
    energy, _ = _quadratic_energy()
    with pytest.raises(TypeError, match="floats"):
        adversarial.input_gradient(energy, np.ones((1, 3), "int32"))
