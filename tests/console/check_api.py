#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_api.py - the alert console's JSON API over HTTP, against the alerts
vigil printed for a generated capture (gen_alerts --pods: host and pod
containers in three namespaces):

  - every filter (rule, priority, tag, source, container, image, ns, pod, q,
    since/until, repeated keys) returns exactly the printed alerts it should;
  - keyset paging walks every matching alert once, newest first;
  - /api/alerts/ID, /api/stats, /api/rules, /api/stream (after=, Last-Event-ID);
  - bad parameters are 400 with a JSON message; hostile input (SQL
    injection, FTS syntax, LIKE wildcards, bad UTF-8, huge and negative
    numbers, too many parameters) never crashes vigil nor changes the data;
  - the database survives a restart (a second run appends), `vigil console
    query` answers offline, and max_alerts / max_age prune.

usage: check_api.py VIGIL GEN_ALERTS"""
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "outputs"))
from outlib import ENV, check, finish  # noqa: E402

RULES = os.path.join(HERE, "rules.yaml")
VIGIL, GEN = sys.argv[1], sys.argv[2]
work = tempfile.mkdtemp(prefix="vigil-console-api-")
cap = os.path.join(work, "a.scap")
db = os.path.join(work, "alerts.db")
subprocess.run([GEN, cap, "--crit", "40", "--warn", "50", "--note", "30", "--noise", "100", "--pods", "5"],
               check=True)


def console_args(path, extra=()):
    a = ["-o", "outputs.con.type=console", "-o", "outputs.con.path=" + path]
    for e in extra:
        a += ["-o", "outputs.con." + e]
    return a


def replay(path, extra=()):
    r = subprocess.run([VIGIL, "replay", cap, "-r", RULES, "--json"] + console_args(path, extra),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, timeout=300)
    check(r.returncode == 0, "replay into %s exits 0%s" % (os.path.basename(path), r.returncode and ": " + r.stderr[-300:] or ""))
    return [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]


# ===== a served replay =====
p = subprocess.Popen([VIGIL, "replay", cap, "-r", RULES, "--json", "--serve", "-o", "webserver.enabled=true",
                      "-o", "webserver.listen_port=0"] + console_args(db),
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
port, err_lines, out_lines = None, [], []
# stdout is read by a thread: 120 JSON lines fill a pipe
reader = threading.Thread(target=lambda: out_lines.extend(p.stdout), daemon=True)
reader.start()
for line in p.stderr:
    err_lines.append(line)
    m = re.search(r"web console on http://127\.0\.0\.1:(\d+)/", line)
    if m:
        port = int(m.group(1))
    if "replay done; serving" in line:
        break
if not check(port is not None, "vigil replay --serve starts the web server"):
    print("".join(err_lines))
    p.kill()
    finish()
threading.Thread(target=lambda: err_lines.extend(p.stderr), daemon=True).start()
deadline = time.time() + 10
while time.time() < deadline and sum(1 for x in list(out_lines) if x.startswith("{")) < 120:
    time.sleep(0.05)
printed = [json.loads(x) for x in list(out_lines) if x.startswith("{")]
check(len(printed) == 120, "vigil printed the capture's 120 alerts (%d)" % len(printed))


def get(path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    c.close()
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    return r.status, doc, body


def q(**kw):
    items = []
    for k, v in kw.items():
        for x in (v if isinstance(v, list) else [v]):
            items.append((k, x))
    return urllib.parse.urlencode(items)


# the output worker writes asynchronously: wait for all of them
for _ in range(100):
    st, doc, _b = get("/api/alerts?limit=1")
    if st == 200 and doc["total"] == len(printed):
        break
    time.sleep(0.1)
check(doc["total"] == len(printed), "the store holds every alert (%s)" % doc.get("total"))
st, doc, _b = get("/api/alerts?" + q(rule="Notice file opened", limit=1))
check(doc["last_id"] == 120 and doc["alerts"][0]["id"] < 120, "last_id is the newest id of all, not of the filter")


def outputs(docs):
    return sorted(d["output"] for d in docs)


def all_of(query):
    st, doc, body = get("/api/alerts?" + query + ("&" if query else "") + "limit=1000")
    if st != 200:
        return None, body
    return doc, body


def expect(query, pred, what):
    doc, body = all_of(query)
    want = [d for d in printed if pred(d)]
    ok = doc is not None and outputs(doc["alerts"]) == outputs(want) and doc["total"] == len(want)
    check(ok and (len(want) > 0 or "empty" in what),
          "%s: %d alerts (%s)" % (what, len(want), "got %d" % len(doc["alerts"]) if doc else body[:200]))


F = lambda d, k: d["output_fields"].get(k)  # noqa: E731
# ===== filters =====
for rule in ("Critical file opened", "Warning file opened", "Notice file opened"):
    expect(q(rule=rule), lambda d, r=rule: d["rule"] == r, "rule=" + rule)
expect(q(rule=["Critical file opened", "Notice file opened"]),
       lambda d: d["rule"] in ("Critical file opened", "Notice file opened"), "two rules")
expect(q(priority="warning"), lambda d: d["priority"] == "Warning", "priority=warning")
expect(q(priority=["Critical", "notice"]), lambda d: d["priority"] in ("Critical", "Notice"), "two priorities")
expect(q(tag="mitre_discovery"), lambda d: "mitre_discovery" in d["tags"], "tag=mitre_discovery")
expect(q(tag="filesystem"), lambda d: "filesystem" in d["tags"], "tag=filesystem")
expect(q(source="syscall"), lambda d: d["source"] == "syscall", "source=syscall")
expect(q(source="internal"), lambda d: False, "source=internal (empty)")
expect(q(ns="frontend"), lambda d: F(d, "k8s.ns.name") == "frontend", "ns=frontend")
expect(q(ns=["frontend", "monitoring"]), lambda d: F(d, "k8s.ns.name") in ("frontend", "monitoring"), "two ns")
expect(q(pod="pod-3"), lambda d: F(d, "k8s.pod.name") == "pod-3", "pod=pod-3")
expect(q(container="host"), lambda d: F(d, "container.id") == "host", "container=host")
cid = next(F(d, "container.id") for d in printed if F(d, "container.id") != "host")
cname = next(F(d, "container.name") for d in printed if F(d, "container.id") == cid)
expect(q(container=cid), lambda d: F(d, "container.id") == cid, "container=<short id>")
expect(q(container=cname), lambda d: F(d, "container.name") == cname, "container=<name>")
expect(q(image="registry.local/app1"), lambda d: F(d, "container.image.repository") == "registry.local/app1",
       "image=<repository>")
expect(q(image="registry.local/app0:1.2"),
       lambda d: F(d, "container.image.repository") == "registry.local/app0" and F(d, "container.image.tag") == "1.2",
       "image=<repository:tag>")
expect(q(q="crit-002"), lambda d: "crit-002" in d["output"], "q=crit-002 (trigram)")
expect(q(q="CRIT-002"), lambda d: "crit-002" in d["output"], "q is case-insensitive")
expect(q(q="01"), lambda d: "01" in d["output"], "q=01 (two characters: LIKE)")
expect(q(ns="payments", rule="Warning file opened", q="warn-00"),
       lambda d: F(d, "k8s.ns.name") == "payments" and d["rule"] == "Warning file opened" and "warn-00" in d["output"],
       "ns + rule + q together")
ts = sorted(F(d, "evt.time") for d in printed)
lo, hi = ts[20], ts[80]
iso = lambda ns: time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 10**9)) + ".%09dZ" % (ns % 10**9)  # noqa: E731
expect(q(since=iso(lo), until=iso(hi)), lambda d: lo <= F(d, "evt.time") < hi, "since/until (RFC 3339)")
expect(q(since="%d.%09d" % (lo // 10**9, lo % 10**9)), lambda d: F(d, "evt.time") >= lo,
       "since (epoch seconds with a fraction)")
expect(q(until="2026-01-01T01:00:00+01:00"), lambda d: False, "until with an offset (empty)")

# ===== paging =====
seen, cursor, pages, totals = [], None, 0, set()
while pages < 100:
    st, doc, _b = get("/api/alerts?" + q(ns="frontend", limit=7, **({"cursor": cursor} if cursor else {})))
    if st != 200:
        break
    seen += doc["alerts"]
    totals.add(doc["total"])
    pages += 1
    cursor = doc["next_cursor"]
    if not cursor:
        break
want = [d for d in printed if F(d, "k8s.ns.name") == "frontend"]
ids = [a["id"] for a in seen]
check(ids == sorted(set(ids), reverse=True) and outputs(seen) == outputs(want) and totals == {len(want)},
      "paging by 7 walks the %d frontend alerts once, newest first (%d pages)" % (len(want), pages))

# ===== one alert, stats, rules =====
st, one, _b = get("/api/alerts/%d" % ids[0])
src = next(d for d in printed if d["output"] == one["alert"]["output"]) if st == 200 else None
ev = dict(one["event"]) if st == 200 else {}
ev.pop("uuid", None)
check(st == 200 and ev == src, "/api/alerts/ID holds the full alert JSON as vigil printed it")
check(st == 200 and one["rule"]["desc"].startswith("a file under /etc/vigil-test/") and one["rule"]["tags"] == src["tags"],
      "/api/alerts/ID has the rule's description and tags")
st, stats, _b = get("/api/stats")
byprio = {}
for d in printed:
    byprio[d["priority"]] = byprio.get(d["priority"], 0) + 1
check(st == 200 and {p["name"]: p["count"] for p in stats["priorities"]} == byprio and stats["total"] == 120,
      "/api/stats counts by priority: %s" % byprio)
check(sum(c for _t, _p, c in stats["series"]) == 120, "the time series adds up to the total")
bytactic = {}
for d in printed:
    for t in d["tags"]:
        if t.startswith("mitre_"):
            bytactic[t] = bytactic.get(t, 0) + 1
check({m["tactic"]: m["count"] for m in stats["mitre"]} == bytactic, "MITRE tactic counts: %s" % bytactic)
byns = {}
for d in printed:
    if F(d, "k8s.ns.name"):
        byns[F(d, "k8s.ns.name")] = byns.get(F(d, "k8s.ns.name"), 0) + 1
check({n["name"]: n["count"] for n in stats["top_namespaces"]} == byns, "top namespaces: %s" % byns)
check(all(c["name"] != "host" for c in stats["top_containers"]) and len(stats["top_containers"]) == 5,
      "top containers: the five pods, not the host")
st, fstats, _b = get("/api/stats?" + q(rule="Notice file opened"))
check(st == 200 and fstats["total"] == byprio["Notice"] and [r["name"] for r in fstats["top_rules"]] == ["Notice file opened"],
      "/api/stats takes the filters")
st, rules, _b = get("/api/rules")
check(st == 200 and len(rules["rules"]) == 4 and all(r["desc"] for r in rules["rules"]), "/api/rules: the 4 rules")

# ===== stream =====
def stream(path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", path, headers=headers or {})
    r = c.getresponse()
    data = b""
    end = time.time() + 2
    c.sock.settimeout(0.3)
    while time.time() < end and data.count(b"event: alert") < 3:
        try:
            chunk = r.fp.read1(65536)
        except OSError:
            continue
        if not chunk:
            break
        data += chunk
    c.close()
    return r.status, r.getheader("Content-Type"), re.findall(rb"id: (\d+)\nevent: alert\ndata: ", data)


top = max(a["id"] for a in all_of("")[0]["alerts"])
st, ctype, got = stream("/api/stream?after=%d" % (top - 3))
check(st == 200 and ctype.startswith("text/event-stream") and [int(x) for x in got] == [top - 2, top - 1, top],
      "/api/stream?after=N replays the alerts after N (%s)" % got)
st, ctype, got = stream("/api/stream", {"Last-Event-ID": str(top - 1)})
check([int(x) for x in got] == [top], "Last-Event-ID resumes after that id (%s)" % got)

# ===== bad parameters: 400 with a message =====
bad = [
    "limit=-1", "limit=0", "limit=1001", "limit=abc", "limit=99999999999999999999999", "limit=1e3", "limit=",
    "cursor=-5", "cursor=x", "cursor=0", "priority=bogus", "priority=", "since=yesterday", "until=2026-13-45T00:00:00Z",
    "since=-1", "bogus=1", "q=a&q=b", "limit=1&limit=2", "rule=%ff", "ns=%c3%28", "pod=%c0%af", "tag=%ed%a0%80",
    "q=" + "x" * 1100, "&".join("rule=r%d" % i for i in range(70)), "%ff=1", "buckets=5",
]
for b in bad:
    st, doc, body = get("/api/alerts?" + b)
    check(st == 400 and isinstance(doc, dict) and len(doc.get("error", "")) > 5,
          "400 with a message for %s: %s" % (b[:40], (doc or {}).get("error", body[:80])))
for path, code in (("/api/stats?buckets=0", 400), ("/api/stats?buckets=501", 400), ("/api/alerts/abc", 400),
                   ("/api/alerts/0", 400), ("/api/alerts/-1", 400), ("/api/alerts/999999", 404),
                   ("/api/alerts/1?x=1", 400), ("/api/nope", 404), ("/api/rules?x=1", 400),
                   ("/api/stream?bogus=1", 400), ("/api/stream?after=-1", 400)):
    st, doc, body = get(path)
    check(st == code and isinstance(doc, dict) and doc.get("error"),
          "%d with a message for %s: %s" % (code, path, (doc or {}).get("error", body[:80])))
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
c.request("POST", "/api/alerts", body="x")
r = c.getresponse()
check(r.status == 405, "POST /api/alerts is 405 (%d)" % r.status)
r.read()
c.close()

# ===== hostile input: answered, literal, nothing changed =====
hostile = ["' OR 1=1 --", "\" OR \"\"=\"", "x'); DROP TABLE alerts; --", "1; DELETE FROM alerts", "%", "_", "\\",
           "*", "NEAR(crit warn)", "crit OR warn", "output:crit", "\"", "''", "\x00abc", "\u202e\U0001F600",
           "crit-00%", "a" * 1024]
wrong = []
for h in hostile:
    for k in ("rule", "tag", "source", "container", "image", "ns", "pod", "q"):
        st, doc, body = get("/api/alerts?" + urllib.parse.urlencode({k: h, "limit": 1000}))
        lit = [d for d in printed if h and h in d["output"]] if k == "q" else []
        ok = st == 200 and doc["total"] == len(lit) and outputs(doc["alerts"]) == outputs(lit)
        if h == "\x00abc":
            ok = st in (200, 400) and isinstance(doc, dict)
        if not ok:
            wrong.append("%s=%r: %d %s" % (k, h[:30], st, body[:120]))
check(not wrong, "hostile strings in every filter answered literally (%d strings x 8 filters)%s"
      % (len(hostile), "".join("\n  " + w for w in wrong)))
st, doc, _b = get("/api/alerts?limit=1")
check(st == 200 and doc["total"] == 120 and p.poll() is None, "after the hostile input: vigil alive, 120 alerts")

p.send_signal(signal.SIGTERM)
try:
    p.wait(30)
except subprocess.TimeoutExpired:
    p.kill()
check(p.returncode == 0, "vigil replay --serve exits 0 on SIGTERM (%s)" % p.returncode)

# ===== restart: the same database, reopened =====
again = replay(db)
r = subprocess.run([VIGIL, "console", "query", db, "/api/alerts?limit=1"], stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, text=True)
doc = json.loads(r.stdout)
check(r.returncode == 0 and doc["total"] == 240 and doc["alerts"][0]["id"] == 240,
      "a second run appends to the reopened database (total %s, newest id %s)" % (doc["total"], doc["alerts"][0]["id"]))
r = subprocess.run([VIGIL, "console", "query", db, "/api/alerts?limit=x"], stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, text=True)
check(r.returncode == 1 and "limit" in json.loads(r.stdout)["error"] and "status: 400" in r.stderr,
      "vigil console query: a bad parameter is a 400 too")
r = subprocess.run([VIGIL, "console", "query", os.path.join(work, "missing.db"), "/api/alerts"],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
check(r.returncode == 1 and "status: 503" in r.stderr, "vigil console query on a missing database: 503")

# ===== bounds =====
small = os.path.join(work, "small.db")
replay(small, ["max_alerts=50", "prune_batch=10"])
r = subprocess.run([VIGIL, "console", "query", small, "/api/alerts?limit=1000"], stdout=subprocess.PIPE,
                   stderr=subprocess.DEVNULL, text=True)
doc = json.loads(r.stdout)
kept = outputs(doc["alerts"])
check(50 <= doc["total"] < 60 and kept == outputs(printed[-doc["total"]:]),
      "max_alerts=50, prune_batch=10: %d newest alerts kept" % doc["total"])
aged = os.path.join(work, "aged.db")
replay(aged, ["max_age=20ms"])
r = subprocess.run([VIGIL, "console", "query", aged, "/api/alerts?limit=1000"], stdout=subprocess.PIPE,
                   stderr=subprocess.DEVNULL, text=True)
doc = json.loads(r.stdout)
newest = max(F(d, "evt.time") for d in printed)
oldest_kept = min(a["ts"] for a in doc["alerts"])
check(0 < doc["total"] < 120 and newest - oldest_kept < 23 * 10**6,
      "max_age=20ms: %d alerts kept, within %.1f ms of the newest" % (doc["total"], (newest - oldest_kept) / 1e6))
r = subprocess.run([VIGIL, "replay", cap, "-r", RULES] + console_args("/nonexistent/dir/a.db"),
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
check(r.returncode != 0 and ("cannot open" in r.stderr or "unable to open" in r.stderr),
      "an unwritable database path stops vigil at start: " + r.stderr.strip().splitlines()[-1][:120])

# ===== authentication: the console's routes are the server's =====
p = subprocess.Popen([VIGIL, "replay", cap, "-r", RULES, "--serve", "-o", "webserver.enabled=true",
                      "-o", "webserver.listen_port=0", "-o", "webserver.bearer_token=s3cret",
                      "-o", "stdout_output.enabled=false"] + console_args(os.path.join(work, "auth.db")),
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV)
port = None
for line in p.stderr:
    m = re.search(r"web console on http://127\.0\.0\.1:(\d+)/", line)
    port = int(m.group(1)) if m else port
    if "replay done; serving" in line:
        break
threading.Thread(target=lambda: [None for _ in p.stderr], daemon=True).start()
codes = [get(u)[0] for u in ("/api/alerts", "/", "/app.js", "/api/stream")]
for _ in range(100):  # the worker stores asynchronously
    st_ok, doc_ok, _b = get("/api/alerts?limit=1", {"Authorization": "Bearer s3cret"})
    if st_ok != 200 or doc_ok["count"]:
        break
    time.sleep(0.1)
check(port and codes == [401] * 4 and st_ok == 200 and doc_ok["count"] == 1,
      "with webserver.bearer_token the page and the API need the token (%s, then %s)" % (codes, st_ok))
p.send_signal(signal.SIGTERM)
p.wait(30)

# ===== configuration: falco.yaml style, errors at file:line:col =====
cfg = os.path.join(work, "vigil.yaml")
with open(cfg, "w") as f:
    f.write("outputs:\n  console:\n    type: console\n    path: %s\n    max_alerts: -5\n    max_age: 2x\n"
            "    bogus_key: 1\n" % os.path.join(work, "cfg.db"))
r = subprocess.run([VIGIL, "replay", cap, "-r", RULES, "-c", cfg], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                   text=True)
check(r.returncode != 0 and "%s:5:5: error: max_alerts: '-5' is not a non-negative integer" % cfg in r.stderr
      and "%s:6:5: error: max_age: '2x' is not a duration" % cfg in r.stderr and "%s:7:5:" % cfg in r.stderr,
      "console keys are checked at file:line:col:\n" + r.stderr.strip())
with open(cfg, "w") as f:
    f.write("outputs:\n  console:\n    type: console\n    path: %s\n    max_alerts: 30\n    prune_batch: 5\n"
            % os.path.join(work, "cfg.db"))
r = subprocess.run([VIGIL, "replay", cap, "-r", RULES, "-c", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                   text=True)
r2 = subprocess.run([VIGIL, "console", "query", os.path.join(work, "cfg.db"), "/api/stats"], stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL, text=True)
check(r.returncode == 0 and 30 <= json.loads(r2.stdout)["total"] < 35,
      "a console output from the configuration file (max_alerts: 30): %s stored" % json.loads(r2.stdout)["total"])

subprocess.run(["rm", "-rf", work])
finish()
