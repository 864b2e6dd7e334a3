#!/usr/bin/env bash
# Re-lock the Python packages: resolve pyproject.toml's ranges to exact versions with hashes.
#   bash packaging/lock.sh                 keep every locked version that still fits (adds what is new)
#   bash packaging/lock.sh --upgrade       move everything to the newest versions the ranges allow
#   bash packaging/lock.sh --upgrade-package pyside6   move one package (and what it needs)
# A bump lands only with the suite green on it: bash packaging/setup.sh --test && .venv/bin/python
# -m pytest (tests/unit/test_lock.py checks the venv is the lock; test_qt_binding.py the Qt binding).
# The lock is universal (every OS, Python >= 3.11) so installers build from the same versions.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-uv}
command -v "$UV" >/dev/null 2>&1 || { echo "lock: needs uv (pip install uv)" >&2; exit 1; }
common=(--universal --python-version 3.11 --fork-strategy fewest --generate-hashes --quiet)
"$UV" pip compile pyproject.toml packaging/build-requirements.in --extra test "${common[@]}" "$@" \
  -o packaging/requirements-test.lock
# The runtime lock is the test lock's subset: the same versions, without the test tools.
"$UV" pip compile pyproject.toml packaging/build-requirements.in "${common[@]}" \
  -c packaging/requirements-test.lock -o packaging/requirements.lock
echo "lock: wrote packaging/requirements-test.lock and packaging/requirements.lock"
