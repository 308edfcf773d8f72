#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# console.sh - the alert console's figures for the closing notes (printed,
# never asserted):
#   1. with 100,000 alerts stored, how long the filtered table query
#      (/api/alerts?...&limit=100 over HTTP, as the page asks it) and the
#      charts (/api/stats) take: median and worst of 20 requests each;
#   2. the replay detection rate with the console output on vs off (the same
#      capture, stdout to /dev/null, best of 3 each): the ratio, and how many
#      alerts the console stored (its queue drops rather than slow detection).
#
# usage: bench/console.sh [BUILD_DIR]
set -eu
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
vigil=$build/src/vigil
gen=$build/tests/outputs/gen_alerts
[ -x "$vigil" ] && [ -x "$gen" ] || { echo "console.sh: build first ($vigil, $gen)" >&2; exit 1; }
work=$(mktemp -d /tmp/vigil-console-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 - "$vigil" "$gen" "$here/tests/console/rules.yaml" "$work" <<'PY'
import http.client, os, re, signal, statistics, subprocess, sys, threading, time
vigil, gen, rules, work = sys.argv[1:5]
env = dict(os.environ, TZ="UTC")
cap = os.path.join(work, "big.scap")
subprocess.run([gen, cap, "--crit", "34000", "--warn", "33000", "--note", "33000", "--noise", "100000",
                "--pods", "8"], check=True)
db = os.path.join(work, "big.db")
con = lambda path, *extra: sum((["-o", "outputs.con." + e] for e in ("type=console", "path=" + path) + extra), [])

# 1. fill 100,000 alerts, then serve them
t = time.monotonic()
p = subprocess.Popen([vigil, "replay", cap, "-r", rules, "--serve", "-o", "webserver.enabled=true",
                      "-o", "webserver.listen_port=0", "-o", "stdout_output.enabled=false"]
                     + con(db, "max_alerts=200000", "queue.capacity=200000", "drain_timeout=600s"),
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
port = None
for line in p.stderr:
    m = re.search(r"web console on http://127\.0\.0\.1:(\d+)/", line)
    port = int(m.group(1)) if m else port
    if "replay done" in line:
        break
threading.Thread(target=lambda: [None for _ in p.stderr], daemon=True).start()

def get(path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    t0 = time.perf_counter()
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    dt = (time.perf_counter() - t0) * 1000
    c.close()
    return r.status, body, dt

total = 0
while total < 100000 and time.monotonic() - t < 600:
    st, body, _ = get("/api/alerts?limit=1")
    m = re.search(rb'"id":(\d+)', body) if st == 200 else None
    total = int(m.group(1)) if m else 0     # ids count from 1 in a new database
    time.sleep(0.5)
st, body, _ = get("/api/stats?buckets=1")
total = int(re.search(rb'"total":(\d+)', body).group(1))
print("FIGURE console: %d alerts stored in %.1f s (replay and inserts), database %.1f MB"
      % (total, time.monotonic() - t, sum(os.path.getsize(db + x) for x in ("", "-wal") if os.path.exists(db + x)) / 1e6))
queries = [
    ("table, no filter", "/api/alerts?limit=100"),
    ("table, ns + rule", "/api/alerts?ns=payments&rule=Warning+file+opened&limit=100"),
    ("table, priority + container", "/api/alerts?priority=critical&container=k8s_app_pod-3_payments&limit=100"),
    ("table, tag + since/until", "/api/alerts?tag=mitre_discovery&since=2026-01-01T00:01:00Z&until=2026-01-01T00:02:00Z&limit=100"),
    ("table, free text", "/api/alerts?q=warn-0123&limit=100"),
    ("table, page 50 (cursor)", None),
    ("charts (/api/stats), no filter", "/api/stats"),
    ("charts (/api/stats), ns", "/api/stats?ns=frontend"),
]
st, body, _ = get("/api/alerts?limit=1")
top = int(re.search(rb'"id":(\d+)', body).group(1))
for name, path in queries:
    if path is None:
        path = "/api/alerts?ns=frontend&limit=100&cursor=%d" % (top - 50 * 300)
    times = []
    for _ in range(20):
        st, body, dt = get(path)
        times.append(dt)
    n = re.search(rb'"total":(\d+)(,"total_capped":true)?', body)
    print("FIGURE console query %-34s median %6.1f ms, worst %6.1f ms (status %d, %s matching)"
          % (name + ":", statistics.median(times), max(times), st, (n.group(1).decode() + ("+" if n.group(2) else "")) if n else "?"))
p.send_signal(signal.SIGTERM)
p.wait(60)

# 2. detection rate, console on vs off
def run(extra):
    """Best of 3: the engine's own replay time (vigil's --stats `replay:`
    line: outputs draining afterwards not counted), the wall time, and the
    console's sent/dropped counters."""
    best = None
    for _ in range(3):
        t0 = time.monotonic()
        r = subprocess.run([vigil, "replay", cap, "-r", rules, "--json", "--stats"] + extra,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        wall = time.monotonic() - t0
        eng = float(re.search(r"^replay: ([0-9.]+) s", r.stderr, re.M).group(1))
        m = re.search(r"con \(console\): sent (\d+), retried \d+, failed \d+, dropped (\d+)", r.stderr)
        stored = (int(m.group(1)), int(m.group(2))) if m else None
        if best is None or eng < best[0]:
            best = (eng, wall, stored)
    ev = re.search(r"events: (\d+) read", r.stderr)
    return best, int(ev.group(1)) if ev else 0

(off, off_wall, _), nev = run([])
for f in ("on.db", "on.db-wal", "on.db-shm"):
    if os.path.exists(os.path.join(work, f)):
        os.unlink(os.path.join(work, f))
(on, on_wall, stored), _ = run(con(os.path.join(work, "on.db"), "max_alerts=1000000"))
print("FIGURE console detection: replay of %d events raising 100000 alerts: engine %.2f s without the console"
      " output (%.0f events/s), %.2f s with it (%.0f events/s): detection rate ratio on/off %.2f"
      % (nev, off, nev / off, on, nev / on, off / on))
print("FIGURE console detection: wall time with the outputs' drain: %.2f s off, %.2f s on; the console stored %s"
      " and dropped %s (queue full: dropped, never waited for)"
      % (off_wall, on_wall, stored[0] if stored else "?", stored[1] if stored else "?"))
PY
