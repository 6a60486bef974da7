#!/usr/bin/env bash
# Sets up everything the project needs on a fresh machine; safe to run again.
#  - .venv with the project and its dev extras (Python >= 3.11)
#  - node_modules with amazon-connect-streams (served locally to the browser test)
#  - Debian chromium for the browser test (when running as root and it is missing)
#  - Debian postgresql for the SQL providers' tests (same conditions)
#  - separate virtual environments for tools that pin conflicting versions (scripts/tool-venvs.sh)
# `setup.sh python` stops after the Python environment (all the local main job needs).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.gapfill-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev]'
  touch "$stamp"
fi
[ "${1:-all}" = "python" ] && exit 0

if [ -f package.json ] && command -v npm >/dev/null 2>&1; then
  if [ ! -d node_modules ] || [ package.json -nt node_modules ] || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules ]; }; then
    if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
    touch node_modules
  fi
fi

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian chromium for the browser test..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "warning: chromium is missing and cannot be installed here (need root and apt-get)" >&2
  fi
fi

# The SQL providers' tests start a real PostgreSQL server themselves (initdb/pg_ctl in a temp
# dir, as `nobody` when run as root; TLS certificates made with openssl).
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && ! command -v pg_ctl >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian postgresql for the SQL tests..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql openssl >/dev/null
  else
    echo "warning: PostgreSQL server binaries are missing and cannot be installed here (need root and apt-get)" >&2
  fi
fi

if [ -f scripts/tool-venvs.sh ]; then
  bash scripts/tool-venvs.sh
fi
