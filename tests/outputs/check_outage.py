#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_outage.py - a backend down while alerts are raised (redis-server,
stopped and restarted on the same port):

  A. spool on: redis is down for OUTAGE seconds (60 by default) while
     vigil raises 1,000 alerts; vigil keeps retrying (drain_timeout 180s);
     redis comes back: all 1,000 arrive, duplicates counted (at-least-once).
  B. spool on, agent restart: redis down, vigil exits with the 1,000 alerts
     in its spool; redis back; a second vigil (no new alert) delivers them.
  C. spool off: redis down, queue.capacity 100; redis back after 3 s:
     what arrives plus what vigil counted dropped is exactly 1,000.

usage: check_outage.py VIGIL GEN_ALERTS [OUTAGE_SECONDS]"""
import json
import os
import subprocess
import sys
import time

from outlib import Ctx, check, finish, free_port, need, stats, wait_port
from check_brokers import Resp

N = 1000


def start_redis(ctx, port):
    rs = need("redis-server", "redis-server")
    p = ctx.spawn([rs, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                  stdout=subprocess.DEVNULL)
    check(wait_port(port), "redis-server up on %d" % port)
    return p


def stop(p):
    p.terminate()
    p.wait(10)


def received(port):
    r = Resp(port)
    items = r.cmd("LRANGE", "falco", 0, -1)
    uu = [json.loads(x)["uuid"] for x in items]
    return len(items), len(set(uu))


def config(ctx, name, port, spool, extra=""):
    return ctx.config(name, """
stdout_output: {enabled: false}
outputs:
  redis:
    address: 127.0.0.1:%d
    retry: {initial_backoff: 200ms, max_backoff: 2s}
%s%s""" % (port, ("    spool: {enabled: true, dir: %s}\n" % spool) if spool else "", extra))


def main():
    ctx = Ctx(sys.argv[:3])
    outage = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
    try:
        cap = ctx.capture("outage", crit=250, warn=250, note=250, dup=250)
        empty = ctx.capture("empty", noise=10)

        # A: an outage during the run, spool on
        port = free_port()
        r = start_redis(ctx, port)
        stop(r)
        spool = os.path.join(ctx.tmp, "spool-a")
        cfg = config(ctx, "a", port, spool, "    drain_timeout: 180s\n")
        t0 = time.time()
        v = subprocess.Popen([ctx.vigil, "replay", cap, "-r", os.path.join(os.path.dirname(__file__), "rules.yaml"),
                              "-c", cfg, "--stats"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, FALCO_HOSTNAME="test-host", TZ="UTC"))
        time.sleep(max(0, outage - (time.time() - t0)))
        r = start_redis(ctx, port)
        t1 = time.time()
        _, err = v.communicate(timeout=200)
        t2 = time.time()
        total, uniq = received(port)
        s = stats(err, "redis")
        print("A: outage %.0fs; vigil delivered the backlog %.2fs after redis came back; received %d (%d unique); %s"
              % (t1 - t0, t2 - t1, total, uniq, s))
        check(v.returncode == 0, "A: vigil exits 0")
        check(uniq == N, "A: all %d alerts arrived after a %.0fs outage (%d unique)" % (N, t1 - t0, uniq))
        check(total - uniq <= 100, "A: duplicates within one batch at most (at-least-once): %d" % (total - uniq))
        check(s and s["sent"] == N and s["dropped"] == 0 and s["spooled"] == N and s["retried"] > 0,
              "A: counters sent %d, spooled %d, dropped 0, retried > 0" % (N, N))
        stop(r)

        # B: the agent stops during the outage; the spool carries the alerts over
        port = free_port()
        spool = os.path.join(ctx.tmp, "spool-b")
        cfg = config(ctx, "b", port, spool, "    drain_timeout: 1s\n")
        p = ctx.replay(cap, cfg)
        s = stats(p.stderr, "redis")
        check(p.returncode == 0 and s and s["sent"] == 0 and s["dropped"] == 0 and s["pending in spool"] == N,
              "B: backend down at exit: the %d alerts stay in the spool (%s)" % (N, s))
        r = start_redis(ctx, port)
        p = ctx.replay(empty, cfg)
        s = stats(p.stderr, "redis")
        total, uniq = received(port)
        print("B: after restart: %s; received %d (%d unique)" % (s, total, uniq))
        check("1000 alerts in the spool from a previous run" in p.stderr, "B: the restarted agent finds the spool")
        check(uniq == N and total == N and s["pending in spool"] == 0,
              "B: all %d delivered by the next run, none twice, spool empty" % N)
        stop(r)

        # C: no spool: drops are counted exactly
        port = free_port()
        cfg = config(ctx, "c", port, None, "    queue: {capacity: 100}\n    drain_timeout: 30s\n")
        v = subprocess.Popen([ctx.vigil, "replay", cap, "-r", os.path.join(os.path.dirname(__file__), "rules.yaml"),
                              "-c", cfg, "--stats"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, FALCO_HOSTNAME="test-host", TZ="UTC"))
        time.sleep(3)
        r = start_redis(ctx, port)
        _, err = v.communicate(timeout=60)
        s = stats(err, "redis")
        total, uniq = received(port)
        print("C: spool off, queue 100: received %d (%d unique); %s" % (total, uniq, s))
        check(s and s["sent"] == uniq and s["dropped"] + uniq == N and s["dropped"] > 0,
              "C: received %d + dropped %d == %d exactly" % (uniq, s["dropped"] if s else -1, N))
        stop(r)
    finally:
        ctx.cleanup()
    finish()


if __name__ == "__main__":
    main()
