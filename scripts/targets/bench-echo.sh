#!/usr/bin/env bash
# The echo's acceptance figures (issue 13): SCENARIO (default scenarios/echo.toml) against
# the matched server's /ws, then against pywebsocket3's standalone server with the shipped
# echo handler, started here on a free loopback port and measured with --target-pid. Each
# run holds /tmp/wsbench-bench.lock (the machine is shared) and writes OUT/<server>/ with
# its results.json and report; the tables are printed as they finish.
#   scripts/targets/bench-echo.sh [SCENARIO] [OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
scenario="${1:-scenarios/echo.toml}"
out="${2:-results/echo-$(date -u +%Y%m%dT%H%M%SZ)}"
dir="${WSBENCH_TARGETS_DIR:-$PWD/target/external}"
scripts/targets/install.sh pywebsocket3
cargo build --release --locked --quiet
mkdir -p "$out"
bench() { flock /tmp/wsbench-bench.lock timeout 300 target/release/wsbench run "$scenario" --allow-saturated --force --out "$@"; }

echo "== matched server (wsbench serve)"
bench "$out/matched" || true

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$dir/venv/bin/python" -m pywebsocket3.standalone -H 127.0.0.1 -p "$port" \
  -w scripts/targets/pywebsocket3 >"$out/pywebsocket3.server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 200); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1).close()" 2>/dev/null && break
  sleep 0.1
done
echo "== pywebsocket3 at http://127.0.0.1:$port (pid $server_pid)"
bench "$out/pywebsocket3" --target "http://127.0.0.1:$port" --dialect pywebsocket3 \
  --target-pid "$server_pid" || true
echo "results: $out"
