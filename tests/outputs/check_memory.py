#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_memory.py - memory stays bounded while a backend is down and alerts
keep coming: peak RSS (wait4's ru_maxrss) of `vigil replay` with a webhook
whose server is gone (connection refused), queue.capacity 10000, for
20,000 and 200,000 alerts; then the same with a spool capped at 2 MiB
(memory and disk bounded, the refused alerts counted). Figures printed.

usage: check_memory.py VIGIL GEN_ALERTS"""
import os
import subprocess
import sys

from outlib import Ctx, ENV, RULES, check, finish, free_port, stats


def peak(ctx, cap, cfg):
    p = subprocess.Popen([ctx.vigil, "replay", cap, "-r", RULES, "-c", cfg, "--stats"], env=ENV,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return ru.ru_maxrss / 1024.0, err, p.returncode


def main():
    ctx = Ctx(sys.argv)
    try:
        run(ctx)
    finally:
        ctx.cleanup()
    finish()


def run(ctx):
    dead = free_port()  # nothing listens there
    small = ctx.capture("m20k", crit=20000)
    big = ctx.capture("m200k", crit=200000)
    base = ctx.config("base", "stdout_output: {enabled: false}\n")
    down = ctx.config("down", """
stdout_output: {enabled: false}
outputs:
  hook:
    type: http
    url: http://127.0.0.1:%d/
    queue: {capacity: 10000}
    drain_timeout: 1s
""" % dead)
    spool = ctx.config("spool", """
stdout_output: {enabled: false}
outputs:
  hook:
    type: http
    url: http://127.0.0.1:%d/
    spool: {enabled: true, dir: %s, max_size: 2MiB}
    drain_timeout: 1s
""" % (dead, os.path.join(ctx.tmp, "spool")))
    r0, _, _ = peak(ctx, big, base)
    r0s, _, _ = peak(ctx, small, base)
    r1, e1, rc1 = peak(ctx, small, down)
    r2, e2, rc2 = peak(ctx, big, down)
    r3, e3, rc3 = peak(ctx, big, spool)
    s1, s2, s3 = stats(e1, "hook"), stats(e2, "hook"), stats(e3, "hook")
    du = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(os.path.join(ctx.tmp, "spool")) for f in fs)
    print("FIGURE memory, backend down (peak RSS; the replay alone takes %.1f MiB for 20k alerts, %.1f MiB for 200k: "
          "the capture is read whole): queue 10000: 20k alerts +%.1f MiB, 200k alerts +%.1f MiB; spool capped at "
          "2 MiB: 200k alerts +%.1f MiB, %.2f MiB on disk" % (r0s, r0, r1 - r0s, r2 - r0, r3 - r0, du / 1048576.0))
    print("  counters: 20k %s\n  200k %s\n  spool %s" % (s1, s2, s3))
    check(rc1 == 0 and rc2 == 0 and rc3 == 0, "vigil exits 0")
    check(r2 - r0 < (r1 - r0s) * 1.25 + 4,
          "10x the alerts with the backend down: +%.1f MiB vs +%.1f MiB over the replay alone (bounded)"
          % (r2 - r0, r1 - r0s))
    check(s2["dropped"] + s2["sent"] + s2["failed"] == 200000 and s2["dropped"] >= 190000,
          "the queue bound holds: %d dropped, counted" % s2["dropped"])
    check(r3 - r0 < 4, "with the spool: +%.1f MiB over the replay alone (the backlog is on disk)" % (r3 - r0))
    check(du <= 2 * 1048576 + 4096 and s3["dropped"] + s3["spooled"] == 200000 and s3["dropped"] > 0,
          "the spool cap holds: %.2f MiB on disk, %d spooled + %d refused == 200000" %
          (du / 1048576.0, s3["spooled"], s3["dropped"]))


if __name__ == "__main__":
    main()
