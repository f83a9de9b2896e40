"""utils.execute: an executed copy shows only this run's outputs, and a failure is loud.

Each test with a kernel starts a real one (a few seconds), so there are only two.
"""

from __future__ import annotations

import os

import nbformat
import pytest

from utils import execute

STALE = "STORED OUTPUT OF AN OLD FULL RUN"


def _notebook(path, *sources):
    """A tiny notebook whose code cells all carry a fake stored output, as in the repository."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("# tiny"))
    for i, source in enumerate(sources):
        cell = nbformat.v4.new_code_cell(source, execution_count=90 + i)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=STALE + "\n")]
        nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


def _texts(cell):
    return "".join(out.get("text", "") for out in cell.outputs)


def test_failed_notebook_is_kept_as_failed_and_exit_status_is_1(tmp_path, isolated_env, capsys):
    bad = _notebook(tmp_path / "bad.ipynb", "print('first cell ran')", "raise ValueError('boom')",
                    "print('never runs')")
    good = _notebook(tmp_path / "good.ipynb", "import os\nprint('fast =', os.environ.get('GDL_FAST'))")
    executed = isolated_env["runs"] / "executed"
    executed.mkdir(parents=True)
    (executed / "good.FAILED.ipynb").write_text("{}")  # a failure from an earlier run

    status = execute.main([str(bad), str(good), "--fast"])

    assert status == 1, "a failing notebook makes the command fail"
    assert "GDL_FAST" not in os.environ, "the options go to the kernel, not into this process"
    failed = nbformat.read(executed / "bad.FAILED.ipynb", as_version=4)
    first, raising, never = failed.cells[1:]
    assert _texts(first) == "first cell ran\n"
    assert any(out.output_type == "error" and out.ename == "ValueError" for out in raising.outputs)
    assert never.outputs == [] and never.execution_count is None, "no stored output may survive"
    assert not (executed / "bad.ipynb").exists(), "a failed run never looks like a finished one"
    err = capsys.readouterr().err
    assert "bad.ipynb" in err and "code cell 2" in err and "boom" in err

    # The second notebook still ran; its stale failure record is gone.
    done = nbformat.read(executed / "good.ipynb", as_version=4)
    assert _texts(done.cells[1]) == "fast = 1\n"
    assert done.cells[1].execution_count == 1
    assert not (executed / "good.FAILED.ipynb").exists()
    assert sorted(p.name for p in executed.iterdir()) == ["bad.FAILED.ipynb", "good.ipynb"], "no temp files"


def test_success_replaces_every_stored_output(tmp_path, isolated_env):
    nb = _notebook(tmp_path / "ok.ipynb", "x = 6 * 7", "print(x)")
    out = execute.execute(nb)
    done = nbformat.read(out, as_version=4)
    assert out == isolated_env["runs"] / "executed" / "ok.ipynb"
    assert done.cells[1].outputs == [] and done.cells[1].execution_count == 1
    assert _texts(done.cells[2]) == "42\n"
    assert nbformat.read(nb, as_version=4).cells[1].outputs, "the notebook itself is left unchanged"


def test_interrupt_keeps_what_ran_as_failed(tmp_path, isolated_env, monkeypatch, capsys):
    """Ctrl-C during the third cell (simulated, no kernel): FAILED copy, nothing stale, status 1."""
    import nbclient

    def interrupted_execute(self, **kwargs):
        self.on_cell_start(cell=self.nb.cells[1], cell_index=1)
        self.nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="epoch 1\n")]
        self.on_cell_start(cell=self.nb.cells[2], cell_index=2)
        raise KeyboardInterrupt

    monkeypatch.setattr(nbclient.NotebookClient, "execute", interrupted_execute)
    nb = _notebook(tmp_path / "train.ipynb", "fit()", "evaluate()", "plot()")

    assert execute.main([str(nb), str(nb)]) == 1
    failed = nbformat.read(isolated_env["runs"] / "executed" / "train.FAILED.ipynb", as_version=4)
    assert _texts(failed.cells[1]) == "epoch 1\n"
    assert all(c.outputs == [] for c in failed.cells[2:])
    assert not (isolated_env["runs"] / "executed" / "train.ipynb").exists()
    err = capsys.readouterr().err
    assert "interrupted" in err and "code cell 2" in err and "evaluate()" in err


@pytest.mark.parametrize("argv", [["--backend", "theano", "x.ipynb"], [], ["no_such_notebook.ipynb"]])
def test_bad_arguments_are_refused(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        execute.main(argv)
    assert exc.value.code == 2
    if argv == ["no_such_notebook.ipynb"]:
        assert "no such notebook: no_such_notebook.ipynb" in capsys.readouterr().err
