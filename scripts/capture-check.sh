#!/usr/bin/env bash
# Checks wsbench's socket byte counts against a packet capture of the loopback interface:
# for each transport, the TCP payload bytes to and from its server's port, as tshark sees
# them, beside the bytes wsbench counted at its client sockets for the whole run.
# Needs tshark (Debian: apt-get install tshark) and root or the wireshark group.
#
# Usage: scripts/capture-check.sh [SCENARIO] [wsbench run options...]
set -euo pipefail
cd "$(dirname "$0")/.."
scenario="${1:-scenarios/ticker.toml}"
shift || true
command -v dumpcap >/dev/null || { echo "capture-check: needs tshark (apt-get install tshark)" >&2; exit 2; }
work="$(mktemp -d "${TMPDIR:-/tmp}/wsbench-capture.XXXXXX")"
cargo build --release --locked --quiet

# Headers only (-s 96): tshark computes tcp.len from the IP header, so payloads need no space.
dumpcap -q -i lo -s 96 -f "tcp and host 127.0.0.1" -w "$work/lo.pcapng" &
capture=$!
sleep 2
target/release/wsbench run "$scenario" --quiet --out "$work/run" "$@" >/dev/null
sleep 1
kill -INT "$capture"
wait "$capture" || true
tshark -r "$work/lo.pcapng" -T fields -e tcp.srcport -e tcp.dstport -e tcp.len >"$work/segments.tsv"

python3 - "$work" <<'PY'
import collections, json, sys
work = sys.argv[1]
sent = collections.Counter()
for line in open(f"{work}/segments.tsv"):
    parts = line.split()
    if len(parts) == 3:
        sent[(int(parts[0]), int(parts[1]))] += int(parts[2])
results = json.load(open(f"{work}/run/results.json"))
print(f"{'transport':<9} {'direction':<9} {'wsbench':>12} {'capture':>12} {'diff':>8}")
for t in results["transports"]:
    port = int(t["server_addr"].rsplit(":", 1)[1])
    down = sum(n for (src, dst), n in sent.items() if src == port)
    up = sum(n for (src, dst), n in sent.items() if dst == port)
    check = t["cross_check"]
    for direction, ours, theirs in (("down", check["client_down"], down), ("up", check["client_up"], up)):
        diff = (ours - theirs) * 100 / theirs if theirs else 0.0
        print(f"{t['transport']:<9} {direction:<9} {ours:>12} {theirs:>12} {diff:>7.3f}%")
print("capture includes wsbench's few control requests (/stats, /control/stop) on each server port")
PY
echo "capture and results: $work"
