#!/usr/bin/env bash
# N shards merged against one whole run of the same windows, side by side: starts
# `wsbench serve`, runs N `wsbench run --shard i/N` (each bound to its own 127.0.0.x) and one
# whole run, all measuring the same windows at once (so they see the same events), merges
# the shards and prints, per transport, the figures that must be equal and those that are
# measured. Exit 1 if a figure that must be equal differs.
#
#   scripts/shards-check.sh [SCENARIO] [SHARDS] [run options...]
#   scripts/shards-check.sh ci 3 --transports sse,ws --clients 300
#
# The window starts half a publish interval after an event's `ts`, so that no event lies
# on its edges. Uses target/release/wsbench (WSBENCH names another); a benchmark: run it
# alone (flock /tmp/wsbench-bench.lock scripts/shards-check.sh ...).
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-ci}
shards=${2:-3}
shift $(($# < 2 ? $# : 2))
bin=${WSBENCH:-target/release/wsbench}
work=$(mktemp -d "${TMPDIR:-/tmp}/wsbench-shards.XXXXXX")
export WSBENCH_CALIBRATION=off

source scripts/lib/shards.sh
shards_serve "$bin" "$scenario" "$work"
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
start=$(shards_window_start "$url" 8)
echo "server $url, window start $start, $shards shards and one whole run" >&2

pids=()
shards_run "$bin" "$scenario" "$start" "$shards" "$work" "$@"
"$bin" run "$scenario" --target "$url" --target-pid "$server" --window-start "$start" --out "$work/whole" \
  --quiet --allow-saturated "$@" >"$work/whole.out" 2>"$work/whole.err" &
pids+=($!)
status=0
shards_wait "$work" || status=$?
((status == 0)) || exit "$status"
"$bin" merge "$work"/shard-*/ --out "$work/merged" >/dev/null

python3 - "$work/merged/results.json" "$work/whole/results.json" <<'PY'
import json, sys
merged, whole = (json.load(open(p))["transports"] for p in sys.argv[1:3])
# Counted by the events' own ts: equal however late an event arrived.
exact = ["events.published", "events.delivered", "events.lost", "events.duplicated",
         "latency_us.count"]
# Counted at the sockets between the window's instants: equal unless an event was in
# flight across an edge (a latency above half the publish interval).
edges = ["events.received_in_window", "bytes.down", "bytes.up", "bytes.payload"]
measured = ["latency_us.p50", "latency_us.p99", "latency_us.max", "cpu.client_s", "cpu.server_s"]
def get(entry, path):
    for key in path.split("."):
        entry = entry.get(key) if isinstance(entry, dict) else None
    return entry
differ = 0
print(f"{'transport':10} {'figure':26} {'merged':>14} {'one process':>14}")
for m, w in zip(merged, whole):
    for path in exact + edges + measured:
        a, b = get(m, path), get(w, path)
        mark = ""
        if path in exact and a != b:
            mark, differ = "  DIFFERS", differ + 1
        elif path in edges and a != b:
            mark = "  differs: events in flight across the window's edges"
        print(f"{m['transport']:10} {path:26} {a!s:>14} {b!s:>14}{mark}")
print("exact figures:", "all equal" if not differ else f"{differ} differ")
sys.exit(1 if differ else 0)
PY
echo "results in $work" >&2
