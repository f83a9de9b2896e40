"""Where TensorFlow is not installed, ``import utils`` picks JAX instead of letting Keras fail."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCKER = ROOT / "tests" / "no_tensorflow"


def _run(code: str, **env_changes) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    env.update(env_changes)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def test_without_tensorflow_and_without_keras_backend_utils_chooses_jax():
    result = _run("import utils, keras; print('BACKEND', keras.backend.backend())", PYTHONPATH=str(BLOCKER))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "BACKEND jax" in result.stdout
    assert "TensorFlow is not installed" in result.stdout


def test_an_explicit_keras_backend_is_kept():
    result = _run("import utils, keras; print('BACKEND', keras.backend.backend())",
                  PYTHONPATH=str(BLOCKER), KERAS_BACKEND="jax")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "BACKEND jax" in result.stdout
    assert "TensorFlow is not installed" not in result.stdout


def test_import_utils_keeps_tensorflows_start_up_log_out_of_the_notebook():
    """TensorFlow's C++ start-up lines ignore TF_CPP_MIN_LOG_LEVEL; ``import utils`` silences them."""
    import importlib.util

    import pytest

    if importlib.util.find_spec("tensorflow") is None:
        pytest.skip("TensorFlow is not installed")
    code = "import utils, keras; keras.ops.ones(2); print('BACKEND', keras.backend.backend())"
    result = _run(code, KERAS_BACKEND="tensorflow")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "BACKEND tensorflow" in result.stdout
    assert result.stderr.strip() == "", result.stderr[-2000:]
    # and the control: importing Keras first does print TensorFlow's start-up lines here
    control = _run("import keras; keras.ops.ones(2)", KERAS_BACKEND="tensorflow")
    assert control.returncode == 0
