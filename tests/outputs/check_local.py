#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_local.py - the local channels: stdout, file and program with
routing (a second file output for Critical only, a program per alert for
one rule, Falco's program_output kept alive), de-duplication (the same
rule and file within the window: the first at once, then one alert
carrying dedup_count), throttling (a token bucket per rule), and SIGUSR1
reopening a file output that was renamed (logrotate style).

usage: check_local.py VIGIL GEN_ALERTS"""
import json
import os
import signal
import subprocess
import sys
import time

from outlib import Ctx, ENV, RULES, check, finish, stats


def lines(path):
    return open(path).read().splitlines() if os.path.exists(path) else []


def main():
    ctx = Ctx(sys.argv)
    try:
        run(ctx)
    finally:
        ctx.cleanup()
    finish()


def run(ctx):
    t = ctx.tmp
    cap = ctx.capture("local", crit=3, warn=2, note=2, dup=5)
    exp = ctx.expected(cap)
    cfg = ctx.config("local", """
json_output: true
file_output:
  enabled: true
  keep_alive: true
  filename: %(t)s/all.txt
program_output:
  enabled: true
  keep_alive: true
  program: cat > %(t)s/prog.txt
outputs:
  crit:
    type: file
    path: %(t)s/crit.txt
    minimum_priority: critical
  perline:
    type: program
    program: cat >> %(t)s/perline.txt
    rules: ["Notice file opened"]
  dedup:
    type: file
    path: %(t)s/dedup.txt
    dedup:
      window: 60s
      keys: [fd.name]
  throttle:
    type: file
    path: %(t)s/throttle.txt
    throttle: {rate: 0, burst: 2, per: rule}
""" % {"t": t})
    p = ctx.replay(cap, cfg)
    out = [l for l in p.stdout.splitlines() if l]
    check(out == exp, "stdout: the %d JSON alerts, Falco's bytes" % len(exp))
    check(lines(t + "/all.txt") == exp, "file_output (keep_alive): the same lines")
    check(lines(t + "/prog.txt") == exp, "program_output (keep_alive): the same lines")
    check(lines(t + "/crit.txt") == [e for e in exp if json.loads(e)["priority"] == "Critical"],
          "a file output with minimum_priority critical: the Critical ones")
    check(lines(t + "/perline.txt") == [e for e in exp if json.loads(e)["rule"] == "Notice file opened"],
          "a program per alert, rules [Notice file opened]: those alerts")
    d = lines(t + "/dedup.txt")
    nodup = [e for e in exp if json.loads(e)["rule"] != "Repeated file opened"]
    dups = [e for e in exp if json.loads(e)["rule"] == "Repeated file opened"]
    check([x for x in d if "dedup_count" not in x and json.loads(x)["rule"] != "Repeated file opened"] == nodup,
          "dedup: alerts with distinct keys all pass")
    rep = [json.loads(x) for x in d if json.loads(x)["rule"] == "Repeated file opened"]
    check(len(rep) == 2 and "dedup_count" not in rep[0] and rep[1].get("dedup_count") == 4 and
          d[-1].startswith('{"dedup_count":4,"hostname":') and json.dumps(rep[0], separators=(",", ":")) == dups[0],
          "dedup: 5 repeats -> the first at once, then one alert with dedup_count 4 (at the window's end)")
    s = stats(p.stderr, "dedup")
    check(s and s["deduplicated"] == 4 and s["sent"] == len(nodup) + 2, "dedup counters: %s" % s)
    th = [json.loads(x)["rule"] for x in lines(t + "/throttle.txt")]
    check(all(th.count(r) == min(2, [json.loads(e)["rule"] for e in exp].count(r)) for r in set(th)) and len(th) == 8,
          "throttle burst 2 per rule: at most 2 alerts of each of the 4 rules")
    s = stats(p.stderr, "throttle")
    check(s and s["throttled"] == len(exp) - 8, "throttle counters: %s" % s)

    # SIGUSR1: the file is renamed, vigil reopens it
    big = ctx.capture("big", crit=300000)
    rot = ctx.config("rot", """
stdout_output: {enabled: false}
file_output:
  enabled: true
  keep_alive: true
  filename: %s/rot.txt
""" % t)
    v = subprocess.Popen([ctx.vigil, "replay", big, "-r", RULES, "-c", rot], env=ENV, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    while not os.path.exists(t + "/rot.txt") or os.path.getsize(t + "/rot.txt") < 100000:
        time.sleep(0.01)
    os.rename(t + "/rot.txt", t + "/rot.txt.1")
    v.send_signal(signal.SIGUSR1)
    v.wait(60)
    a, b = lines(t + "/rot.txt.1"), lines(t + "/rot.txt")
    check(v.returncode == 0 and len(b) > 0 and len(a) + len(b) == 300000,
          "SIGUSR1 reopens a renamed file: %d lines before, %d after, none lost" % (len(a), len(b)))


if __name__ == "__main__":
    main()
