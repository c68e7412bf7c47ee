#!/usr/bin/env bash
# Prints the path of a headless-capable Chromium, installing Debian's `chromium` when it is
# missing (the browser test needs it; a clean machine has none). Idempotent; as root, or
# with sudo. $WSBENCH_CHROMIUM names another browser to use instead. With --check, installs
# nothing: a missing browser exits 1 naming the setup command (the tests use it).
set -euo pipefail
if [[ -n "${WSBENCH_CHROMIUM:-}" ]]; then
  echo "$WSBENCH_CHROMIUM"
  exit 0
fi
installed() {
  for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
    if [[ -x "$candidate" ]]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}
installed && exit 0
if [[ "${1:-}" == --check ]]; then
  echo "scripts/chromium.sh: no Chromium at /usr/bin/chromium: run scripts/setup.sh (or scripts/chromium.sh) to install Debian's chromium" >&2
  exit 1
fi
# The browser tests run side by side, each asking for the browser: one installs while the
# others wait for it, rather than all fighting over apt's lock (scripts/targets/install.sh
# takes the same lock).
exec 9>"${TMPDIR:-/tmp}/wsbench-install.lock"
flock 9
installed && exit 0
as_root=()
if [[ "$(id -u)" != 0 ]]; then
  as_root=(sudo -n)
fi
{
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium
} >&2 </dev/null
echo /usr/bin/chromium
