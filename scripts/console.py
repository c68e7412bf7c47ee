#!/usr/bin/env python3
"""A serial console's output, for `kind = "command"` feeds: log lines at a steady rate,
with now and then a burst (a boot message, a stack trace), each line flushed as written.

  console.py --rate 20                 # 20 lines/s on average, until killed
  console.py --lines 50 --delay 2      # wait 2 s, print exactly 50 lines at once, then sleep

The seed (--seed, else $WSBENCH_SEED, which wsbench sets to the run's seed) makes the
lines and the bursts the same from run to run; the instants are the clock's.
"""

import argparse
import os
import random
import sys
import time

LEVELS = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"]
SOURCES = ["uart0", "net", "i2c1", "sensor", "kernel", "app"]
WORDS = "link up down retry ok timeout value read write temp volt irq sample queue flush".split()


def line(rng, n):
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 8)))
    return f"[{n:08d}] {rng.choice(LEVELS):5} {rng.choice(SOURCES)}: {words} ({rng.randint(0, 65535):#06x})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=10.0, help="lines per second, on average")
    parser.add_argument("--burst-chance", type=float, default=0.02,
                        help="chance that a line starts a burst")
    parser.add_argument("--burst-lines", type=int, default=20, help="most lines in a burst")
    parser.add_argument("--lines", type=int, default=None,
                        help="print exactly this many lines at once, then sleep until killed")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait first")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("WSBENCH_SEED", "1")))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    out = sys.stdout
    time.sleep(args.delay)
    if args.lines is not None:
        for n in range(1, args.lines + 1):
            out.write(line(rng, n) + "\n")
        out.flush()
        while True:
            time.sleep(3600)
    interval = 1.0 / args.rate
    next_at = time.monotonic()
    n = 0
    while True:
        burst = rng.randint(2, args.burst_lines) if rng.random() < args.burst_chance else 1
        for _ in range(burst):
            n += 1
            out.write(line(rng, n) + "\n")
            out.flush()
        # A burst counts towards the rate: the console then is quiet for as long.
        next_at += interval * burst
        time.sleep(max(0.0, next_at - time.monotonic()))


if __name__ == "__main__":
    try:
        main()
    except (KeyboardInterrupt, BrokenPipeError):
        pass
