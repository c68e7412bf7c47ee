#!/usr/bin/env bash
# Starts nginx with Nchan as a wsbench target, in the foreground, on a loopback port:
#
#   scripts/targets/nchan/start.sh [--port N] [--prefix DIR]
#
# --port 0 (the default) takes a free port. Its prefix (default target/external/nchan/PORT)
# holds the configuration made from scripts/targets/nchan/nginx.conf, the pid file, the
# error log and every temp path; nothing outside it is written, and nginx runs as the user
# who starts it (workers included). Once nginx accepts connections it prints
#   worker pid PID
#   listening on http://127.0.0.1:PORT
# (the worker does the serving: measure it with --target-pid PID), and it stops nginx when
# it is stopped itself (SIGTERM, SIGINT, SIGHUP). Needs Debian's nginx and
# libnginx-mod-nchan: scripts/targets/install.sh nchan.
set -euo pipefail
cd "$(dirname "$0")/../../.."
port=0
prefix=""
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --prefix) prefix="$2"; shift 2 ;;
    *) echo "usage: $0 [--port N] [--prefix DIR]" >&2; exit 2 ;;
  esac
done
say() { echo "scripts/targets/nchan/start.sh: $*" >&2; }
module="${WSBENCH_NCHAN_MODULE:-/usr/lib/nginx/modules/ngx_nchan_module.so}"
[ -f "$module" ] || { say "no Nchan module at $module (scripts/setup.sh installs it)"; exit 3; }
command -v nginx >/dev/null || { say "no nginx (scripts/setup.sh installs it)"; exit 3; }
if [ "$port" = 0 ]; then
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
fi
prefix="$(realpath -m "${prefix:-target/external/nchan/$port}")"
mkdir -p "$prefix"
rm -f "$prefix/nginx.pid"
# Workers run as the user who started nginx: as root, nginx would otherwise hand them to
# `nobody`, who cannot write the temp paths under the prefix.
user_line=""
[ "$(id -u)" -ne 0 ] || user_line="user root;"
sed -e "s|@PORT@|$port|g; s|@PREFIX@|$prefix|g; s|@MODULE@|$module|g; s|@USER@|$user_line|g" \
  scripts/targets/nchan/nginx.conf >"$prefix/nginx.conf"

nginx -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/error.log" &
master=$!
stop() { kill -TERM "$master" 2>/dev/null || true; wait "$master" 2>/dev/null || true; }
trap 'stop; exit 0' TERM INT HUP
trap stop EXIT
for _ in $(seq 100); do
  kill -0 "$master" 2>/dev/null || { say "nginx exited: $(tail -5 "$prefix/error.log" 2>/dev/null)"; exit 3; }
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
worker="$(cat "/proc/$master/task/$master/children" 2>/dev/null | awk '{print $1}')"
[ -n "$worker" ] || { say "nginx did not start its worker: $(tail -5 "$prefix/error.log")"; exit 3; }
# The pid first: whoever waits for the address has both once it is there.
echo "worker pid $worker"
echo "listening on http://127.0.0.1:$port"
wait "$master"
