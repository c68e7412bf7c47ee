#!/usr/bin/env bash
# More connections than one process may hold, on this machine: a `wsbench serve
# --processes K` (K processes sharing the port with SO_REUSEPORT) and N load-generator
# shards (`wsbench run --shard i/N`, each bound to its own 127.0.0.x), merged exactly into
# one results directory with its report.
#
#   scripts/bench-sharded.sh SCENARIO OUT [--processes K] [--shards N] [--lead S] [run options...]
#   scripts/bench-sharded.sh lubbers results/lubbers-100k --processes 8 --shards 8 \
#     --clients 100000 --transports ws,sse --ramp 40s --warmup 10s
#
# K and N default to 8: 100,000 connections are then 12,500 per process on each side,
# within a process's 20,000 open files. LEAD (default 60) is the seconds from now to the
# first window: more than the ramp plus the warm-up, or the shards refuse to start late.
# Uses target/release/wsbench (WSBENCH names another); a benchmark: run it alone
# (flock /tmp/wsbench-bench.lock scripts/bench-sharded.sh ...).
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:?usage: scripts/bench-sharded.sh SCENARIO OUT [--processes K] [--shards N] [--lead S] [run options...]}
out=${2:?usage: scripts/bench-sharded.sh SCENARIO OUT [...]}
shift 2
processes=8 shards=8 lead=60
while (($#)); do
  case $1 in
    --processes) processes=$2; shift 2 ;;
    --shards) shards=$2; shift 2 ;;
    --lead) lead=$2; shift 2 ;;
    *) break ;;
  esac
done
bin=${WSBENCH:-target/release/wsbench}
[[ -n ${WSBENCH:-} ]] || cargo build --release --locked --quiet
mkdir -p "$out"
work=$(cd "$out" && pwd)
rm -rf "$work"/shard-* "$work/merged"
export WSBENCH_CALIBRATION=${WSBENCH_CALIBRATION:-off}

source scripts/lib/shards.sh
shards_serve "$bin" "$scenario" "$work" --processes "$processes"
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
start=$(shards_window_start "$url" "$lead")
echo "server $url ($processes processes under pid $server), window start $start, $shards shards" >&2

pids=()
shards_run "$bin" "$scenario" "$start" "$shards" "$work" "$@"
# Every 30 s until they end: what is open, and how the machine holds up.
(
  while sleep 30; do
    open=$(ss -Htn state established "( sport = :${url##*:} )" 2>/dev/null | wc -l)
    echo "$(date -u +%H:%M:%S) server connections established: $open; load: $(cut -d' ' -f1-3 /proc/loadavg); free: $(free -g | awk '/Mem:/ {print $7}') GiB" >&2
  done
) &
watcher=$!
status=0
shards_wait "$work" || status=$?
kill "$watcher" 2>/dev/null || true
((status == 0)) || exit "$status"
"$bin" merge "$work"/shard-*/ --out "$work/merged"
echo "results in $work/merged (shards in $work/shard-*)" >&2
