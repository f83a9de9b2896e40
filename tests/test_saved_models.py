"""Every kind of model the course saves in run/ loads after a plain ``import utils``.

The models are built and saved here the way the notebooks do it (``run.save_model``), then
loaded in a FRESH Python process that does only ``import utils, keras`` and
``keras.saving.load_model(path)``: nothing the test process imported can help. The
loaded models must give the same outputs as the saved ones.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from keras import layers, ops  # noqa: E402

from utils import start_run  # noqa: E402
from utils.adversarial import AdversarialModel  # noqa: E402
from utils.layers import Sampling  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
LATENT = 8

_LOADER = """
import json, sys
import numpy as np
import utils, keras
folder = sys.argv[1]
inputs = np.load(f"{folder}/inputs.npz")
report = {}
for name in json.loads(open(f"{folder}/names.json").read()):
    model = keras.saving.load_model(f"{folder}/{name}.keras")
    outputs = model.predict(inputs[name], verbose=0)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    np.savez(f"{folder}/loaded_{name}.npz", *outputs)
    report[name] = {"layers": [type(layer).__name__ for layer in model.layers],
                    "compiled": model.compiled and model.optimizer is not None}
print(json.dumps(report))
"""


def _pythonpath() -> str:
    """The repository first, then whatever was set (e.g. the JAX passes' TensorFlow blocker)."""
    return os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))


def vae_encoder():
    """03_02 / 03_03 / 03_04: a conv encoder ending in the Sampling layer."""
    images = keras.Input((28, 28, 1), name="image")
    x = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(images)
    x = layers.Flatten()(x)
    z_mean = layers.Dense(LATENT, name="z_mean")(x)
    z_log_var = layers.Dense(LATENT, name="z_log_var")(x)
    z = Sampling(seed=42, name="z")([z_mean, z_log_var])
    return keras.Model(images, [z_mean, z_log_var, z], name="encoder")


def cnn_classifier():
    """02_01 / 02_03: a compiled Sequential CNN with batch norm, leaky ReLU and dropout."""
    model = keras.Sequential([
        keras.Input((16, 16, 3)),
        layers.Conv2D(8, 3, padding="same"), layers.BatchNormalization(), layers.LeakyReLU(0.1),
        layers.Flatten(), layers.Dropout(0.5), layers.Dense(10, activation="softmax"),
    ], name="cnn")
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-3, decay_steps=10, decay_rate=0.9)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    x = np.random.default_rng(0).random((8, 16, 16, 3)).astype("float32")
    model.fit(x, keras.utils.to_categorical(np.arange(8) % 10, 10), epochs=1, verbose=0)
    return model


def gan_pair():
    """04_0x: generator and critic, trained inside an AdversarialModel, saved one by one."""
    z = keras.Input((LATENT,), name="z")
    x = layers.Dense(4 * 4 * 8, use_bias=False)(z)
    x = layers.Reshape((4, 4, 8))(x)
    x = layers.BatchNormalization(momentum=0.9)(x)
    x = layers.ReLU()(x)
    fake = layers.Conv2DTranspose(3, 4, strides=2, padding="same", activation="tanh")(x)
    generator = keras.Model(z, fake, name="generator")
    images = keras.Input((8, 8, 3), name="image")
    y = layers.Conv2D(8, 4, strides=2, padding="same")(images)
    y = layers.LeakyReLU(0.2)(y)
    critic = keras.Model(images, layers.Dense(1, name="score")(layers.Flatten()(y)), name="critic")
    gan = AdversarialModel(generator, critic, latent_dim=LATENT,
                           critic_loss=lambda real, fake: ops.mean(fake) - ops.mean(real),
                           generator_loss=lambda fake: -ops.mean(fake), critic_steps=2, clip_value=0.01, seed=1)
    gan.compile(critic_optimizer=keras.optimizers.RMSprop(1e-3), generator_optimizer=keras.optimizers.RMSprop(1e-3))
    real = np.random.default_rng(1).uniform(-1, 1, (16, 8, 8, 3)).astype("float32")
    gan.fit(real, batch_size=8, epochs=1, verbose=0)
    return generator, critic


def lstm_text_model():
    """06_0x: Embedding + LSTM + softmax over the vocabulary, loss ignoring padding."""
    tokens = keras.Input((None,), dtype="int32")
    x = layers.Embedding(50, 8, name="embedding")(tokens)
    x = layers.LSTM(16, return_sequences=True, name="lstm")(x)
    x = layers.Dropout(0.2)(x)
    model = keras.Model(tokens, layers.Dense(50, activation="softmax", name="next_token")(x), name="lstm_text")
    model.compile(optimizer=keras.optimizers.Adam(2e-3, clipnorm=1.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(ignore_class=0))
    seqs = np.random.default_rng(2).integers(0, 50, (8, 12)).astype("int32")
    model.fit(seqs, seqs, epochs=1, verbose=0)
    return model


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Build, save and reload (in a fresh process) every kind; return what both sides computed."""
    folder = tmp_path_factory.mktemp("saved_models")
    os.environ["GDL_RUN_DIR"] = str(folder)  # the module-scoped fixture runs before isolated_env
    try:
        keras.utils.set_random_seed(0)
        generator, critic = gan_pair()
        models = {"encoder": vae_encoder(), "cnn": cnn_classifier(), "generator": generator,
                  "critic": critic, "lstm_text": lstm_text_model()}
        rng = np.random.default_rng(3)
        inputs = {
            "encoder": rng.random((4, 28, 28, 1)).astype("float32"),
            "cnn": rng.random((4, 16, 16, 3)).astype("float32"),
            "generator": rng.normal(size=(4, LATENT)).astype("float32"),
            "critic": rng.uniform(-1, 1, (4, 8, 8, 3)).astype("float32"),
            "lstm_text": rng.integers(1, 50, (4, 7)).astype("int32"),
        }
        run = start_run("saved_models")
        for name, model in models.items():
            run.save_model(model, f"{name}.keras")
    finally:
        del os.environ["GDL_RUN_DIR"]
    np.savez(run.path / "inputs.npz", **inputs)
    (run.path / "names.json").write_text(json.dumps(list(models)))
    expected = {}
    for name, model in models.items():
        outputs = model.predict(inputs[name], verbose=0)
        expected[name] = [np.asarray(o) for o in (outputs if isinstance(outputs, list) else [outputs])]

    result = subprocess.run([sys.executable, "-c", _LOADER, str(run.path)], cwd=REPO, capture_output=True,
                            text=True, timeout=300, env={**os.environ, "PYTHONPATH": _pythonpath()})
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    loaded = {}
    for name in models:
        with np.load(run.path / f"loaded_{name}.npz") as archive:
            loaded[name] = [archive[f"arr_{i}"] for i in range(len(archive.files))]
    return {"expected": expected, "loaded": loaded, "report": report, "models": models}


@pytest.mark.parametrize("name", ["cnn", "generator", "critic", "lstm_text"])
def test_saved_model_loads_in_a_fresh_process_with_the_same_outputs(saved, name):
    got, want = saved["loaded"][name], saved["expected"][name]
    assert len(got) == len(want) == 1
    np.testing.assert_allclose(got[0], want[0], rtol=1e-5, atol=1e-6)
    assert saved["report"][name]["layers"] == [type(layer).__name__ for layer in saved["models"][name].layers]


def test_compiled_models_come_back_compiled(saved):
    assert saved["report"]["cnn"]["compiled"] and saved["report"]["lstm_text"]["compiled"]


def test_vae_encoder_with_sampling_loads_after_import_utils(saved):
    """The fault: "Could not locate class 'Sampling'" unless utils.layers was imported."""
    (z_mean, z_log_var, z), (want_mean, want_log_var, _) = saved["loaded"]["encoder"], saved["expected"]["encoder"]
    assert "Sampling" in saved["report"]["encoder"]["layers"]
    np.testing.assert_allclose(z_mean, want_mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(z_log_var, want_log_var, rtol=1e-5, atol=1e-6)
    # z is a random draw around z_mean: same shape, within a few standard deviations.
    assert z.shape == z_mean.shape
    assert (np.abs(z - z_mean) < 6 * np.exp(0.5 * z_log_var)).all()
    assert not np.allclose(z, z_mean)
