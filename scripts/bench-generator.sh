#!/usr/bin/env bash
# What the load generator itself costs, beside the server it loads, in one run:
#  1. Short polling against wsbench serve: wrk -t1 -c50 and wsbench's own poll clients
#     (50 clients, a 1 ms interval, minimal headers), each against a fresh server of the
#     same scenario; CPU per request of each (user+system of the load process), and the
#     ratio wsbench / wrk (goal: at most 1.0).
#  2. Fan-out at 100,000 deliveries/s (1,000 clients x 100 events/s) over ws and sse: the
#     generator's CPU per delivery against the server's (goal: at most 0.5).
# Needs wrk (Debian: apt-get install wrk; installed here when missing and run as root).
# Loopback only; about a minute. Usage: scripts/bench-generator.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-5}"
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null
  else
    echo "bench-generator: needs wrk (apt-get install wrk)" >&2
    exit 2
  fi
fi
cargo build --release --locked --quiet
work="$(mktemp -d "${TMPDIR:-/tmp}/wsbench-generator.XXXXXX")"

cat >"$work/poll.toml" <<TOML
name = "generator-poll"
description = "50 clients polling every millisecond a feed of one event per second: nearly every answer is 204"
duration = "${seconds}s"
warmup = "1s"
transports = ["poll"]
[feed]
kind = "ticker"
rate = 1
[clients]
count = 50
ramp = "0s"
headers = "minimal"
[transport.poll]
interval = "1ms"
TOML

cat >"$work/fanout.toml" <<TOML
name = "generator-fanout"
description = "1,000 clients x 100 events/s: 100,000 deliveries/s"
duration = "${seconds}s"
warmup = "2s"
transports = ["ws", "sse"]
[feed]
kind = "ticker"
rate = 100
[clients]
count = 1000
ramp = "1s"
headers = "minimal"
TOML

python3 - "$work" "$seconds" <<'PY'
import json, os, re, socket, subprocess, sys, time

work, seconds = sys.argv[1], int(sys.argv[2])
exe = "target/release/wsbench"
tick = os.sysconf("SC_CLK_TCK")

def proc_cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def run_wsbench(scenario, out):
    done = subprocess.run([exe, "run", scenario, "--quiet", "--json", "--allow-saturated",
                           "--out", out], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"bench-generator: wsbench run {scenario} failed:\n{done.stderr}")
    return json.loads(done.stdout)

# 1. wrk against a wsbench serve of the poll scenario, asking past the latest event as the
#    wsbench clients mostly do (a 204 answer, the common case of fast polling).
port = free_port()
server = subprocess.Popen([exe, "serve", "--scenario", f"{work}/poll.toml",
                           "--listen", f"127.0.0.1:{port}"], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True)
server.stdout.readline()
time.sleep(1.5)
server_cpu0 = proc_cpu(server.pid)
wrk = subprocess.Popen(["wrk", "-t1", "-c50", f"-d{seconds}s",
                        f"http://127.0.0.1:{port}/poll?since=18446744073709551614"],
                       stdout=subprocess.PIPE, text=True)
_, status, usage = os.wait4(wrk.pid, 0)
output = wrk.stdout.read()
server_cpu = proc_cpu(server.pid) - server_cpu0
server.terminate()
server.wait()
requests = int(re.search(r"(\d+) requests in", output).group(1))
wrk_cpu = usage.ru_utime + usage.ru_stime
wrk_us = wrk_cpu * 1e6 / requests

poll = run_wsbench(f"{work}/poll.toml", f"{work}/poll")["transports"][0]
poll_requests = poll["requests"]["total"]
poll_us = poll["cpu"]["client_s"] * 1e6 / poll_requests
poll_server_us = poll["cpu"]["server_s"] * 1e6 / poll_requests

print(f"short polling, 50 connections, {seconds} s against wsbench serve")
print(f"{'load generator':<26} {'requests/s':>11} {'gen CPU µs/req':>15} {'server CPU µs/req':>18}")
print(f"{'wrk -t1 -c50':<26} {requests / seconds:>11,.0f} {wrk_us:>15.2f} {server_cpu * 1e6 / requests:>18.2f}")
print(f"{'wsbench poll (1 ms)':<26} {poll_requests / poll['window_s']:>11,.0f} {poll_us:>15.2f} {poll_server_us:>18.2f}")
print(f"wsbench / wrk CPU per request: {poll_us / wrk_us:.2f} (goal <= 1.00)")
print()

# 2. Fan-out: generator against server, CPU per delivery, from the run's own record.
fanout = run_wsbench(f"{work}/fanout.toml", f"{work}/fanout")
print("fan-out, 1,000 clients x 100 events/s (100,000 deliveries/s offered)")
print(f"{'transport':<10} {'deliveries/s':>13} {'server µs':>10} {'generator µs':>13} {'ratio':>6} {'saturated':>10}")
for t in fanout["transports"]:
    server_us, gen_us = t["cpu"]["server_us_per_event"], t["cpu"]["client_us_per_event"]
    ratio = gen_us / server_us if server_us and gen_us is not None else float("nan")
    rate = t["events"]["delivered"] / t["window_s"]
    print(f"{t['transport']:<10} {rate:>13,.0f} {server_us:>10.2f} {gen_us:>13.2f} {ratio:>6.2f} "
          f"{'yes' if t['generator_saturated'] else 'no':>10}")
print("goal: generator / server CPU per delivery <= 0.50")
PY
echo "runs kept in $work"
