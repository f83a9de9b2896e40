"""utils.settings: fast mode, pick/mode, the mirror and cache folders, seeding."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from utils import runs, settings

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("value", ["1", "true", "True", "YES", "on", " 1 "])
def test_fast_mode_on(monkeypatch, value):
    monkeypatch.setenv("GDL_FAST", value)
    assert settings.is_fast() is True
    assert settings.mode() == "fast"
    assert settings.pick(full=20, fast=1) == 1


@pytest.mark.parametrize("value", [None, "", "0", "false", "no", "off"])
def test_fast_mode_off(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("GDL_FAST", raising=False)
    else:
        monkeypatch.setenv("GDL_FAST", value)
    assert settings.is_fast() is False
    assert settings.mode() == "full"
    assert settings.pick(full=20, fast=1) == 20


@pytest.mark.parametrize("value", ["maybe", "2", "y", "fast", "-1", "full"])
def test_fast_mode_refuses_a_value_it_does_not_understand(monkeypatch, value):
    """GDL_FAST=maybe used to mean full mode, silently."""
    monkeypatch.setenv("GDL_FAST", value)
    for call in (settings.is_fast, settings.mode, lambda: settings.pick(full=20, fast=1)):
        with pytest.raises(ValueError) as err:
            call()
        message = str(err.value)
        assert f"GDL_FAST={value!r}" in message
        assert all(word in message for word in ("1, true, yes or on", "0, false, no, off", "empty"))


def test_fast_mode_is_read_at_call_time(monkeypatch):
    """Notebooks set GDL_FAST in the environment; nothing may cache the first answer."""
    assert settings.pick("full", "fast") == "full"
    monkeypatch.setenv("GDL_FAST", "1")
    assert settings.pick("full", "fast") == "fast"
    monkeypatch.setenv("GDL_FAST", "0")
    assert settings.pick("full", "fast") == "full"


def test_project_root_is_the_repository(monkeypatch):
    assert settings.project_root() == REPO
    assert (settings.project_root() / "utils" / "settings.py").is_file()


def test_project_root_override(monkeypatch, tmp_path):
    monkeypatch.setenv("GDL_ROOT", str(tmp_path))
    assert settings.project_root() == tmp_path.resolve()


def test_data_mirror_unset_or_empty_is_none(monkeypatch):
    monkeypatch.delenv("GDL_DATA_MIRROR", raising=False)
    assert settings.data_mirror() is None
    monkeypatch.setenv("GDL_DATA_MIRROR", "   ")
    assert settings.data_mirror() is None


def test_data_mirror_relative_path_is_taken_from_project_root(monkeypatch):
    monkeypatch.setenv("GDL_DATA_MIRROR", "../shared/data")
    assert settings.data_mirror() == (REPO / ".." / "shared" / "data").resolve()
    assert settings.data_mirror().is_absolute()


def test_data_mirror_relative_path_follows_gdl_root(monkeypatch, tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    monkeypatch.setenv("GDL_ROOT", str(root))
    monkeypatch.chdir(tmp_path)  # the working directory must not matter
    monkeypatch.setenv("GDL_DATA_MIRROR", "mirror/here")
    assert settings.data_mirror() == (root / "mirror" / "here").resolve()


def test_data_mirror_absolute_path_kept(monkeypatch, tmp_path):
    monkeypatch.setenv("GDL_DATA_MIRROR", str(tmp_path / "m"))
    assert settings.data_mirror() == (tmp_path / "m").resolve()


def test_data_dir_default_and_override(monkeypatch, tmp_path):
    monkeypatch.delenv("GDL_DATA_DIR", raising=False)
    assert settings.data_dir() == REPO / "data"
    monkeypatch.setenv("GDL_DATA_DIR", str(tmp_path / "c"))
    assert settings.data_dir() == (tmp_path / "c").resolve()


@pytest.mark.parametrize("variable, read", [("GDL_RUN_DIR", lambda: runs.run_root()),
                                            ("GDL_RUN_DIR", lambda: settings.run_dir()),
                                            ("GDL_DATA_DIR", lambda: settings.data_dir())])
def test_relative_run_and_data_dirs_are_taken_from_project_root(monkeypatch, variable, read):
    """Inside a kernel the working directory is notebooks/: it must not matter."""
    monkeypatch.chdir(REPO / "notebooks")
    monkeypatch.setenv(variable, "elsewhere/out")
    assert read() == REPO / "elsewhere" / "out"
    monkeypatch.setenv(variable, "~/out")
    assert read() == Path.home().resolve() / "out"


def test_run_dir_default_is_run_in_the_project_root(monkeypatch):
    monkeypatch.delenv("GDL_RUN_DIR", raising=False)
    assert settings.run_dir() == runs.run_root() == REPO / "run"


def test_settings_is_the_only_module_that_reads_gdl_variables():
    pattern = re.compile(r"(environ\.get\(|environ\[|getenv\()\s*[\"']GDL_")
    readers = [p.name for p in (REPO / "utils").glob("*.py") if pattern.search(p.read_text())]
    assert readers == ["settings.py"]


def _draws(seed):
    import keras

    settings.seed_everything(seed)
    keras_draw = keras.ops.convert_to_numpy(keras.random.normal((5,)))
    numpy_draw = np.random.rand(5)
    layer = keras.layers.Dense(3)
    layer.build((None, 4))
    kernel = keras.ops.convert_to_numpy(layer.kernel)
    return keras_draw, numpy_draw, kernel


def test_seed_everything_makes_draws_repeatable():
    import random

    a = _draws(7)
    python_a = (settings.seed_everything(7), random.random())[1]
    b = _draws(7)
    python_b = (settings.seed_everything(7), random.random())[1]
    c = _draws(8)
    for first, second, other in zip(a, b, c):
        np.testing.assert_array_equal(first, second)
        assert not np.array_equal(first, other), "a different seed must give different draws"
    assert python_a == python_b


def test_backend_matches_keras_backend_env():
    import os

    import keras

    assert settings.backend() == keras.backend.backend()
    if os.environ.get("KERAS_BACKEND"):
        assert settings.backend() == os.environ["KERAS_BACKEND"]


def test_show_environment_reports_mode_and_mirror(monkeypatch, tmp_path, capsys):
    import keras

    monkeypatch.setenv("GDL_FAST", "1")
    monkeypatch.setenv("GDL_DATA_MIRROR", str(tmp_path))
    info = settings.show_environment()
    out = capsys.readouterr().out
    assert info["backend"] == keras.backend.backend()
    assert info["keras"] == keras.__version__
    assert info["mode"] == "fast"
    assert info["data mirror"] == str(tmp_path)
    assert "fast" in out and keras.__version__ in out


def test_show_environment_mirror_as_given_or_not_found(monkeypatch, capsys):
    monkeypatch.delenv("GDL_DATA_MIRROR", raising=False)
    assert settings.show_environment()["data mirror"].startswith("none")
    monkeypatch.setenv("GDL_DATA_MIRROR", "../no_such_mirror_for_tests")
    assert settings.show_environment()["data mirror"] == "../no_such_mirror_for_tests (NOT FOUND)"


def test_seeding_on_jax_keeps_tensorflows_native_log_out_of_the_output():
    """keras.utils.set_random_seed starts TensorFlow when it is installed, even on JAX; its C++
    start-up lines ("All log messages before absl::InitializeLog() ...") must not reach stderr."""
    import importlib.util
    import subprocess

    if importlib.util.find_spec("tensorflow") is None or importlib.util.find_spec("jax") is None:
        pytest.skip("needs TensorFlow and JAX installed")
    code = ("import utils, sys; utils.seed_everything(3); import numpy as np; "
            "print(np.random.rand() == np.random.RandomState(3).rand(), 'tensorflow' in sys.modules)")
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "0"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == "True"
    assert "absl" not in done.stderr and "cuda" not in done.stderr.lower(), done.stderr
