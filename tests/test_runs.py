"""utils.runs: run folders that never silently destroy an earlier run, and what they save."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

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
    first.finish()

    second = start_run("03_gan")
    third = start_run("03_gan")  # _2 holds nothing yet, but the second run owns it

    assert second.path == isolated_env["runs"] / "03_gan_2"
    assert third.path == isolated_env["runs"] / "03_gan_3"
    assert weights.read_bytes() == b"trained for hours"
    assert "already holds a run" in capsys.readouterr().out


def test_empty_existing_folder_is_reused(isolated_env):
    (isolated_env["runs"] / "04_empty").mkdir(parents=True)
    assert start_run("04_empty").path == isolated_env["runs"] / "04_empty"


def test_overwrite_empties_a_finished_run(isolated_env):
    first = start_run("05_over")
    first.file("figures", "old.png").write_bytes(b"old")
    first.file("model.keras").write_bytes(b"old")
    first.save_metrics({"x": 1}, dataset="toy")

    again = start_run("05_over", overwrite=True)

    assert again.path == isolated_env["runs"] / "05_over"
    assert again.path.is_dir()
    assert [p.name for p in again.path.iterdir()] == [runs.RUNNING]
    assert not (isolated_env["runs"] / "05_over_2").exists()
    assert not [p for p in isolated_env["runs"].iterdir() if "removing" in p.name]


def test_run_is_marked_running_until_it_writes_its_metrics(isolated_env):
    run = start_run("05_markers")
    owner = json.loads((run.path / runs.RUNNING).read_text())
    assert owner["pid"] == os.getpid()
    assert not run.complete and not (run.path / runs.COMPLETE).exists()

    run.save_metrics({"loss": 0.1}, dataset="toy")  # every notebook's last act

    assert run.complete
    assert not (run.path / runs.RUNNING).exists()
    assert "finished" in json.loads((run.path / runs.COMPLETE).read_text())
    run.finish()  # again: harmless
    assert run.complete


def test_overwrite_never_removes_a_run_in_progress(isolated_env, capsys):
    busy = start_run("05_busy")  # this process is alive: the run is in progress
    busy.file("model.keras").write_bytes(b"half trained")

    other = start_run("05_busy", overwrite=True)

    assert other.path == isolated_env["runs"] / "05_busy_2"
    assert (busy.path / "model.keras").read_bytes() == b"half trained"
    assert (busy.path / runs.RUNNING).exists()
    assert "still in progress" in capsys.readouterr().out


def test_overwrite_replaces_an_interrupted_run(isolated_env):
    """RUNNING left by a process that has ended (the run was interrupted) may be replaced."""
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    dead_pid = int(ended.stdout)
    stale = start_run("05_stale")
    stale.file("figures", "half.png").write_bytes(b"")
    owner = json.loads((stale.path / runs.RUNNING).read_text())
    (stale.path / runs.RUNNING).write_text(json.dumps({**owner, "pid": dead_pid}))

    plain = start_run("05_stale")
    assert plain.path.name == "05_stale_2", "without overwrite an interrupted run is kept"
    again = start_run("05_stale", overwrite=True)
    assert again.path == stale.path
    assert [p.name for p in again.path.iterdir()] == [runs.RUNNING]


def test_run_from_another_machine_or_unreadable_marker_counts_as_in_progress(isolated_env):
    run = start_run("05_remote")
    (run.path / runs.RUNNING).write_text(json.dumps({"pid": 1, "host": "another-machine"}))
    assert runs._running_owner(run.path) == "process 1 on another-machine"
    (run.path / runs.RUNNING).write_text("")  # a marker caught while being written
    assert runs._running_owner(run.path) == "owner unknown"
    assert start_run("05_remote", overwrite=True).path.name == "05_remote_2"


def test_runs_started_together_in_threads_get_one_folder_each(isolated_env):
    n = 8
    barrier = threading.Barrier(n)
    paths, errors = [], []

    def start():
        try:
            barrier.wait()
            run = start_run("12_race")
            run.file("model.keras").write_bytes(b"mine")
            paths.append(run.path)
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=start) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(paths)) == n, sorted(p.name for p in paths)
    assert {p.name for p in paths} == {"12_race", *(f"12_race_{i}" for i in range(2, n + 1))}


def _race(barrier, names):
    barrier.wait()
    names.put(start_run("13_race", overwrite=True).path.name)


@pytest.mark.skipif(sys.platform != "linux", reason="forks the test process (cheap on Linux)")
def test_runs_started_together_in_processes_get_one_folder_each(isolated_env):
    """Four processes start the same run at the same moment, all with overwrite=True."""
    import multiprocessing

    finished = start_run("13_race")
    finished.save_metrics({"x": 1}, dataset="toy")  # a finished run the racers may replace
    context = multiprocessing.get_context("fork")  # the children only touch files
    barrier, names = context.Barrier(4), context.Queue()
    racers = [context.Process(target=_race, args=(barrier, names)) for _ in range(4)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=60)
    assert [racer.exitcode for racer in racers] == [0, 0, 0, 0]
    got = sorted(names.get(timeout=5) for _ in racers)
    assert got == ["13_race", "13_race_2", "13_race_3", "13_race_4"], got
    for name in got:
        assert (isolated_env["runs"] / name / runs.RUNNING).exists()


def test_interrupted_figure_leaves_no_file(isolated_env):
    class InterruptedFigure:
        def savefig(self, path, **kwargs):
            Path(path).write_bytes(b"")  # the file is created, then the run is stopped
            raise KeyboardInterrupt

    run = start_run("14_atomic")
    with pytest.raises(KeyboardInterrupt):
        run.save_figure(InterruptedFigure(), "samples")
    assert list((run.path / "figures").iterdir()) == [], "no 0-byte figure, no temp file"


def test_failed_model_save_keeps_the_earlier_model(isolated_env):
    class FailingModel:
        def save(self, path):
            Path(path).write_bytes(b"half")
            raise OSError("disk full")

    run = start_run("14_model")
    path = run.save_model(_tiny_model(compile=False))
    good = path.read_bytes()
    with pytest.raises(OSError, match="disk full"):
        run.save_model(FailingModel())
    assert path.read_bytes() == good
    assert sorted(p.name for p in run.path.iterdir()) == [runs.RUNNING, "model.keras"]


def test_failed_history_and_metrics_leave_no_partial_file(isolated_env):
    run = start_run("14_history")
    with pytest.raises(ValueError):
        run.save_history({"loss": [1.0, "not a number"]})
    assert not (run.path / "history.csv").exists()
    with pytest.raises(TypeError):
        run.save_metrics({"x": 1}, dataset="toy", note=object())
    assert not (run.path / "metrics.json").exists()
    assert not run.complete, "a failed save_metrics does not mark the run complete"
    assert [p.name for p in run.path.iterdir()] == [runs.RUNNING]


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
