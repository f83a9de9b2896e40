"""utils.runs: run folders that never silently destroy an earlier run, and what they save."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from utils import runs, start_run


def test_run_root_follows_env(isolated_env):
    assert runs.run_root() == isolated_env["runs"].resolve()


def test_start_run_creates_folder(isolated_env, capsys):
    run = start_run("01_intro")
    assert run.path == isolated_env["runs"] / "01_intro"
    assert run.path.is_dir()
    assert "01_intro" in capsys.readouterr().out


def test_start_run_fast_mode_uses_its_own_folder(isolated_env, monkeypatch):
    monkeypatch.setenv("GDL_FAST", "1")
    run = start_run("02_vae")
    assert run.path == isolated_env["runs"] / "02_vae_fast"
    assert not (isolated_env["runs"] / "02_vae").exists(), "fast mode never touches the full run"


def test_second_run_does_not_overwrite(isolated_env, capsys):
    first = start_run("03_gan")
    weights = first.file("model.keras")
    weights.write_bytes(b"trained for hours")

    second = start_run("03_gan")
    third_empty = start_run("03_gan")  # _2 is still empty: reused, not _3

    assert second.path == isolated_env["runs"] / "03_gan_2"
    assert third_empty.path == second.path
    assert weights.read_bytes() == b"trained for hours"
    assert "already holds an earlier run" in capsys.readouterr().out

    second.file("history.csv").write_text("epoch\n")
    fourth = start_run("03_gan")
    assert fourth.path == isolated_env["runs"] / "03_gan_3"
    assert (second.path / "history.csv").exists()


def test_empty_existing_folder_is_reused(isolated_env):
    (isolated_env["runs"] / "04_empty").mkdir(parents=True)
    assert start_run("04_empty").path == isolated_env["runs"] / "04_empty"


def test_overwrite_empties_the_folder(isolated_env):
    first = start_run("05_over")
    first.file("figures", "old.png").write_bytes(b"old")
    first.file("model.keras").write_bytes(b"old")

    again = start_run("05_over", overwrite=True)

    assert again.path == isolated_env["runs"] / "05_over"
    assert again.path.is_dir()
    assert list(again.path.iterdir()) == []
    assert not (isolated_env["runs"] / "05_over_2").exists()


def test_file_creates_parent_folders(isolated_env):
    run = start_run("06_files")
    path = run.file("samples", "epoch_1", "a.png")
    assert path == run.path / "samples" / "epoch_1" / "a.png"
    assert path.parent.is_dir() and not path.exists()


def test_save_metrics(isolated_env, monkeypatch):
    import keras

    monkeypatch.setenv("GDL_FAST", "1")
    run = start_run("07_metrics")
    path = run.save_metrics(
        {"test_accuracy": np.float32(0.75), "loss": 1.5, "per_class": [np.int64(3), 4]},
        dataset="cifar10", epochs=2, seconds=12.34, note="baseline",
    )

    assert path == run.path / "metrics.json"
    record = json.loads(path.read_text())
    assert record["metrics"] == {"test_accuracy": 0.75, "loss": 1.5, "per_class": [3, 4]}
    assert record["dataset"] == "cifar10"
    assert record["mode"] == "fast"
    assert record["backend"] == keras.backend.backend()
    assert record["epochs"] == 2
    assert record["seconds"] == 12.3
    assert record["note"] == "baseline"
    assert "date" in record


def test_save_metrics_default_seconds_is_time_since_start(isolated_env):
    run = start_run("08_seconds")
    run.started -= 5.0
    record = json.loads(run.save_metrics({"x": 1}, dataset="mnist").read_text())
    assert 5.0 <= record["seconds"] < 60
    assert record["mode"] == "full" and record["epochs"] is None


def test_save_history_one_row_per_epoch(isolated_env):
    run = start_run("09_history")
    history = {"loss": [1.0, 0.5, 0.25], "val_loss": [1.1, np.float32(0.6), 0.4]}

    path = run.save_history(history)

    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    assert path == run.path / "history.csv"
    assert rows[0] == ["epoch", "loss", "val_loss"]
    assert len(rows) == 1 + 3
    assert [int(r[0]) for r in rows[1:]] == [0, 1, 2]
    assert [float(r[1]) for r in rows[1:]] == [1.0, 0.5, 0.25]
    assert float(rows[2][2]) == pytest.approx(0.6)


def _tiny_model(compile=True):
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(2)])
    if compile:
        model.compile(optimizer="adam", loss="mse")
    return model


def test_save_model_round_trip(isolated_env):
    import keras

    keras.utils.set_random_seed(0)
    model = _tiny_model(compile=False)
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    run = start_run("10_model")

    path = run.save_model(model)

    assert path == run.path / "model.keras" and path.stat().st_size > 0
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_csv_logger_and_history_from_fit(isolated_env):
    import keras

    keras.utils.set_random_seed(0)
    model = _tiny_model()
    x = np.ones((8, 4), "float32")
    y = np.zeros((8, 2), "float32")
    run = start_run("11_fit")
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[run.csv_logger()])

    with open(run.path / "history.csv", newline="") as handle:
        logged = list(csv.DictReader(handle))
    assert [row["epoch"] for row in logged] == ["0", "1", "2"]

    path = run.save_history(history, name="history_again.csv")
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3
    assert [float(r["loss"]) for r in rows] == pytest.approx(history.history["loss"])
