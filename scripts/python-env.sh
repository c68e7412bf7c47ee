#!/usr/bin/env bash
# Prints the path of a Python with the packages the interoperability tests use (the
# `websockets` client, which implements RFC 7692), in a virtual environment under
# target/python, made with pip from PyPI the first time and reused after.
# With --check, installs nothing: prints the path if the environment is made and up to date
# with scripts/python-requirements.txt, else says how to make it and exits 1 (for tests
# that must not install anything themselves).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${WSBENCH_PYTHON_ENV:-$PWD/target/python}"
requirements="$PWD/scripts/python-requirements.txt"
stamp="$venv/.requirements"
if [[ "${1:-}" == --check ]]; then
  if [[ -x "$venv/bin/python" ]] && cmp -s "$requirements" "$stamp"; then
    echo "$venv/bin/python"
    exit 0
  fi
  echo "the test's Python packages are not installed or not up to date in $venv: run scripts/setup.sh (or scripts/python-env.sh: it installs scripts/python-requirements.txt from PyPI)" >&2
  exit 1
fi
# Tests running at once share one environment: the first makes it, the others wait.
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9
if [[ ! -x "$venv/bin/python" ]] || ! cmp -s "$requirements" "$stamp"; then
  {
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$stamp"
  } >&2 </dev/null
fi
echo "$venv/bin/python"
