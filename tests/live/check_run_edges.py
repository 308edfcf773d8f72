"""check_run_edges.py - how `vigil run` behaves at its edges, on the real kernel:

drops   a ring too small for a burst of captured syscalls: the probe counts
        the events it loses, and vigil raises Falco's internal alert
        "Falco internal: syscall event drop" with the per-cause counters,
        throttled by the token bucket (one alert for a burst, not one per
        second of it);
noroot  without privileges vigil refuses to start, with a sentence saying
        what is missing, and loads nothing.

usage: check_run_edges.py VIGIL ACTIONS SOURCE_DIR CASE"""
import json
import os
import subprocess
import sys
import time

import livelib


def case_drops(vigil, actions, src):
    rules = os.path.join(src, "..", "shared", "compat", "falco", "falco_rules.yaml")
    v = livelib.Vigil([vigil, "run", "-r", rules, "--json", "--stats", "--ring-size", "4096",
                       "-o", "syscall_event_drops.actions=[alert]",
                       "-o", "syscall_event_drops.rate=0.1", "-o", "syscall_event_drops.max_burst=1"])
    if not v.wait_ready():
        print("FAIL: " + livelib.start_failure(v))
        v.stop()
        return 1
    # three seconds of opens (captured: the stable rules want openat)
    end = time.monotonic() + 3
    while time.monotonic() < end:
        for _ in range(2000):
            os.close(os.open("/dev/null", os.O_RDONLY))
    time.sleep(1.2)
    rc = v.stop()
    errors = []
    if rc != 0:
        errors.append("vigil exited with %s" % rc)
    stats = livelib.probe_stats(v.err) or {}
    if not stats.get("ring full"):
        errors.append("the probe counted no ring-full drops: %s" % stats)
    alerts = [json.loads(l) for l in v.out if l.startswith("{")]
    drops = [a for a in alerts if a.get("rule") == "Falco internal: syscall event drop"]
    if not drops:
        errors.append("no drop alert among %d alerts" % len(alerts))
    elif len(drops) > 2:
        errors.append("%d drop alerts in ~4 s: the token bucket (rate 0.1/s, burst 1) did not throttle" % len(drops))
    for a in drops[:1]:
        f = a.get("output_fields", {})
        need = ["n_drops", "n_evts", "n_drops_buffer_total", "n_drops_buffer_open_exit",
                "n_drops_buffer_close_exit", "n_drops_scratch_map", "n_drops_page_faults", "n_drops_bug",
                "ebpf_enabled"]
        missing = [k for k in need if k not in f]
        if missing:
            errors.append("drop alert lacks %s: %s" % (missing, f))
        elif int(f["n_drops"]) <= 0 or int(f["n_drops_buffer_total"]) <= 0 or \
                int(f["n_drops_buffer_open_exit"]) + int(f["n_drops_buffer_close_exit"]) <= 0:
            errors.append("drop alert counters do not show the lost opens/closes: %s" % f)
        if a.get("source") != "internal" or a.get("priority") != "Debug":
            errors.append("drop alert source/priority: %s/%s" % (a.get("source"), a.get("priority")))
        if "system calls dropped in last second" not in a.get("output", ""):
            errors.append("drop alert output: %r" % a.get("output"))
    if errors:
        for e in errors:
            print("FAIL " + e)
        print("stderr:\n" + v.stderr_text())
        return 1
    print("ok: %d ring-full drops counted, %d alert(s): %s" % (stats["ring full"], len(drops),
                                                            drops[0]["output_fields"]))
    return 0


def case_noroot(vigil, actions, src):
    rules = os.path.join(src, "rules")
    # as nobody, with no capabilities at all
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                        "--bounding-set=-all", vigil, "run", "-r", rules, "--duration", "1"],
                       capture_output=True, text=True, timeout=60)
    msg = p.stderr.strip()
    print("rc %d: %s" % (p.returncode, msg))
    if p.returncode == 0:
        print("FAIL: vigil run started without privileges")
        return 1
    if "live capture started" in msg or "libbpf" in msg:
        print("FAIL: vigil tried to load the probe without privileges")
        return 1
    if "root" not in msg or "CAP_BPF" not in msg:
        print("FAIL: the refusal does not say what is missing")
        return 1
    return 0


def main():
    vigil, actions, src, case = sys.argv[1:5]
    livelib.require_root()
    return {"drops": case_drops, "noroot": case_noroot}[case](vigil, actions, src)


if __name__ == "__main__":
    sys.exit(main())
