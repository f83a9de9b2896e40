"""What `import utils` imports (Keras and the chosen backend, nothing else heavy),
and that the Keras backend can actually learn."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("tensorflow", "jax", "jaxlib", "keras", "torch")

_PROBE = """
import json, sys
def heavy():
    return sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r}))
assert heavy() == [], heavy()  # nothing heavy before the statement
{statement}
print(json.dumps(heavy()))
"""


def _pythonpath() -> str:
    """The repository first, then whatever was set (e.g. the JAX passes' TensorFlow blocker)."""
    return os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))


def _heavy_modules_after(statement: str, **env) -> list[str]:
    code = _PROBE.format(statement=statement, heavy=HEAVY)
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                            timeout=300, env={**os.environ, "PYTHONPATH": _pythonpath(), **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_import_utils_on_jax_imports_keras_and_jax_but_not_tensorflow():
    """`import utils` registers the course's Keras layers, so it imports Keras -- on the
    backend set before it (here JAX), and never TensorFlow, which need not be installed."""
    statement = ("import utils; from utils import data, runs, settings, start_run; import keras; "
                 "assert keras.backend.backend() == 'jax', keras.backend.backend(); "
                 "assert keras.saving.get_registered_object('gdl>Sampling') is utils.layers.Sampling")
    assert _heavy_modules_after(statement, KERAS_BACKEND="jax") == ["jax", "jaxlib", "keras"]


def test_import_probe_can_see_a_framework():
    """The probe above must be able to fail: importing jax (the lighter one) is seen."""
    assert "jax" in _heavy_modules_after("import jax")


def test_keras_overfits_a_tiny_batch():
    """The course habit: before a long run, check that the model can overfit one batch."""
    import keras

    from utils import seed_everything

    seed_everything(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 8)).astype("float32")
    y = (x @ rng.normal(size=(8, 1)) + 0.5).astype("float32")
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")

    # One batch per epoch: each epoch is one step, and its loss is measured before the update.
    losses = model.fit(x, y, batch_size=16, epochs=20, shuffle=False, verbose=0).history["loss"]

    assert len(losses) == 20 and np.isfinite(losses).all()
    assert losses[-1] < 0.3 * losses[0], f"loss went from {losses[0]:.3f} to {losses[-1]:.3f} in 20 steps"
    assert min(losses[-5:]) < min(losses[:5])
