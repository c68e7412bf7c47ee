#!/usr/bin/env bash
# Says whether what the setup step (scripts/setup.sh) installs is there, installing nothing:
# what the tests call, so that no test ever installs anything. Prints the path where there is
# one to print (a Python, a browser); a missing tool exits 1 naming the setup command.
#
#   scripts/setup-check.sh tornado|pywebsocket3|node|nchan|websocketd|chromium|python
set -euo pipefail
cd "$(dirname "$0")/.."
targets="${WSBENCH_TARGETS_DIR:-$PWD/target/external}"
missing() {
  echo "scripts/setup-check.sh: $1 is not installed: run scripts/setup.sh" >&2
  exit 1
}
case "${1:-}" in
  tornado | pywebsocket3)
    "$targets/venv/bin/python" -c "import $1" 2>/dev/null || missing "PyPI $1 (in $targets/venv)" ;;
  node)
    command -v node >/dev/null || missing "Node.js"
    [ -f "$targets/node/node_modules/ws/package.json" ] || missing "npm ws (in $targets/node)" ;;
  nchan)
    command -v nginx >/dev/null || missing "nginx"
    [ -f "${WSBENCH_NCHAN_MODULE:-/usr/lib/nginx/modules/ngx_nchan_module.so}" ] ||
      missing "Debian's libnginx-mod-nchan" ;;
  websocketd)
    command -v websocketd >/dev/null || missing "Debian's websocketd" ;;
  chromium)
    if [ -n "${WSBENCH_CHROMIUM:-}" ]; then echo "$WSBENCH_CHROMIUM"; exit 0; fi
    for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
      [ -x "$candidate" ] && { echo "$candidate"; exit 0; }
    done
    missing "Chromium (Debian's chromium)" ;;
  python)
    venv="${WSBENCH_PYTHON_ENV:-$PWD/target/python}"
    if [ -x "$venv/bin/python" ] && cmp -s scripts/python-requirements.txt "$venv/.requirements"; then
      echo "$venv/bin/python"
      exit 0
    fi
    missing "the Python packages of scripts/python-requirements.txt (in $venv), or they are not up to date" ;;
  *)
    echo "usage: scripts/setup-check.sh tornado|pywebsocket3|node|nchan|websocketd|chromium|python" >&2
    exit 2 ;;
esac
