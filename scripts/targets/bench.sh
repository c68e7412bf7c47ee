#!/usr/bin/env bash
# The acceptance figures of issue 13: one run of SCENARIO (default scenarios/ticker.toml)
# against the matched server, then against Tornado and Node's ws started here on loopback
# ports with the scenario's rate, and nginx with Nchan (wsbench publishing the feed to it,
# --dialect nchan), each measured with --target-pid (nginx: its one worker), then against
# websocketd (`--launch websocketd`: ws only, a `wsbench emit` process per connection,
# measured as a process tree). Each run holds
# /tmp/wsbench-bench.lock (the machine is shared) and writes OUT/<server>/ with its
# results.json and report; the tables are printed as they finish.
#   scripts/targets/bench.sh [SCENARIO] [OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
scenario="${1:-scenarios/ticker.toml}"
out="${2:-results/targets-$(date -u +%Y%m%dT%H%M%SZ)}"
dir="${WSBENCH_TARGETS_DIR:-$PWD/target/external}"
scripts/targets/install.sh tornado node nchan websocketd
cargo build --release --locked --quiet
rate="$(sed -n 's/^rate *= *\([0-9.]*\).*/\1/p' "$scenario" | head -1)"
mkdir -p "$out"
bench() { flock /tmp/wsbench-bench.lock timeout 900 target/release/wsbench run "$scenario" --allow-saturated --force --out "$@"; }

echo "== matched server (wsbench serve)"
bench "$out/matched" || true

server_pid=""
stop() { [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=""; }
trap stop EXIT
# Starts a server (its command after the name and the dialect), waits for its address,
# measures it: the process that serves is the one started, or the `worker pid` it prints.
target() {
  local name="$1" dialect="$2"; shift 2
  local log="$out/$name.server.log"
  mkdir -p "$out/$name"
  "$@" >"$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do grep -q '^listening on ' "$log" && break; sleep 0.1; done
  local url; url="$(sed -n 's/^listening on //p' "$log" | head -1)"
  [ -n "$url" ] || { echo "$name did not start: $(cat "$log")" >&2; exit 3; }
  local pid; pid="$(sed -n 's/^worker pid //p' "$log" | head -1)"
  pid="${pid:-$server_pid}"
  echo "== $name at $url (pid $pid)"
  bench "$out/$name" --target "$url" --dialect "$dialect" --target-pid "$pid" || true
  stop
}
target tornado wsbench "$dir/venv/bin/python" scripts/tornado_server.py --port 0 --rate "$rate"
WSBENCH_NODE_MODULES="$dir/node/node_modules" target node wsbench node scripts/node_server.mjs --port 0 --rate "$rate"
target nchan nchan scripts/targets/nchan/start.sh --port 0 --prefix "$out/nchan/nginx"
echo "== websocketd (--launch websocketd: a wsbench emit process per connection)"
bench "$out/websocketd" --launch websocketd || true
echo "results: $out"
