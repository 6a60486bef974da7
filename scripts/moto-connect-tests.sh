#!/usr/bin/env bash
# Runs moto's own Connect tests (tests/test_connect/ of a moto checkout) with the gapfill
# Connect extension installed, in process (mock_aws), from a scratch directory: nothing of
# moto's is copied into this repository.
#   scripts/moto-connect-tests.sh /path/to/moto-checkout [pytest args...]
# Tests whose inputs AWS would refuse fail with the emulator's documented reason (for example
# a CONNECT_MANAGED instance created without InstanceAlias: rule connect.create-instance.alias);
# tests/integration/connect/test_moto_connect_scenarios.py re-tells every scenario with valid input.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
moto="${1:?usage: $0 MOTO_CHECKOUT [pytest args...]}"
shift
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cp "$moto"/tests/test_connect/test_*.py "$scratch"/
cat >"$scratch/conftest.py" <<'PY'
import os

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
from gapfill.emulator.connect import install

install()
PY
cd "$scratch"
"$repo/.venv/bin/python" -m pytest -q -p no:randomly -p no:cacheprovider -n 0 "$@" .
