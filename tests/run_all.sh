#!/usr/bin/env bash
# The whole test suite: utils unit tests on both backends, then every notebook in fast
# mode under nbval on both backends. Run from the project root:  bash tests/run_all.sh
# Offline, point GDL_DATA_MIRROR at a folder with the data sets (CI: ../shared/data).
#
# - The JAX passes run with TensorFlow hidden (tests/no_tensorflow/sitecustomize.py): they
#   prove that utils and every notebook work where only JAX is installed.
# - Notebooks write their run folders into a temporary folder, never into run/.
# - Notebooks whose data cannot be had offline but has a stand-in (CelebA, Quick Draw) run
#   on small stand-in files built by conftest.py; the summary marks them. Others are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
export GDL_FAST=1 MPLBACKEND=Agg PYTHONDONTWRITEBYTECODE=1 TF_CPP_MIN_LOG_LEVEL=2
no_tensorflow="$PWD/tests/no_tensorflow${PYTHONPATH:+:$PYTHONPATH}"  # absolute: kernels start in notebooks/
runs=$(mktemp -d "${TMPDIR:-/tmp}/gdl-ci-runs.XXXXXX")
trap 'rm -rf "$runs"' EXIT

on_backend() {  # on_backend BACKEND COMMAND...: run COMMAND on that Keras backend (JAX: TensorFlow hidden)
  local backend=$1; shift
  echo "=== KERAS_BACKEND=$backend$([ "$backend" = jax ] && echo ', TensorFlow hidden'): $*"
  local start=$SECONDS rc=0
  if [ "$backend" = jax ]; then
    KERAS_BACKEND=jax PYTHONPATH="$no_tensorflow" "$@" || rc=$?
  else
    KERAS_BACKEND="$backend" "$@" || rc=$?
  fi
  echo "=== took $((SECONDS - start)) s (exit $rc)"
  return $rc
}

status=0
for backend in tensorflow jax; do  # utils unit tests
  on_backend $backend python -m pytest tests -q -p no:cacheprovider || status=1
done
for backend in tensorflow jax; do  # every notebook in fast mode
  GDL_RUN_DIR="$runs/$backend" on_backend $backend python -m pytest --nbval-lax -p no:cacheprovider -q notebooks || status=1
done
exit $status
