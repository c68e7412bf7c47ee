#!/usr/bin/env bash
# Installs what the third-party target servers need, into the project's own cache, and
# says what it installs; quiet when everything is there already. Idempotent.
#
#   scripts/targets/install.sh [--check] [tornado] [node] [pywebsocket3] [nchan] [websocketd]
#                                                    (all when none is named)
#
#   --check: installs nothing; exits 1 naming what is missing and the setup command
#            (scripts/setup.sh) that installs it. The tests use it: they never install.
#
#   tornado: PyPI `tornado` (6.x) into a venv at $WSBENCH_TARGETS_DIR/venv
#            (python3 with its venv module; Debian's python3-venv via apt-get when missing)
#   pywebsocket3: PyPI `pywebsocket3` (4.x, its standalone server) into the same venv
#   node:    Node.js and npm via apt-get (Debian `nodejs`, `npm`) when `node` is missing,
#            then npm `ws` (8.x) into $WSBENCH_TARGETS_DIR/node/node_modules
#   nchan:   nginx with Nchan via apt-get (Debian `nginx`, `libnginx-mod-nchan`) when `nginx`
#            or the module is missing; nothing of the system's nginx is started or
#            configured (scripts/targets/nchan/start.sh runs its own, under target/)
#   websocketd: Debian `websocketd` via apt-get when `websocketd` is not on PATH (wsbench run
#            --launch websocketd starts it with `wsbench emit` as its program)
#
# $WSBENCH_TARGETS_DIR defaults to target/external in this checkout. Exits non-zero, with the
# reason, when something cannot be installed: the tests that need it then fail with it.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir="${WSBENCH_TARGETS_DIR:-$PWD/target/external}"
mkdir -p "$dir"
# Tests that need a target run side by side, each asking for it: one installs while the
# others wait and then find it there, rather than fighting over apt's lock or the venv.
# scripts/chromium.sh takes the same lock.
exec 9>"${TMPDIR:-/tmp}/wsbench-install.lock"
flock 9

say() { echo "scripts/targets/install.sh: $*" >&2; }

check=false
if [ "${1:-}" = --check ]; then
  check=true
  shift
fi

# In --check mode, what would be installed is missing: say so, with the command that
# installs it, and fail.
missing() {
  say "$1 is not installed: run scripts/setup.sh (or scripts/targets/install.sh $target)"
  return 1
}

apt_install() {
  ! $check || missing "Debian packages $*"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { say "cannot install $* (not root, no sudo)"; return 1; }
    sudo="sudo -n"
  fi
  say "installing Debian packages: $* (apt-get)"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# pip_install MODULE REQUIREMENT: REQUIREMENT into the venv unless MODULE imports there.
pip_install() {
  local venv="$dir/venv"
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import $1" 2>/dev/null; then
    return 0
  fi
  ! $check || missing "PyPI $2 (in $venv)"
  if [ ! -x "$venv/bin/python" ]; then
    if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
      apt_install python3-venv
    fi
    say "creating a venv at $venv"
    python3 -m venv "$venv"
  fi
  say "installing $2 into $venv (pip)"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "$2"
}

install_tornado() { pip_install tornado 'tornado>=6.4,<7'; }

install_pywebsocket3() { pip_install pywebsocket3 'pywebsocket3>=4,<5'; }

install_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    apt_install nodejs npm
  fi
  local prefix="$dir/node"
  if [ -f "$prefix/node_modules/ws/package.json" ]; then
    return 0
  fi
  ! $check || missing "npm ws (in $prefix/node_modules)"
  say "installing ws into $prefix/node_modules (npm)"
  mkdir -p "$prefix"
  [ -f "$prefix/package.json" ] || echo '{"private":true}' >"$prefix/package.json"
  npm install --prefix "$prefix" --no-audit --no-fund --silent 'ws@8' >/dev/null
}

install_nchan() {
  local module="${WSBENCH_NCHAN_MODULE:-/usr/lib/nginx/modules/ngx_nchan_module.so}"
  if command -v nginx >/dev/null && [ -f "$module" ]; then
    return 0
  fi
  # --no-install-recommends: the module and nginx itself, not the rest of nginx-full.
  apt_install --no-install-recommends nginx libnginx-mod-nchan
  [ -f "$module" ] || { say "libnginx-mod-nchan is installed but $module is not there"; return 1; }
}

install_websocketd() {
  command -v websocketd >/dev/null || apt_install websocketd
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(tornado node pywebsocket3 nchan websocketd)
for target in "${targets[@]}"; do
  case "$target" in
    --check) say "--check goes first"; exit 2 ;;
    tornado) install_tornado ;;
    node) install_node ;;
    pywebsocket3) install_pywebsocket3 ;;
    nchan) install_nchan ;;
    websocketd) install_websocketd ;;
    *) say "unknown target $target (known: tornado, node, pywebsocket3, nchan, websocketd)"; exit 2 ;;
  esac
done
