#!/usr/bin/env bash
# What the load generator itself costs, beside the server it loads, in one run. Every
# measurement uses one placement: the server on CPU 0, the load generator on CPU 1 (wrk and
# its server under taskset, wsbench with --cpus server=0,clients=1), so that neither load
# generator gains or loses by sharing a core with the server.
#  1. Short polling against wsbench serve, 50 connections in a closed loop (each asks again
#     as soon as its answer is in): wrk -t1 -c50, and wsbench's own poll clients with
#     interval = "0s"; CPU per request of each (user+system of the load process), and the
#     ratio wsbench / wrk (goal: at most 1.0), over ROUNDS rounds that alternate which goes
#     first; the verdict is the median round's ratio (one round moves by 10% or more on a
#     shared 2-core machine). wsbench on a 1 ms schedule is shown beside them: an open loop
#     sleeps between polls, which costs the generator a wake-up each.
#  2. Fan-out at 100,000 deliveries/s (1,000 clients x 100 events/s) over ws and sse: the
#     generator's CPU per delivery against the server's (goal: at most 0.5), each split into
#     user and system time. The generator's system time alone, over the server's CPU, is
#     the ratio a generator with no user time at all would reach: on loopback each delivery
#     costs it one read and the acknowledgement that read sends, whose processing at the
#     server's socket the kernel also charges to the reader.
#  3. The floor of that shape, split by side: scripts/floor-split.c, a minimal C writer and
#     reader (no runtime, no parsing) moving the same 100,000 messages/s over 1,000
#     connections, each message its own write and read, with the same placement; the
#     median of ROUNDS runs. Its reader/writer ratio is the kernel's own split: what a
#     server and a load generator that did no work of their own would show.
# Needs wrk (Debian: apt-get install wrk; installed here when missing and run as root).
# Loopback only; about a minute and a half. Usage: scripts/bench-generator.sh [SECONDS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-5}"
rounds="${2:-3}"
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
floor_split=""
if cc -O2 -o "$work/floor-split" scripts/floor-split.c 2>"$work/floor-split.log"; then
  floor_split="$work/floor-split"
fi

cat >"$work/poll.toml" <<TOML
name = "generator-poll"
description = "50 clients polling in a closed loop a feed of one event per second: nearly every answer is 204"
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
interval = "0s"
TOML
sed -e 's/interval = "0s"/interval = "1ms"/' -e 's/in a closed loop/every millisecond/' \
  "$work/poll.toml" >"$work/poll-scheduled.toml"

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

python3 - "$work" "$seconds" "$rounds" "$floor_split" <<'PY'
import json, os, re, socket, statistics, subprocess, sys, time

work, seconds, rounds, floor_split = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
exe = "target/release/wsbench"
tick = os.sysconf("SC_CLK_TCK")
pinned = len(os.sched_getaffinity(0)) >= 2 and {0, 1} <= os.sched_getaffinity(0)
server_cpu = ["taskset", "-c", "0"] if pinned else []
client_cpu = ["taskset", "-c", "1"] if pinned else []
cpus = ["--cpus", "server=0,clients=1"] if pinned else []

def proc_cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def run_wsbench(scenario, out):
    done = subprocess.run([exe, "run", scenario, "--quiet", "--json", "--allow-saturated",
                           *cpus, "--out", out], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"bench-generator: wsbench run {scenario} failed:\n{done.stderr}")
    return json.loads(done.stdout)

print("placement: " + ("server on CPU 0, load generator on CPU 1" if pinned
                       else "not pinned (fewer than 2 CPUs, or not CPUs 0 and 1)"))
print()

# 1. wrk against a wsbench serve of the poll scenario, asking past the latest event as the
#    wsbench clients mostly do (a 204 answer, the common case of fast polling).
def wrk_row():
    port = free_port()
    server = subprocess.Popen([*server_cpu, exe, "serve", f"{work}/poll.toml",
                               "--listen", f"127.0.0.1:{port}"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    server.stdout.readline()
    time.sleep(1.5)
    server_cpu0 = proc_cpu(server.pid)
    wrk = subprocess.Popen([*client_cpu, "wrk", "-t1", "-c50", f"-d{seconds}s",
                            f"http://127.0.0.1:{port}/poll?since=18446744073709551614"],
                           stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(wrk.pid, 0)
    output = wrk.stdout.read()
    server_s = proc_cpu(server.pid) - server_cpu0
    server.terminate()
    server.wait()
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    us = (usage.ru_utime + usage.ru_stime) * 1e6 / requests
    print(f"{'wrk -t1 -c50 (closed loop)':<30} {requests / seconds:>11,.0f} {us:>15.2f} "
          f"{server_s * 1e6 / requests:>18.2f}")
    return us

def poll_row(name, scenario, out):
    poll = run_wsbench(scenario, out)["transports"][0]
    total = poll["requests"]["total"]
    us = poll["cpu"]["client_s"] * 1e6 / total
    print(f"{name:<30} {total / poll['window_s']:>11,.0f} {us:>15.2f} "
          f"{poll['cpu']['server_s'] * 1e6 / total:>18.2f}")
    return us

print(f"short polling, 50 connections, {seconds} s against wsbench serve, {rounds} rounds")
print(f"{'load generator':<30} {'requests/s':>11} {'gen CPU µs/req':>15} {'server CPU µs/req':>18}")
ratios = []
for round in range(rounds):
    closed = lambda: poll_row("wsbench poll (closed loop)", f"{work}/poll.toml", f"{work}/poll-{round}")
    if round % 2 == 0:
        wrk_us = wrk_row()
        poll_us = closed()
    else:
        poll_us = closed()
        wrk_us = wrk_row()
    ratios.append(poll_us / wrk_us)
    print(f"  round {round + 1}: wsbench / wrk {ratios[-1]:.2f}")
poll_row("wsbench poll (1 ms schedule)", f"{work}/poll-scheduled.toml", f"{work}/poll-scheduled")
print(f"wsbench / wrk CPU per request, closed loop, median of {rounds}: "
      f"{statistics.median(ratios):.2f} (goal <= 1.00)")
print()

# 2. Fan-out: generator against server, CPU per delivery, from the run's own record.
fanout = run_wsbench(f"{work}/fanout.toml", f"{work}/fanout")
print("fan-out, 1,000 clients x 100 events/s (100,000 deliveries/s offered), CPU µs per delivery")
print(f"{'transport':<10} {'deliveries/s':>13} {'server':>7} {'(user':>6} {'sys)':>5} "
      f"{'generator':>10} {'(user':>6} {'sys)':>5} {'ratio':>6} {'sys-only ratio':>15} {'saturated':>10}")
for t in fanout["transports"]:
    cpu, delivered = t["cpu"], t["events"]["delivered"]
    per = lambda key: cpu[key] * 1e6 / delivered if cpu.get(key) is not None else float("nan")
    server_us, gen_us = per("server_s"), per("client_s")
    print(f"{t['transport']:<10} {delivered / t['window_s']:>13,.0f} {server_us:>7.2f} "
          f"{per('server_user_s'):>6.2f} {per('server_system_s'):>5.2f} {gen_us:>10.2f} "
          f"{per('client_user_s'):>6.2f} {per('client_system_s'):>5.2f} {gen_us / server_us:>6.2f} "
          f"{per('client_system_s') / server_us:>15.2f} "
          f"{'yes' if t['generator_saturated'] else 'no':>10}")
print("goal: generator / server CPU per delivery <= 0.50")
print("sys-only ratio: the generator's kernel time alone over the server's CPU, the least the")
print("ratio can be while each delivery costs the generator one read and the acknowledgement it sends")
print()

# 3. The same shape's floor, by side, from minimal C programs.
print(f"floor of that shape: minimal C writer and reader, 1,000 connections x 100 messages/s, "
      f"{seconds} s, median of {rounds}")
if not floor_split:
    print(f"  not measured: scripts/floor-split.c did not compile (see {work}/floor-split.log)")
else:
    runs = []
    for _ in range(rounds):
        done = subprocess.run([floor_split, "1000", str(seconds), "pin" if pinned else "nopin"],
                              capture_output=True, text=True, check=True)
        sides = {line.split()[0]: float(line.split()[2]) for line in done.stdout.splitlines()}
        runs.append((sides["writer"], sides["reader"]))
    writer = statistics.median(w for w, _ in runs)
    reader = statistics.median(r for _, r in runs)
    ratio = statistics.median(r / w for w, r in runs)
    print(f"  writer {writer:.2f} µs/msg, reader {reader:.2f} µs/msg, reader / writer {ratio:.2f}")
    print("  the kernel's own split of one write and one read per message: the generator / server")
    print("  ratio of a server and a load generator that did no work of their own")
PY
echo "runs kept in $work"
