#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_slow.py - a backend that accepts the connection but answers only
after 10 s does not slow detection, nor the other outputs (medians of 3
runs; vigil's exit included, drain_timeout 0s):
  1. a capture of 1.2M events raising 10,000 alerts, replayed with stdout
     only and with stdout plus the slow webhook: no run waits for the
     backend (a wait costs 10 s; the runs take well under a second);
  2. alerts only (300,000: the engine does nothing but raise alerts), with
     the slow webhook and with the same webhook answering at once: the same;
  3. a fast webhook next to the slow one receives every alert meanwhile.
The ratios are printed as FIGURE lines, not asserted (timings on a shared
machine are no test); bench/outputs.sh reports them.

usage: check_slow.py VIGIL GEN_ALERTS"""
import statistics
import sys
import threading
import time

from outlib import Ctx, Receiver, check, finish, stats

N = 300000


def main():
    ctx = Ctx(sys.argv)
    try:
        run(ctx)
    finally:
        ctx.cleanup()
    finish()


def median_runs(ctx, cap, cfg, n, label):
    t = []
    for i in range(3):
        p = ctx.replay(cap, cfg)
        check(p.returncode == 0 and p.stdout.count("\n") == n, "%s, run %d: %d alerts on stdout, %.3fs"
              % (label, i, p.stdout.count("\n"), p.elapsed))
        t.append(p.elapsed)
    return statistics.median(t), p


def run(ctx):
    stop = threading.Event()
    slow = Receiver(lambda req: (stop.wait(10), (200, {}, "late"))[1])
    fast = Receiver(lambda req: (200, {}, "ok"))
    base = ctx.config("base", "stdout_output: {enabled: true}\n")
    hook = """
outputs:
  hook:
    type: http
    url: http://127.0.0.1:%d/
    timeout: 30s
    drain_timeout: 0s
"""
    with_slow = ctx.config("slow", hook % slow.port)
    with_fast = ctx.config("fast", hook % fast.port)

    cap = ctx.capture("mixed", crit=10000, noise=600000)
    b, _ = median_runs(ctx, cap, base, 10000, "1.2M events, stdout only")
    s_, p = median_runs(ctx, cap, with_slow, 10000, "1.2M events, + slow webhook")
    print("FIGURE slow backend: 1.2M events / 10,000 alerts: %.3fs without, %.3fs with a backend answering after "
          "10s: ratio %.3f; %s" % (b, s_, s_ / b, stats(p.stderr, "hook")))
    check(s_ < b + 5, "a 10s backend does not hold detection up: %.3fs with it, %.3fs without" % (s_, b))

    cap = ctx.capture("alerts", crit=N)
    b, _ = median_runs(ctx, cap, base, N, "alerts only, stdout only")
    f, _ = median_runs(ctx, cap, with_fast, N, "alerts only, + fast webhook")
    s_, p = median_runs(ctx, cap, with_slow, N, "alerts only, + slow webhook")
    print("FIGURE slow backend, %d alerts and nothing else: %.3fs stdout only, %.3fs with a webhook answering at "
          "once, %.3fs with one answering after 10s: slow/fast %.3f, slow/stdout-only %.3f" %
          (N, b, f, s_, s_ / f, s_ / b))
    check(s_ < f + 5, "alerts only: a 10s backend does not hold detection up: %.3fs, %.3fs with a fast one"
          % (s_, f))

    both = ctx.config("both", """
outputs:
  slow:
    type: http
    url: http://127.0.0.1:%d/
    timeout: 30s
    drain_timeout: 0s
  fast:
    type: http
    url: http://127.0.0.1:%d/
    rules: ["Critical*"]
    drain_timeout: 60s
""" % (slow.port, fast.port))
    fast.requests.clear()
    small = ctx.capture("small", crit=200, warn=100)
    p = ctx.replay(small, both)
    sf, ss = stats(p.stderr, "fast"), stats(p.stderr, "slow")
    check(len(fast.requests) == 200 and sf["sent"] == 200,
          "next to the slow backend, the fast one got its 200 alerts in %.2fs (slow: %s)" % (p.elapsed, ss))
    stop.set()
    slow.close()
    fast.close()


if __name__ == "__main__":
    main()
