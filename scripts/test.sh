#!/usr/bin/env bash
# What CI runs (after scripts/setup.sh): lint, type check, then the whole pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff"; ruff check . && ruff format --check .
echo "== mypy"; mypy
echo "== pytest"
set +e
# Most tests wait on the emulator or a browser rather than the CPU: three workers on two cores.
python -m pytest -n "${PYTEST_WORKERS:-3}" "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: failing on purpose" >&2
  exit 1
fi
exit "$status"
