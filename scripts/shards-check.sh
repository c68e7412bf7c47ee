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

"$bin" serve --scenario "$scenario" --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q "listening on" "$work/serve.out" && break
  sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$work/serve.out")
[[ -n $url ]] || { echo "wsbench serve did not start: $(cat "$work/serve.err")" >&2; exit 3; }
sleep 1
start=$(curl -fsS "$url/poll?since=0" | python3 -c '
import json, re, sys, time
ts = [int(t) for t in re.findall(r"\"ts\":(\d+)", sys.stdin.read())]
if len(ts) < 2:
    sys.exit("the server published fewer than two events in a second")
interval = min(b - a for a, b in zip(ts, ts[1:]) if b > a)
earliest = time.time_ns() + 8_000_000_000
at = ts[-1] + -(-(earliest - ts[-1]) // interval) * interval + interval // 2
print(time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at // 10**9)) + ".%09dZ" % (at % 10**9))
')
echo "server $url, window start $start, $shards shards and one whole run" >&2

pids=()
for ((i = 0; i < shards; i++)); do
  "$bin" run "$scenario" --target "$url" --target-pid "$server" --window-start "$start" --shard "$i/$shards" \
    --bind "127.0.0.$((i + 2))" --out "$work/shard-$i" --quiet --allow-saturated "$@" \
    >"$work/shard-$i.out" 2>"$work/shard-$i.err" &
  pids+=($!)
done
"$bin" run "$scenario" --target "$url" --target-pid "$server" --window-start "$start" --out "$work/whole" \
  --quiet --allow-saturated "$@" >"$work/whole.out" 2>"$work/whole.err" &
pids+=($!)
# 1 is a failed assertion of the scenario: the run itself finished.
status=0
for pid in "${pids[@]}"; do
  code=0
  wait "$pid" || code=$?
  ((code == 0 || code == 1)) || status=$code
done
if ((status != 0)); then
  tail -n 3 "$work"/*.err >&2
  exit "$status"
fi
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
