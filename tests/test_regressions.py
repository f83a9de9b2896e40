"""Regression tests for bugs found in ``utils`` (each failed before its fix)."""

from __future__ import annotations

import csv
import gzip
import json

import numpy as np
import pytest

from utils import data, start_run
from utils.data import archives, images


def test_download_error_without_message_still_tries_fallback(make_dataset, net):
    ds = make_dataset("toy_bug_empty_error", {"a.bin": b"abc"})
    primary, fallback = ds.files[0].urls
    net.fail(primary, TimeoutError())
    net.serve(fallback, b"abc")

    located = data.locate(ds.name)

    assert net.urls == [primary, fallback]
    assert located.paths["a.bin"].read_bytes() == b"abc"


def test_availability_returns_message_for_error_without_message(make_dataset, net):
    ds = make_dataset("toy_bug_empty_error_2", {"a.bin": b"abc"})
    for url in ds.files[0].urls:
        net.fail(url, TimeoutError())
    message = data.availability(ds.name)
    assert "a.bin" in message and "TimeoutError" in message


def test_save_metrics_accepts_backend_scalar_tensors(isolated_env):
    import keras

    run = start_run("bug_tensor_metric")
    mse = keras.ops.mean(keras.ops.square(keras.ops.convert_to_tensor([1.0, 2.0])))
    path = run.save_metrics({"mse": mse}, dataset="toy")
    assert json.loads(path.read_text())["metrics"]["mse"] == pytest.approx(2.5)


def test_save_metrics_accepts_numpy_epochs(isolated_env):
    run = start_run("bug_numpy_epochs")
    best_epoch = np.argmin([0.9, 0.5, 0.7]) + 1  # np.int64
    path = run.save_metrics({"loss": 0.5}, dataset="toy", epochs=best_epoch)
    assert json.loads(path.read_text())["epochs"] == 2


def test_save_history_keeps_every_epoch_when_validation_is_sparse(isolated_env):
    run = start_run("bug_sparse_val")
    path = run.save_history({"loss": [4.0, 3.0, 2.0, 1.0], "val_loss": [3.5, 1.5]})
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 1 + 4
    # validation_freq=2 validates after epochs 2 and 4 (rows with epoch index 1 and 3)
    assert [row[2] for row in rows[1:]] == ["", "3.5", "", "1.5"]


def test_read_idx_truncated_header_is_data_unavailable(tmp_path):
    path = tmp_path / "cut-idx3-ubyte.gz"
    full_header = bytes([0, 0, 8, 3]) + (10).to_bytes(4, "big") + (28).to_bytes(4, "big") + (28).to_bytes(4, "big")
    path.write_bytes(gzip.compress(full_header[:9]))
    with pytest.raises(data.DataUnavailable):
        images.read_idx(path)


def test_zip_entries_without_file_type_bits_are_plain_files(tmp_path):
    """``ZipFile.writestr`` stores permission bits only (no S_IFREG): still a plain file."""
    import stat
    import zipfile

    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("folder/plain.txt", b"hello")
        assert stat.S_IFMT(zf.getinfo("folder/plain.txt").external_attr >> 16) == 0
    out = archives.safe_extract(archive, tmp_path / "out")
    assert (out / "folder" / "plain.txt").read_bytes() == b"hello"


def test_zip_symlink_entries_are_refused(tmp_path):
    import stat
    import zipfile

    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("link")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(data.DataUnavailable, match="link or special file"):
        archives.safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "out" / "link").exists()
