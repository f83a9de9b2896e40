#!/usr/bin/env bash
# The whole test suite: utils unit tests on both backends, then every notebook in fast
# mode under nbval on both backends. Run from the project root:  bash tests/run_all.sh
# Offline, point GDL_DATA_MIRROR at a folder with the data sets (CI: ../shared/data).
set -euo pipefail
cd "$(dirname "$0")/.."
export GDL_FAST=1 MPLBACKEND=Agg PYTHONDONTWRITEBYTECODE=1 TF_CPP_MIN_LOG_LEVEL=2
status=0
for backend in tensorflow jax; do
  echo "=== utils unit tests, KERAS_BACKEND=$backend"
  KERAS_BACKEND=$backend python -m pytest tests -q -p no:cacheprovider || status=1
done
for backend in tensorflow jax; do
  echo "=== notebooks (fast mode, nbval), KERAS_BACKEND=$backend"
  KERAS_BACKEND=$backend python -m pytest --nbval-lax -p no:cacheprovider -q notebooks || status=1
done
exit $status
