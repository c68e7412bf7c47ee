# Shared by the scripts that run shards on this machine (shards-check.sh, bench-sharded.sh):
# start one `wsbench serve`, pick a window start, run N `wsbench run --shard i/N` against
# it (each bound to its own 127.0.0.x, so each has its own ephemeral ports), wait for them.
# Source it; each function documents what it sets.

# shards_serve BIN SCENARIO WORK [serve options...]: starts the server in the background;
# sets `server` (its pid: with --processes, the parent of the processes) and `url`.
shards_serve() {
  local bin=$1 scenario=$2 work=$3
  shift 3
  "$bin" serve "$scenario" --listen 127.0.0.1:0 "$@" >"$work/serve.out" 2>"$work/serve.err" &
  server=$!
  for _ in $(seq 300); do
    grep -q "listening on" "$work/serve.out" && break
    sleep 0.1
  done
  url=$(sed -n 's/^listening on //p' "$work/serve.out")
  [[ -n $url ]] || { echo "wsbench serve did not start: $(cat "$work/serve.err")" >&2; return 3; }
}

# shards_window_start URL LEAD_S: prints a window start LEAD_S seconds or more from now,
# half a publish interval after an event's `ts`, so that no event lies on a window's edge.
shards_window_start() {
  local events
  for _ in $(seq 30); do
    sleep 0.5
    events=$(curl -fsS "$1/poll?since=0")
    (($(grep -o '"ts":' <<<"$events" | wc -l) >= 2)) && break
  done
  python3 -c '
import re, sys, time
ts = [int(t) for t in re.findall(r"\"ts\":(\d+)", sys.stdin.read())]
if len(ts) < 2:
    sys.exit("the server published fewer than two events in 15 s")
interval = min(b - a for a, b in zip(ts, ts[1:]) if b > a)
earliest = time.time_ns() + int(float(sys.argv[1]) * 1e9)
at = ts[-1] + -(-(earliest - ts[-1]) // interval) * interval + interval // 2
print(time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at // 10**9)) + ".%09dZ" % (at % 10**9))
' "$2" <<<"$events"
}

# shards_run BIN SCENARIO START SHARDS WORK [run options...]: starts the shards against
# `url` (the server's CPU and memory read from `server`); appends their pids to `pids`.
shards_run() {
  local bin=$1 scenario=$2 start=$3 shards=$4 work=$5
  shift 5
  for ((i = 0; i < shards; i++)); do
    "$bin" run "$scenario" --target "$url" --target-pid "$server" --window-start "$start" \
      --shard "$i/$shards" --bind "127.0.0.$((i + 2))" --out "$work/shard-$i" --quiet \
      --allow-saturated "$@" >"$work/shard-$i.out" 2>"$work/shard-$i.err" &
    pids+=($!)
  done
}

# shards_wait WORK: waits for every pid in `pids`; returns the first status other than 0
# or 1 (1 is a failed assertion of the scenario: the run itself finished), after showing
# the end of every run's stderr.
shards_wait() {
  local status=0 code pid
  for pid in "${pids[@]}"; do
    code=0
    wait "$pid" || code=$?
    ((code == 0 || code == 1)) || status=$code
  done
  if ((status != 0)); then
    tail -n 3 "$1"/*.err >&2
  fi
  return "$status"
}
