"""Run a course notebook headless, the way CI and a teacher's machine do.

    python -m utils.execute notebooks/02_03_cnn.ipynb            # full mode
    python -m utils.execute notebooks/02_03_cnn.ipynb --fast     # fast mode
    python -m utils.execute notebooks/02_03_cnn.ipynb --backend jax

The notebook writes its weights, figures and metrics to ``run/<notebook-name>/`` as
usual; the executed copy, with all outputs, is saved as ``run/executed/<name>.ipynb``
(the notebook in ``notebooks/`` is left unchanged). All stored outputs are cleared
before the run, so every output in the copy comes from this run.

When a cell fails or the run is interrupted, the copy is saved as
``run/executed/<name>.FAILED.ipynb`` instead (an earlier successful copy is kept), the
failing cell is named, and the command exits with status 1. Several notebooks are all
run (unless interrupted); the status is 1 if any of them failed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


class NotebookFailed(RuntimeError):
    """A notebook stopped before its end; ``copy`` is the saved ``.FAILED.ipynb``."""

    def __init__(self, message: str, copy: Path):
        super().__init__(message)
        self.copy = copy


def executed_paths(notebook: Path) -> tuple[Path, Path]:
    """Where the executed copy of ``notebook`` goes: (after success, after a failure)."""
    from .runs import run_root

    folder = run_root() / "executed"
    return folder / notebook.name, folder / f"{notebook.stem}.FAILED.ipynb"


def execute(notebook: Path, fast: bool = False, backend: str | None = None) -> Path:
    """Execute ``notebook`` in a fresh kernel and return the path of the executed copy.

    Raises ``NotebookFailed`` (after saving the ``.FAILED.ipynb`` copy) when a cell
    raises, and re-raises ``KeyboardInterrupt`` after saving it when interrupted.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbconvert.preprocessors import ClearOutputPreprocessor

    from .runs import atomic_path

    notebook = Path(notebook).resolve()
    ok_copy, failed_copy = executed_paths(notebook)
    env = dict(os.environ)  # the kernel's environment: this process's, plus the options
    if fast:
        env["GDL_FAST"] = "1"
    if backend:
        env["KERAS_BACKEND"] = backend

    nb = nbformat.read(notebook, as_version=4)
    nb, _ = ClearOutputPreprocessor().preprocess(nb, {})  # no stored output may survive
    current = {"index": None}

    def on_cell_start(cell, cell_index, **_):
        current["index"] = cell_index

    client = NotebookClient(nb, timeout=None, kernel_name="python3", on_cell_start=on_cell_start,
                            resources={"metadata": {"path": str(notebook.parent)}})
    start = time.time()
    problem = None
    try:
        client.execute(env=env)
    except KeyboardInterrupt:
        problem = "interrupted"
        raise
    except Exception as err:  # a failing cell (CellExecutionError), a dead kernel, ...
        # A failing cell's error carries the exception's name and message from the kernel.
        problem = f"{getattr(err, 'ename', type(err).__name__)}: {getattr(err, 'evalue', err)}"
        raise NotebookFailed(f"{notebook.name}: {problem}", failed_copy) from err
    finally:
        seconds = time.time() - start
        out = failed_copy if problem else ok_copy
        with atomic_path(out) as tmp:
            nbformat.write(nb, tmp)
        if problem:
            where = _describe_cell(nb, current["index"])
            print(f"{notebook.name}: {problem} in {where} after {seconds:.0f} s; "
                  f"what ran is in {out}", file=sys.stderr)
        else:
            failed_copy.unlink(missing_ok=True)  # a stale failure no longer describes the notebook
            print(f"{notebook.name}: {seconds:.0f} s; executed copy in {out}")
    return ok_copy


def _describe_cell(nb, index: int | None) -> str:
    """'cell 7 (code cell 4): <first line>' for the cell at ``index`` of ``nb``."""
    if index is None:
        return "the kernel start (no cell ran)"
    code_number = sum(1 for c in nb.cells[: index + 1] if c.cell_type == "code")
    first_line = next((line for line in nb.cells[index].source.splitlines() if line.strip()), "")
    return f"cell {index + 1} (code cell {code_number}: {first_line.strip()[:60]!r})"


def main(argv=None) -> int:
    """Command line: execute each notebook; return 0, or 1 if any failed or was interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path, help="notebook file(s) to execute")
    parser.add_argument("--fast", action="store_true", help="fast mode: small subsets, few steps")
    parser.add_argument("--backend", choices=["tensorflow", "jax", "torch"], help="Keras backend")
    args = parser.parse_args(argv)
    missing = [str(nb) for nb in args.notebooks if not nb.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    failed = []
    for notebook in args.notebooks:
        try:
            execute(notebook, fast=args.fast, backend=args.backend)
        except NotebookFailed:  # already reported
            failed.append(notebook.name)
        except KeyboardInterrupt:
            print(f"interrupted: {notebook.name} and the notebooks after it did not finish", file=sys.stderr)
            return 1
    if failed:
        print(f"{len(failed)} of {len(args.notebooks)} notebook(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
