"""The parts every course notebook shares, in one place (checked by tests/test_notebook_structure.py).

- ``BADGE``: the first line of the first (markdown) cell, with the notebook's file name.
- ``SETUP_CELL``: the first code cell, character for character.
- ``KERNELSPEC``: the notebook's ``metadata.kernelspec``, as ipykernel writes it (so that
  JupyterLab does not mark a notebook as modified right after opening it).
- The closing pattern: the last two cells are markdown; the second to last starts with
  ``CLOSING_SUMMARY`` and the last with ``CLOSING_EXERCISES`` and holds 2-4 numbered exercises.
"""

BADGE = ("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
         "(https://colab.research.google.com/github/gdl-course/generative-deep-learning/blob/main/notebooks/{name})")

SETUP_CELL = '''\
# Setup. Locally, `pip install -e .` (see the README) made `utils` importable.
# On Colab, fetch the course code once and put it on the path.
import os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # quiet TensorFlow's Python-side log
if "google.colab" in sys.modules:
    import subprocess
    if not os.path.isdir("/content/gdl"):
        subprocess.run(["git", "clone", "-q", "--depth", "1",
                        "https://github.com/gdl-course/generative-deep-learning.git", "/content/gdl"], check=True)
    sys.path.insert(0, "/content/gdl")
    os.chdir("/content/gdl/notebooks")
import utils  # the course's shared code; it loads Keras with TensorFlow's start-up log silenced'''

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

CLOSING_SUMMARY = "## What we learned"
CLOSING_EXERCISES = "## Exercises"
