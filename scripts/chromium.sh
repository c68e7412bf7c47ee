#!/usr/bin/env bash
# Prints the path of a headless-capable Chromium, installing Debian's `chromium` when it is
# missing (the browser test needs it; a clean machine has none). Idempotent; as root, or
# with sudo. $WSBENCH_CHROMIUM names another browser to use instead.
set -euo pipefail
if [[ -n "${WSBENCH_CHROMIUM:-}" ]]; then
  echo "$WSBENCH_CHROMIUM"
  exit 0
fi
for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
  if [[ -x "$candidate" ]]; then
    echo "$candidate"
    exit 0
  fi
done
as_root=()
if [[ "$(id -u)" != 0 ]]; then
  as_root=(sudo -n)
fi
{
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium
} >&2 </dev/null
echo /usr/bin/chromium
