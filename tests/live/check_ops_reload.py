#!/usr/bin/env python3
"""check_ops_reload.py - hot reload during a live run. While a thread keeps
creating files that rule A matches (a continuous stream, every one must
raise its alert), the rules file is edited:
 1. rule B is added, on mkdir (a syscall the probe did not send before):
    inotify reloads, B fires (the latency from the edit and from the
    "reload complete" line is printed; B must fire within 2 s of that line),
    and the probe's syscall set grows (vigil_syscalls_wanted);
 2. a broken rule is appended: the reload is refused with file:line:col on
    stderr and as an internal alert, and A and B keep firing;
 3. the file goes back to A alone and SIGHUP reloads it: B's syscalls leave
    the probe's set;
then every file of the stream must have its alert (none lost across three
reloads), A's match counter carried over, and the probe counted no drop.

With "config": the configuration file (-c) is what changes. Its
file_output moves to another file: the outputs are rebuilt (the old file
keeps the alerts raised before, the new one gets the later ones), and a bad
value in it is refused at its file:line:col while the running set stays.

usage: check_ops_reload.py VIGIL [config]"""
import json
import os
import re
import signal
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import livelib  # noqa: E402


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def metric(port, name, **labels):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
        text = r.read().decode()
    want = ",".join('%s="%s"' % kv for kv in labels.items())
    line = name + ("{%s}" % want if want else "") + " "
    for l in text.splitlines():
        if l.startswith(line):
            return float(l[len(line):])
    return None


def alerts(out, rule):
    res = []
    for l in out:
        if l.startswith("{") and ('"rule":"%s"' % rule) in l:
            res.append(json.loads(l))
    return res


class Stream(threading.Thread):
    """Creates DIR/a-N every `period` seconds until stopped."""

    def __init__(self, d, period):
        super().__init__(daemon=True)
        self.d, self.period, self.names = d, period, []
        self.halt = threading.Event()

    def run(self):
        i = 0
        while not self.halt.is_set():
            p = os.path.join(self.d, "a-%d" % i)
            with open(p, "w") as f:
                f.write("x")
            self.names.append(p)
            i += 1
            time.sleep(self.period)


def main():
    livelib.require_root()
    vigil = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="vigil-ops-reload-")
    rules = os.path.join(tmp, "rules.yaml")
    rule_a = ("- rule: Reload A\n  desc: the stream's files\n"
              "  condition: evt.type in (open, openat) and fd.name startswith %s/a-\n"
              "  output: stream file %%fd.name\n  priority: NOTICE\n" % tmp)
    rule_b = ("- rule: Reload B\n  desc: directories the test makes\n"
              "  condition: evt.type in (mkdir, mkdirat) and evt.arg.path startswith %s/b-\n"
              "  output: new directory %%evt.arg.path\n  priority: WARNING\n" % tmp)
    broken = ("- rule: Reload broken\n  desc: a typo\n"
              "  condition: evt.type = open and and fd.name = x\n  output: x\n  priority: INFO\n")

    def write(text):
        with open(rules, "w") as f:
            f.write(text)

    write(rule_a)
    v = livelib.Vigil([vigil, "run", "-r", rules, "--json", "--stats",
                       "-o", "webserver.enabled=true", "-o", "webserver.listen_port=0"])
    stream = Stream(tmp, 0.005)
    try:
        if not v.wait_ready():
            fail(livelib.start_failure(v))
        m = None
        end = time.monotonic() + 10
        while not m and time.monotonic() < end:
            m = re.search(r"web server listening on 127\.0\.0\.1:(\d+)", v.stderr_text())
            time.sleep(0.05)
        if not m:
            fail("no web server line:\n" + v.stderr_text())
        port = int(m.group(1))
        wanted0 = metric(port, "vigil_syscalls_wanted")
        stream.start()
        time.sleep(0.5)

        def reload_lines(kind):
            return sum(1 for l in v.err if l.startswith("vigil: reload " + kind))

        def wait_err(pred, timeout):
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                with v.lock:
                    if pred():
                        return True
                time.sleep(0.01)
            return False

        # 1. add rule B (inotify)
        t_write = time.time()
        write(rule_a + rule_b)
        mkdirs = []
        first_b = None
        t_complete = None
        k = 0
        end = time.monotonic() + 15
        while time.monotonic() < end and not first_b:
            if t_complete is None and reload_lines("complete") >= 1:
                t_complete = time.time()
            d = os.path.join(tmp, "b-%d" % k)
            os.mkdir(d)
            mkdirs.append(d)
            k += 1
            time.sleep(0.02)
            with v.lock:
                b = alerts(v.out, "Reload B")
            if b:
                first_b = b[0]
        if not first_b:
            fail("rule B never fired after the edit; stderr:\n" + v.stderr_text())
        if t_complete is None:
            if not wait_err(lambda: reload_lines("complete") >= 1, 5):
                fail("no 'reload complete' line")
            t_complete = time.time()
        t_b = first_b["output_fields"]["evt.time"] / 1e9
        print("rule B fired %.3f s after the edit of the rules file, %.3f s after the reload-complete line "
              "was read (%s)" % (t_b - t_write, t_b - t_complete,
                                 [l for l in v.err if l.startswith("vigil: reload complete")][0]))
        if t_b - t_complete > 2.0:
            fail("rule B fired %.3f s after the reload completed (more than 2 s)" % (t_b - t_complete))
        if t_b - t_write > 10:
            fail("rule B fired %.3f s after the edit" % (t_b - t_write))
        wanted1 = metric(port, "vigil_syscalls_wanted")
        print("syscalls sent by the probe: %d before, %d with rule B" % (wanted0, wanted1))
        if not wanted1 > wanted0:
            fail("the probe's syscall set did not grow for rule B's mkdir")

        # 2. a broken edit: refused with file:line:col, the old rules keep firing
        b_before = len(alerts(v.out, "Reload B"))
        a_before = len(alerts(v.out, "Reload A"))
        write(rule_a + rule_b + broken)
        bad_line = (rule_a + rule_b).count("\n") + 3
        if not wait_err(lambda: reload_lines("failed") >= 1, 10):
            fail("the broken edit was not reported; stderr:\n" + v.stderr_text())
        time.sleep(0.2)
        pos = re.search(re.escape(rules) + r":(\d+):(\d+): error: (.*)", v.stderr_text())
        if not pos or int(pos.group(1)) != bad_line:
            fail("no %s:%d:COL error on stderr:\n%s" % (rules, bad_line, v.stderr_text()))
        print("broken edit refused: %s" % pos.group(0))
        internal = v.wait_for(lambda out: [l for l in out if '"vigil internal: reload failed"' in l], 5)
        if not internal or ("%s:%s:%s" % (rules, pos.group(1), pos.group(2))) not in json.loads(internal[0])["output"]:
            fail("no internal alert naming %s:%s:%s: %r" % (rules, pos.group(1), pos.group(2), internal))
        d = os.path.join(tmp, "b-after-broken")
        os.mkdir(d)
        mkdirs.append(d)
        if not v.wait_for(lambda out: any(a["output_fields"].get("evt.arg.path") == d
                                          for a in alerts(out, "Reload B")), 10):
            fail("rule B stopped firing after the refused edit")
        if not v.wait_for(lambda out: len(alerts(out, "Reload A")) > a_before + 20, 10):
            fail("rule A stopped firing after the refused edit")
        if metric(port, "vigil_reloads_total", result="failure") != 1:
            fail("vigil_reloads_total{result=failure} is not 1")

        # 3. back to A alone, reloaded by SIGHUP (inotify sees it too: wait for both)
        n_complete = reload_lines("complete")
        write(rule_a)
        if not wait_err(lambda: reload_lines("complete") > n_complete, 10):
            fail("the fixed file was not reloaded")
        n_complete = reload_lines("complete")
        v.p.send_signal(signal.SIGHUP)
        if not wait_err(lambda: reload_lines("complete") > n_complete, 10):
            fail("SIGHUP did not reload")
        wanted2 = metric(port, "vigil_syscalls_wanted")
        print("syscalls sent by the probe after B was removed: %d" % wanted2)
        if wanted2 != wanted0:
            fail("the probe's syscall set is %d, expected %d again without rule B" % (wanted2, wanted0))
        time.sleep(0.5)
        stream.halt.set()
        stream.join()

        # every file of the stream has its alert
        names = set(stream.names)
        got = v.wait_for(lambda out: names <= {a["output_fields"]["fd.name"] for a in alerts(out, "Reload A")}
                         or None, 30)
        seen = {a["output_fields"]["fd.name"] for a in alerts(v.out, "Reload A")}
        missing = names - seen
        print("stream: %d files created across %d reloads (%d refused), %d alerts, %d missing" % (
            len(names), reload_lines("complete"), reload_lines("failed"), len(alerts(v.out, "Reload A")),
            len(missing)))
        if not got or missing:
            fail("%d files of the stream raised no alert, e.g. %s" % (len(missing), sorted(missing)[:5]))
        matches = metric(port, "vigil_rule_matches_total", rule="Reload A", priority="Notice")
        if matches != len(alerts(v.out, "Reload A")):
            fail("rule A's counter is %s after the reloads, %d alerts were raised" % (
                matches, len(alerts(v.out, "Reload A"))))
        bmk = {a["output_fields"]["evt.arg.path"] for a in alerts(v.out, "Reload B")}
        print("rule B: %d directories made, %d alerts while it was loaded" % (len(mkdirs), len(bmk)))
    finally:
        stream.halt.set()
        rc = v.stop()
        for d in os.listdir(tmp):
            p = os.path.join(tmp, d)
            os.rmdir(p) if os.path.isdir(p) else os.unlink(p)
        os.rmdir(tmp)
    if rc != 0:
        fail("vigil exited with %d:\n%s" % (rc, v.stderr_text()))
    st = livelib.probe_stats(v.err)
    if not st:
        fail("no probe stats line:\n" + v.stderr_text())
    drops = {k: st.get(k) for k in ("ring full", "too large", "nested runs", "no ring")}
    print("probe: %d events; drops %s" % (st.get("events", 0), drops))
    if any(x != 0 for x in drops.values()):
        fail("the probe dropped events across the reloads: %s" % drops)
    print("PASS")


def main_config():
    livelib.require_root()
    vigil = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="vigil-ops-reload-cfg-")
    rules = os.path.join(tmp, "rules.yaml")
    cfg = os.path.join(tmp, "vigil.yaml")
    out1, out2 = os.path.join(tmp, "alerts-1.json"), os.path.join(tmp, "alerts-2.json")
    with open(rules, "w") as f:
        f.write("- rule: Reload C\n  desc: c\n"
                "  condition: evt.type in (open, openat) and fd.name startswith %s/c-\n"
                "  output: config file %%fd.name\n  priority: NOTICE\n" % tmp)

    def config(path, extra=""):
        with open(cfg, "w") as f:
            f.write("rules_files:\n  - %s\njson_output: true\nstdout_output:\n  enabled: false\n"
                    "file_output:\n  enabled: true\n  keep_alive: true\n  filename: %s\n%s" % (rules, path, extra))

    def touch(name):
        with open(os.path.join(tmp, name), "w") as f:
            f.write("x")

    def lines(path):
        try:
            return [json.loads(l)["output_fields"]["fd.name"] for l in open(path) if '"Reload C"' in l]
        except OSError:
            return []

    def wait(pred, timeout=10):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if pred():
                return True
            time.sleep(0.05)
        return False

    config(out1)
    v = livelib.Vigil([vigil, "run", "-c", cfg, "--stats"])
    try:
        if not v.wait_ready():
            fail(livelib.start_failure(v))
        for i in range(5):
            touch("c-one-%d" % i)
        if not wait(lambda: len(lines(out1)) == 5):
            fail("5 alerts expected in %s, got %d" % (out1, len(lines(out1))))
        config(out2)
        if not wait(lambda: any(l.startswith("vigil: reload complete") for l in v.err)):
            fail("the configuration change was not reloaded:\n" + v.stderr_text())
        done = [l for l in v.err if l.startswith("vigil: reload complete")][0]
        print(done)
        if "outputs rebuilt" not in done:
            fail("the outputs were not rebuilt for a new file_output.filename")
        for i in range(5):
            touch("c-two-%d" % i)
        if not wait(lambda: len(lines(out2)) == 5):
            fail("5 alerts expected in %s after the reload, got %d" % (out2, len(lines(out2))))
        if len(lines(out1)) != 5 or any("c-two" in n for n in lines(out1)):
            fail("%s changed after the reload: %s" % (out1, lines(out1)))
        print("alerts before the reload in %s (%d), after it in %s (%d)" % (
            os.path.basename(out1), len(lines(out1)), os.path.basename(out2), len(lines(out2))))
        # a bad value: refused at its position, the running set stays
        config(out1, "syscall_event_drops:\n  threshold: lots\n")
        if not wait(lambda: any(l.startswith("vigil: reload failed") for l in v.err)):
            fail("the bad configuration was not refused:\n" + v.stderr_text())
        time.sleep(0.2)
        m = re.search(re.escape(cfg) + r":(\d+):(\d+): error: (.*threshold.*)", v.stderr_text())
        if not m or int(m.group(1)) != 11:
            fail("no %s:11:COL error for the bad threshold:\n%s" % (cfg, v.stderr_text()))
        print("bad configuration refused: %s" % m.group(0))
        touch("c-three-0")
        if not wait(lambda: len(lines(out2)) == 6):
            fail("alerts stopped going to %s after the refused configuration" % out2)
    finally:
        rc = v.stop()
        for d in os.listdir(tmp):
            os.unlink(os.path.join(tmp, d))
        os.rmdir(tmp)
    if rc != 0:
        fail("vigil exited with %d:\n%s" % (rc, v.stderr_text()))
    print("PASS")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[2] == "config":
        main_config()
    else:
        main()
