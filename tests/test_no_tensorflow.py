"""The course runs where TensorFlow is not installed (JAX only).

``tests/no_tensorflow/sitecustomize.py`` hides TensorFlow from any Python started with
``PYTHONPATH=tests/no_tensorflow``; ``tests/run_all.sh`` runs the JAX passes (unit tests
and notebooks) that way. These tests check the blocker itself, and import every module of
``utils`` behind it, each in a fresh interpreter with ``KERAS_BACKEND=jax``.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCKER = ROOT / "tests" / "no_tensorflow"
UTILS_MODULES = sorted(
    ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for path in (ROOT / "utils").rglob("*.py")
)


def python_without_tensorflow(code: str, extra_path: Path | None = None, block: bool = True,
                              ) -> subprocess.CompletedProcess:
    """Run ``code`` in a new Python with KERAS_BACKEND=jax and (if ``block``) TensorFlow hidden."""
    paths = ([str(BLOCKER)] if block else []) + ([str(extra_path)] if extra_path else []) + [str(ROOT)]
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": os.pathsep.join(paths),
           "TF_CPP_MIN_LOG_LEVEL": "2", "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def import_each(modules: list[str]) -> str:
    """Code that imports each module, then fails if TensorFlow got imported on the way."""
    return (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m == 'tensorflow' or m.startswith('tensorflow.'))\n"
        "assert not loaded, f'TensorFlow modules were loaded: {loaded[:5]}'\n"
        "import keras\n"
        "assert keras.backend.backend() == 'jax', keras.backend.backend()\n"
        "print('imported', len(sys.modules), 'modules')\n"
    )


def test_the_blocker_hides_tensorflow():
    result = python_without_tensorflow(
        "import importlib.util, importlib.metadata\n"
        "assert importlib.util.find_spec('tensorflow') is None\n"
        "try:\n"
        "    import tensorflow\n"
        "except ModuleNotFoundError as err:\n"
        "    assert err.name == 'tensorflow', err.name\n"
        "else:\n"
        "    raise SystemExit('import tensorflow worked')\n"
        "try:\n"
        "    import tensorflow.keras\n"
        "except ModuleNotFoundError:\n"
        "    pass\n"
        "else:\n"
        "    raise SystemExit('import tensorflow.keras worked')\n"
        "try:\n"
        "    importlib.metadata.version('tensorflow')\n"
        "except importlib.metadata.PackageNotFoundError:\n"
        "    pass\n"
        "else:\n"
        "    raise SystemExit('TensorFlow package metadata is visible')\n"
        "import numpy, keras\n"  # everything else still imports
        "print('blocked')\n"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "blocked" in result.stdout


@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None,
                    reason="TensorFlow is not installed (or is hidden) here")
def test_without_the_blocker_tensorflow_imports():
    """The control: here TensorFlow *is* installed, so it is the blocker that hides it above."""
    result = python_without_tensorflow("import importlib.util; assert importlib.util.find_spec('tensorflow')",
                                       block=False)
    assert result.returncode == 0, result.stderr[-3000:]


def test_every_utils_module_imports_without_tensorflow():
    assert "utils" in UTILS_MODULES and any(name.startswith("utils.data") for name in UTILS_MODULES)
    result = python_without_tensorflow(import_each(UTILS_MODULES))
    assert result.returncode == 0, f"importing {UTILS_MODULES} without TensorFlow failed:\n{result.stderr[-3000:]}"


def test_a_module_that_needs_tensorflow_fails_the_check(tmp_path):
    """The check above can fail: a module that imports TensorFlow does not pass it."""
    (tmp_path / "needs_tf.py").write_text("import tensorflow as tf\n")
    (tmp_path / "needs_tf_lazily.py").write_text("from keras.src.utils.module_utils import tensorflow as tf\n"
                                                 "tf.constant(1)\n")
    for module in ("needs_tf", "needs_tf_lazily"):
        result = python_without_tensorflow(import_each(["utils", module]), extra_path=tmp_path)
        assert result.returncode != 0, f"{module} passed the no-TensorFlow check"
        assert "tensorflow" in result.stderr.lower()
