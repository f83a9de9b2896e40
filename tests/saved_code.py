"""The check behind "saved in utils": a notebook writes a function or class out, explains it,
and utils keeps the same code for later notebooks. These helpers compare the two by syntax tree."""

import ast
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def definitions(code: str) -> dict[str, str]:
    """Top-level functions and classes of `code`, by name, as comparable syntax-tree dumps."""
    return {node.name: ast.dump(node) for node in ast.parse(code).body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def assert_notebook_saves(notebook: str, module: str, names, marker: str | None = None) -> None:
    """Fail unless notebooks/<notebook>.ipynb defines each of `names` exactly as utils/<module>.py
    does. With `marker`, only code cells containing it are read (e.g. "# saved in utils.music")."""
    nb = json.loads((ROOT / "notebooks" / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    in_notebook = {}
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and not source.lstrip().startswith(("%", "!")) \
                and (marker is None or marker in source):
            in_notebook.update(definitions(source))
    in_utils = definitions((ROOT / "utils" / f"{module}.py").read_text(encoding="utf-8"))
    for name in names:
        assert name in in_notebook, f"{notebook} no longer writes {name}; utils/{module}.py says it does"
        assert in_notebook[name] == in_utils[name], (
            f"{name} in notebooks/{notebook}.ipynb and in utils/{module}.py differ: change both")
