"""Make Python behave as if TensorFlow were not installed (for the JAX test passes).

GPU machines set up for JAX often have no TensorFlow, and a JAX user installs none, so
``utils`` and every notebook must run without it. CI proves that with no second
environment: ``tests/run_all.sh`` runs the JAX passes with ``PYTHONPATH=tests/no_tensorflow``,
so Python imports this file at start-up (as ``sitecustomize``), in the test process and
in every notebook kernel it starts.

The standard path finder is replaced by one that does not see ``tensorflow`` or its
submodules, exactly as if the package were absent: ``import tensorflow`` raises
``ModuleNotFoundError`` and ``importlib.util.find_spec("tensorflow")`` is None, so code
that checks for TensorFlow before using it takes its no-TensorFlow branch.
"""

import importlib.machinery
import sys

BLOCKED = "tensorflow"


def _blocked(name: str) -> bool:
    return name == BLOCKED or name.startswith(BLOCKED + ".")


class PathFinderWithoutTensorFlow(importlib.machinery.PathFinder):
    """The standard path finder, blind to TensorFlow (package metadata included)."""

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        if _blocked(fullname):
            return None
        return super().find_spec(fullname, path, target)

    @classmethod
    def find_distributions(cls, *args, **kwargs):
        for distribution in super().find_distributions(*args, **kwargs):
            name = (distribution.metadata["Name"] or "").lower().replace("-", "_")
            if name != BLOCKED and not name.startswith(BLOCKED + "_"):  # tensorflow, tensorflow-cpu, ...
                yield distribution


sys.meta_path[:] = [PathFinderWithoutTensorFlow if finder is importlib.machinery.PathFinder else finder
                    for finder in sys.meta_path]
if PathFinderWithoutTensorFlow not in sys.meta_path:  # no standard path finder to replace: refuse to run
    raise RuntimeError("tests/no_tensorflow/sitecustomize.py found no importlib.machinery.PathFinder in "
                       "sys.meta_path, so it cannot hide TensorFlow")
