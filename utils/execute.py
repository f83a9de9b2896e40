"""Run a course notebook headless, the way CI and a teacher's machine do.

    python -m utils.execute notebooks/02_03_cnn.ipynb            # full mode
    python -m utils.execute notebooks/02_03_cnn.ipynb --fast     # fast mode
    python -m utils.execute notebooks/02_03_cnn.ipynb --backend jax

The notebook writes its weights, figures and metrics to ``run/<notebook-name>/`` as
usual; the executed copy, with all outputs, is saved as ``run/executed/<name>.ipynb``
(the notebook in ``notebooks/`` is left unchanged).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path


def execute(notebook: Path, fast: bool = False, backend: str | None = None) -> Path:
    """Execute ``notebook`` in a fresh kernel and return the path of the executed copy."""
    import nbformat
    from nbclient import NotebookClient

    from .runs import run_root

    notebook = Path(notebook).resolve()
    # The kernel inherits this process's environment.
    if fast:
        os.environ["GDL_FAST"] = "1"
    if backend:
        os.environ["KERAS_BACKEND"] = backend
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, timeout=None, kernel_name="python3",
                            resources={"metadata": {"path": str(notebook.parent)}})
    start = time.time()
    try:
        client.execute()
    finally:
        out = run_root() / "executed" / notebook.name
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out)
        print(f"{notebook.name}: {time.time() - start:.0f} s; executed copy in {out}")
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path, help="notebook file(s) to execute")
    parser.add_argument("--fast", action="store_true", help="fast mode: small subsets, few steps")
    parser.add_argument("--backend", choices=["tensorflow", "jax", "torch"], help="Keras backend")
    args = parser.parse_args(argv)
    for notebook in args.notebooks:
        execute(notebook, fast=args.fast, backend=args.backend)


if __name__ == "__main__":
    main()
