#!/usr/bin/env bash
# Checks wsbench's latency against a packet capture of the loopback interface: for each
# transport, every window event's wire latency (the capture time of the TCP segment that
# carried the event's last byte, minus the event's `ts`) beside the latency wsbench reported
# (kernel receive timestamps) and its application-clock latency. The two p50s should agree
# within 50 µs (exit 1 when they do not).
# Installs tshark with apt-get when it is missing; needs root or the wireshark group.
#
# Usage: scripts/wire-check.sh [SCENARIO] [wsbench run options...]
#   default: scenarios/ci.toml --transports sse,ws (50 clients, 20 events/s, 5 s window)
set -euo pipefail
cd "$(dirname "$0")/.."
scenario="${1:-scenarios/ci.toml}"
shift || true
options=("$@")
if [ ${#options[@]} -eq 0 ]; then
    options=(--transports sse,ws)
fi
if ! command -v tshark >/dev/null || ! command -v dumpcap >/dev/null; then
    echo "wire-check: installing tshark" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q tshark >/dev/null
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/wsbench-wire.XXXXXX")"
cargo build --release --locked --quiet

# Whole packets: the events are read out of the payloads.
dumpcap -q -i lo -s 0 -f "tcp and host 127.0.0.1" -w "$work/lo.pcapng" 2>/dev/null &
capture=$!
# However the script ends, the capture stops.
trap 'kill -INT "$capture" 2>/dev/null || true' EXIT
sleep 2
# Exit 1 is a failed [[assert]] (one about a transport left out, say): the figures stand.
status=0
target/release/wsbench run "$scenario" --quiet --out "$work/run" "${options[@]}" >/dev/null || status=$?
if [ "$status" -gt 1 ]; then
    echo "wire-check: wsbench run failed (exit $status)" >&2
    exit "$status"
fi
sleep 1
kill -INT "$capture"
wait "$capture" || true
tshark -r "$work/lo.pcapng" -o tcp.desegment_tcp_streams:FALSE -Y "tcp.len > 0" -T fields \
    -e frame.time_epoch -e tcp.stream -e tcp.srcport -e tcp.seq -e tcp.payload \
    >"$work/segments.tsv"

python3 - "$work" <<'PY'
import bisect, collections, json, math, re, sys

work = sys.argv[1]
results = json.load(open(f"{work}/run/results.json"))


def window(t):
    """The window on the wall clock: the hlog's StartTime is the timeline's second 0. It is
    written to the millisecond, so an event published within a millisecond of an edge may
    be counted here and not by wsbench (or the reverse): the events column shows it."""
    with open(f"{work}/run/{t['histogram_log']}") as log:
        for line in log:
            if line.startswith("#[StartTime:"):
                start = float(line.split()[1]) + t["window_start_s"]
                return start, start + t["window_s"]
    raise SystemExit(f"no StartTime in {t['histogram_log']}")


class Stream:
    """One TCP stream's server-to-client bytes, with where each segment ended and when."""

    def __init__(self, port):
        self.port, self.data, self.next_seq = port, bytearray(), None
        self.ends, self.times = [], []

    def add(self, time, seq, payload):
        if self.next_seq is not None and seq < self.next_seq:  # a retransmission
            payload = payload[self.next_seq - seq:]
            seq = self.next_seq
        if not payload:
            return
        self.data += payload
        self.next_seq = seq + len(payload)
        self.ends.append(len(self.data))
        self.times.append(time)

    def events(self):
        """(seq, ts_ns, capture time of the segment holding the event's last byte)."""
        for match in re.finditer(rb"\{[^{}]*\}", self.data):
            try:
                event = json.loads(match.group())
            except ValueError:
                continue
            if "seq" in event and "ts" in event:
                last = match.end() - 1
                segment = bisect.bisect_right(self.ends, last)
                yield event["seq"], event["ts"], self.times[segment]


servers = {int(t["server_addr"].rsplit(":", 1)[1]): t for t in results["transports"]}
streams = {}
for line in open(f"{work}/segments.tsv"):
    time, stream, src, seq, payload = line.rstrip("\n").split("\t")
    port = int(src)
    if port not in servers or not payload:
        continue
    s = streams.setdefault(stream, Stream(port))
    s.add(float(time), int(seq), bytes.fromhex(payload.replace(":", "")))


def quantile(values, q):
    """HdrHistogram's rule: the smallest value with at least q of them at or below it."""
    values = sorted(values)
    return values[max(0, math.ceil(q * len(values)) - 1)]


print(f"{'transport':<9} {'events':>13} {'capture p50':>11} {'wsbench p50':>11} {'diff':>7}"
      f" {'capture p99':>11} {'wsbench p99':>11} {'app p50':>8} {'gen delay p50/p99':>17}  clock")
worst = 0.0
for port, t in servers.items():
    start, end = window(t)
    latencies, seen = [], set()
    for s in (s for s in streams.values() if s.port == port):
        for seq, ts, time in s.events():
            # As wsbench counts: events published inside the window, first receipt per client.
            if start <= ts / 1e9 < end and (id(s), seq) not in seen:
                seen.add((id(s), seq))
                latencies.append((time - ts / 1e9) * 1e6)
    ours = t["latency_us"]
    if not latencies:
        print(f"{t['transport']:<9} no window events in the capture")
        continue
    if ours is None:
        # wsbench delivered nothing in the window: its latency is null (not measured).
        print(f"{t['transport']:<9} {len(latencies):>6}/0      wsbench latency n/m: "
              f"{t.get('not_measured', {}).get('latency_us', 'not measured')}")
        worst = float("inf")
        continue
    p50 = quantile(latencies, 0.5)
    diff = ours["p50"] - p50
    worst = max(worst, abs(diff))
    delay = t.get("generator_delay_us")
    delay = f"{delay['p50']:.0f}/{delay['p99']:.0f}" if delay else "n/m"
    print(f"{t['transport']:<9} {len(latencies):>6}/{ours['count']:<6} {p50:>11.0f} {ours['p50']:>11.0f}"
          f" {diff:>+7.0f} {quantile(latencies, 0.99):>11.0f} {ours['p99']:>11.0f}"
          f" {t['latency_app_us']['p50']:>8.0f} {delay:>17}  {t.get('receive_clock', 'application')}")
print("µs; events: in the capture / timed by wsbench; diff: wsbench p50 minus capture p50;"
      " app: wsbench's application-clock latency")
sys.exit(0 if worst <= 50 else 1)
PY
echo "capture and results: $work"
