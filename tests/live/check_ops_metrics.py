#!/usr/bin/env python3
"""check_ops_metrics.py - `vigil run` with the web server on a free loopback
port: /metrics is scraped before and after real actions that match a rule,
and the counters must move with them (events, the rule's matches, each
output's sent count); the exposition format is checked line by line (HELP
and TYPE before every family, valid names, escaped labels); /healthz answers
200 without credentials, /version gives JSON, wrong or missing credentials
get 401, the socket listens on 127.0.0.1 only; Falco's metrics snapshot
arrives as an internal alert with the rule's counter.

With "stall": vigil's stdout is a pipe nobody reads and output_timeout is
long, so alerts block the event loop: /healthz must turn 503 (with
webserver.healthz_stall_seconds=1), then 200 again once stdout is drained.

usage: check_ops_metrics.py VIGIL [stall]"""
import base64
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import livelib  # noqa: E402

AUTH = "Basic " + base64.b64encode(b"ops:s3cret").decode()
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def get(port, path, auth=AUTH):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path))
    if auth:
        req.add_header("Authorization", auth)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


def parse_exposition(text):
    """{(name, frozenset(labels)): value}, after checking the format."""
    helps, types, seen_families, out = {}, {}, [], {}
    current = None
    for n, line in enumerate(text.split("\n"), 1):
        if not line:
            continue
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            if name in helps:
                fail("line %d: a second HELP for %s" % (n, name))
            helps[name] = line
            current = name
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            if name != current or name in types:
                fail("line %d: TYPE %s does not follow its HELP" % (n, name))
            if typ not in ("counter", "gauge", "untyped", "histogram", "summary"):
                fail("line %d: unknown type %s" % (n, typ))
            types[name] = typ
            seen_families.append(name)
            continue
        if line.startswith("#"):
            fail("line %d: stray comment %r" % (n, line))
        m = SAMPLE.match(line)
        if not m:
            fail("line %d: not a sample: %r" % (n, line))
        name, _, labels, value = m.groups()
        if name != current or name not in types:
            fail("line %d: sample %s outside its family (HELP/TYPE first, families contiguous)" % (n, name))
        if types[name] == "counter" and not name.endswith("_total"):
            fail("line %d: counter %s does not end in _total" % (n, name))
        lab = {}
        if labels:
            pos = 0
            while pos < len(labels):
                lm = LABEL.match(labels, pos)
                if not lm:
                    fail("line %d: bad labels %r" % (n, labels))
                lab[lm.group(1)] = lm.group(2).replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
                pos = lm.end()
        v = float(value)
        key = (name, frozenset(lab.items()))
        if key in out:
            fail("line %d: duplicate sample %s %s" % (n, name, lab))
        out[key] = v
    return out, types


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


def total(samples, name, **labels):
    """Sum of a family's samples whose labels include `labels`."""
    return sum(v for (n, lab), v in samples.items()
               if n == name and all((k, val) in lab for k, val in labels.items()))


def listening_addrs(port):
    """Local addresses of the sockets listening on `port` (IPv4 and IPv6)."""
    addrs = []
    for f, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        try:
            lines = open(f).read().splitlines()[1:]
        except OSError:
            continue
        for l in lines:
            parts = l.split()
            local, st = parts[1], parts[3]
            ip, p = local.split(":")
            if int(p, 16) == port and st == "0A":
                addrs.append(ip)
    return addrs


def main():
    livelib.require_root()
    vigil = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="vigil-ops-metrics-")
    nonce = "m%d" % os.getpid()
    rule = "Ops metrics %s" % nonce
    rules = os.path.join(tmp, "rules.yaml")
    with open(rules, "w") as f:
        f.write("- rule: %s\n  desc: opens of the test's trigger files\n"
                "  condition: evt.type in (open, openat) and fd.name startswith %s/trigger-\n"
                "  output: trigger %%fd.name opened by %%proc.name (nonce %s)\n  priority: NOTICE\n"
                % (rule, tmp, nonce))
    alerts_file = os.path.join(tmp, "alerts.txt")
    v = livelib.Vigil([vigil, "run", "-r", rules, "--json",
                       "-o", "webserver.enabled=true", "-o", "webserver.listen_port=0",
                       "-o", "webserver.basic_auth=ops:s3cret",
                       "-o", "file_output.enabled=true", "-o", "file_output.filename=" + alerts_file,
                       "-o", "metrics.enabled=true", "-o", "metrics.interval=1s",
                       "-o", "metrics.enable_kernel_bpf_stats=true"])
    try:
        if not v.wait_ready():
            fail(livelib.start_failure(v))
        port = None
        end = time.monotonic() + 10
        while port is None and time.monotonic() < end:
            m = re.search(r"web server listening on 127\.0\.0\.1:(\d+)", v.stderr_text())
            port = int(m.group(1)) if m else None
            time.sleep(0.05)
        if not port:
            fail("no 'web server listening' line:\n" + v.stderr_text())
        # bound to loopback only (the default listen_address)
        addrs = listening_addrs(port)
        if addrs != ["0100007F"]:
            fail("port %d listens on %s, expected 127.0.0.1 only" % (port, addrs))
        print("listening on 127.0.0.1:%d only" % port)

        # authentication: none, wrong, right; /healthz is public
        st, _, _ = get(port, "/metrics", auth=None)
        if st != 401:
            fail("/metrics without credentials: %d, expected 401" % st)
        bad = "Basic " + base64.b64encode(b"ops:wrong").decode()
        for path in ("/metrics", "/version"):
            st, _, _ = get(port, path, auth=bad)
            if st != 401:
                fail("%s with a wrong password: %d, expected 401" % (path, st))
        st, _, _ = get(port, "/metrics", auth="Bearer s3cret")
        if st != 401:
            fail("/metrics with a bearer token when basic auth is configured: %d, expected 401" % st)
        st, ct, body = get(port, "/healthz", auth=None)
        if st != 200 or json.loads(body).get("status") != "ok" or "json" not in ct:
            fail("/healthz: %d %s %r" % (st, ct, body))
        st, ct, body = get(port, "/version")
        doc = json.loads(body)
        if st != 200 or "json" not in ct or not doc.get("version") or not doc.get("engine_version") \
                or doc.get("rules", {}).get("loaded") != 1 or doc["rules"].get("enabled") != 1:
            fail("/version: %d %s %r" % (st, ct, body))
        print("/healthz 200 %s; /version %s" % (json.loads(get(port, "/healthz", None)[2]), body.strip()))

        st, ct, text = get(port, "/metrics")
        if st != 200 or not ct.startswith("text/plain; version=0.0.4"):
            fail("/metrics: %d %s" % (st, ct))
        before, types = parse_exposition(text)
        for fam in ("vigil_events_total", "vigil_events_dropped_total", "vigil_events_per_second",
                    "vigil_rule_matches_total", "vigil_alerts_total", "vigil_output_alerts_sent_total",
                    "vigil_output_alerts_failed_total", "vigil_output_alerts_dropped_total",
                    "vigil_output_alerts_spooled_total", "vigil_output_retries_total", "vigil_state_entries",
                    "process_resident_memory_bytes", "process_cpu_seconds_total",
                    "vigil_bpf_prog_recursion_misses_total", "vigil_bpf_stats_enabled", "vigil_reloads_total"):
            if fam not in types:
                fail("family %s missing from /metrics" % fam)
        ncpu = os.cpu_count()
        for cause in ("ring_full", "too_large", "no_ring"):
            cpus = {dict(lab).get("cpu") for (n, lab) in before
                    if n == "vigil_events_dropped_total" and ("cause", cause) in lab}
            if cpus != {str(c) for c in range(ncpu)}:
                fail("drops by cause %s: CPUs %s, expected 0..%d" % (cause, sorted(cpus), ncpu - 1))
        r0 = value(before, "vigil_rule_matches_total", rule=rule, priority="Notice")
        if r0 != 0:
            fail("rule %r starts at %r matches, expected 0" % (rule, r0))
        if not value(before, "vigil_state_entries", table="threads"):
            fail("no threads in the state table")
        if not value(before, "process_resident_memory_bytes"):
            fail("no RSS")

        # real actions matching the rule
        n = 25
        for i in range(n):
            with open(os.path.join(tmp, "trigger-%d" % i), "w") as f:
                f.write("x")
        got = v.wait_for(lambda out: sum(1 for l in out if nonce in l and "trigger-" in l) >= n or None, 20)
        if not got:
            fail("%d alerts expected on stdout, got %d" % (n, sum(1 for l in v.out if nonce in l)))
        time.sleep(0.3)
        st, _, text = get(port, "/metrics")
        after, _ = parse_exposition(text)
        ev0, ev1 = value(before, "vigil_events_total"), value(after, "vigil_events_total")
        r1 = value(after, "vigil_rule_matches_total", rule=rule, priority="Notice")
        print("events_total %d -> %d; rule matches %d -> %d" % (ev0, ev1, r0, r1))
        if not ev1 > ev0:
            fail("vigil_events_total did not move")
        if value(after, "vigil_events_processed_total") <= value(before, "vigil_events_processed_total"):
            fail("vigil_events_processed_total did not move")
        if r1 != n:
            fail("rule matches: %r, expected exactly %d" % (r1, n))
        a0 = value(before, "vigil_alerts_total", priority="Notice")
        a1 = value(after, "vigil_alerts_total", priority="Notice")
        if a1 - a0 != n:
            fail("vigil_alerts_total{priority=Notice} moved by %d, expected %d" % (a1 - a0, n))
        for out, typ in (("stdout_output", "stdout"), ("file_output", "file")):
            s0 = value(before, "vigil_output_alerts_sent_total", output=out, type=typ)
            s1 = value(after, "vigil_output_alerts_sent_total", output=out, type=typ)
            print("output %s sent %s -> %s" % (out, s0, s1))
            if s0 is None or s1 is None or s1 - s0 < n:
                fail("output %s: sent %s -> %s, expected at least +%d" % (out, s0, s1, n))
            if value(after, "vigil_output_alerts_failed_total", output=out, type=typ) != 0:
                fail("output %s failed some alerts" % out)
        # kernel BPF statistics, enabled for the run by metrics.enable_kernel_bpf_stats
        if value(after, "vigil_bpf_stats_enabled") != 1:
            fail("vigil_bpf_stats_enabled is not 1 with metrics.enable_kernel_bpf_stats")
        c0 = value(before, "vigil_bpf_prog_run_count_total", program="vg_sys_exit")
        c1 = value(after, "vigil_bpf_prog_run_count_total", program="vg_sys_exit")
        t1 = value(after, "vigil_bpf_prog_run_time_ns_total", program="vg_sys_exit")
        if c0 is None or c1 is None or not c1 > c0 or not t1:
            fail("vg_sys_exit run count %s -> %s, run time %s: not moving" % (c0, c1, t1))
        print("vg_sys_exit: %d runs, %.0f ns per run" % (c1, t1 / c1))
        drops = total(after, "vigil_events_dropped_total")
        print("drops: %d; events/s %.0f; rss %d MiB" % (drops, value(after, "vigil_events_per_second"),
                                                       value(after, "process_resident_memory_bytes") // 2**20))

        # Falco's metrics snapshot: an internal alert carrying the rule's counter
        def snapshot(out):
            for l in reversed(out):
                if '"Falco internal: metrics snapshot"' in l:
                    d = json.loads(l)
                    if d["output_fields"].get("falco.rules." + rule) == str(n):
                        return d
            return None
        d = v.wait_for(snapshot, 10)
        if not d:
            fail("no metrics snapshot alert with falco.rules.%s=%d:\n%s" % (
                rule, n, "\n".join(l for l in v.out if "metrics snapshot" in l)[-2000:]))
        if d.get("source") != "internal" or d.get("priority") != "Informational" \
                or int(d["output_fields"].get("scap.n_evts", "0")) <= 0:
            fail("metrics snapshot: %r" % d)
        print("metrics snapshot alert: %d fields, scap.n_evts=%s" % (len(d["output_fields"]),
                                                                      d["output_fields"]["scap.n_evts"]))
    finally:
        rc = v.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    if rc != 0:
        fail("vigil exited with %d:\n%s" % (rc, v.stderr_text()))
    print("PASS")


def main_stall():
    import subprocess
    livelib.require_root()
    vigil = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="vigil-ops-stall-")
    rules = os.path.join(tmp, "rules.yaml")
    with open(rules, "w") as f:
        f.write("- rule: Ops stall\n  desc: d\n"
                "  condition: evt.type in (open, openat) and fd.name startswith %s/s-\n"
                "  output: %s %%fd.name\n  priority: NOTICE\n" % (tmp, "x" * 2000))
    errf = open(os.path.join(tmp, "stderr"), "w+")
    p = subprocess.Popen([vigil, "run", "-r", rules, "-o", "webserver.enabled=true", "-o", "webserver.listen_port=0",
                          "-o", "webserver.healthz_stall_seconds=1", "-o", "output_timeout=60000"],
                         stdout=subprocess.PIPE, stderr=errf, stdin=subprocess.DEVNULL)
    try:
        port = None
        end = time.monotonic() + 60
        while port is None and time.monotonic() < end and p.poll() is None:
            errf.seek(0)
            m = re.search(r"web server listening on 127\.0\.0\.1:(\d+)", errf.read())
            port = int(m.group(1)) if m else None
            time.sleep(0.1)
        if not port:
            errf.seek(0)
            fail("vigil did not start:\n" + errf.read())
        st, _, body = get(port, "/healthz", None)
        if st != 200:
            fail("/healthz before the stall: %d %s" % (st, body))
        # ~100 alerts of 2 KiB: more than the pipe holds, the loop blocks on stdout
        for i in range(100):
            with open(os.path.join(tmp, "s-%d" % i), "w") as f:
                f.write("x")
        st503 = None
        end = time.monotonic() + 30
        while time.monotonic() < end:
            st, _, body = get(port, "/healthz", None)
            if st == 503:
                st503 = body
                break
            time.sleep(0.2)
        if not st503 or json.loads(st503).get("status") != "stalled":
            fail("/healthz never answered 503 while the loop was blocked on stdout")
        print("stalled loop: /healthz 503 %s" % st503.strip())
        # /metrics still answers (the last snapshot, or 503 when none was taken)
        st, _, _ = get(port, "/metrics")
        if st not in (200, 503):
            fail("/metrics while stalled: %d" % st)
        drain = threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True)
        drain.start()
        end = time.monotonic() + 30
        while time.monotonic() < end:
            st, _, body = get(port, "/healthz", None)
            if st == 200:
                break
            time.sleep(0.2)
        if st != 200:
            fail("/healthz did not come back to 200 once stdout was drained: %d %s" % (st, body))
        print("loop running again: /healthz 200")
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        for d in os.listdir(tmp):
            os.unlink(os.path.join(tmp, d))
        os.rmdir(tmp)
    print("PASS")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[2] == "stall":
        main_stall()
    else:
        main()
