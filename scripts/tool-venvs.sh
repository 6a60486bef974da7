#!/usr/bin/env bash
# Separate virtual environments for the command-line tools whose dependency pins clash with
# each other and with the project (checkov, cloudformation-cli, aws-sam-cli and parliament all
# pin different botocore/jsonschema/pydantic ranges). Each lives in .tools/<name>.
#
# Idempotent and quick when nothing changed: a venv is (re)built only when its stamp file does
# not record exactly the pinned requirement below. Missing venvs are built in parallel, since
# the work is mostly waiting on the package index.
#
#   bash scripts/tool-venvs.sh            # build what is missing or out of date
#   TOOLS="sam cfn-cli" bash scripts/tool-venvs.sh   # only some of them
#   PYTHON=python3.12 bash scripts/tool-venvs.sh     # choose the interpreter (>= 3.10)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
ROOT=.tools

# name -> pinned requirement (bump here; the stamp makes the next run rebuild that venv).
declare -A PINS=(
  [checkov]="checkov==3.3.30"
  [cfn-cli]="cloudformation-cli==0.2.41"
  [sam]="aws-sam-cli==1.170.0"
  [parliament]="parliament==1.6.4 setuptools==80.9.0"  # parliament imports pkg_resources
)
# The command each venv must provide, as a smoke check that the install really worked.
declare -A PROBES=(
  [checkov]="checkov --version"
  [cfn-cli]="python -c 'import rpdk.core.data_loaders'"
  [sam]="sam --version"
  [parliament]="parliament --help"
)
TOOLS=${TOOLS:-"checkov cfn-cli sam parliament"}

build_one() {
  local name=$1 pin=${PINS[$1]} dir=$ROOT/$1
  local stamp=$dir/.gapfill-pin log=$ROOT/$1.log
  if [ -x "$dir/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pin" ]; then
    return 0
  fi
  echo "tool-venvs: building $dir ($pin)"
  rm -rf "$dir"
  if ! {
    "$PYTHON" -m venv "$dir" &&
      "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip setuptools wheel &&
      "$dir/bin/python" -m pip install --quiet --disable-pip-version-check $pin &&
      (cd "$dir/bin" && PATH="$PWD:$PATH" eval "${PROBES[$name]}")
  } >"$log" 2>&1; then
    echo "tool-venvs: FAILED to build $dir, see $log" >&2
    tail -20 "$log" >&2
    return 1
  fi
  echo "$pin" >"$stamp"
  rm -f "$log"
  echo "tool-venvs: $dir ready"
}

mkdir -p "$ROOT"
pids=()
names=()
for name in $TOOLS; do
  if [ -z "${PINS[$name]:-}" ]; then
    echo "tool-venvs: unknown tool '$name' (known: ${!PINS[*]})" >&2
    exit 2
  fi
  build_one "$name" &
  pids+=($!)
  names+=("$name")
done
status=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then
    status=1
  fi
done
exit $status
