#!/usr/bin/env python3
"""check_syscalls.py - syscall conformance of vigil's probe on the real kernel.

Runs vigil-live-syscalls (which makes, with known arguments, every syscall the
probe has a dedicated program for, and prints one expectation per syscall: see
syscalls.c) under

  vigil run --stats --print '*%evt.num\\t%thread.tid\\t...\\t%evt.args'
            --filter 'proc.pid=P or proc.ppid=P or proc.name=vigil-live-sysc'

and checks, for every expectation: the event is there (the first event of that
type from that thread after the one matched before it), its result, and each
named parameter as evt.args renders it (value, resolved part, flag names) or
field (fd.name, proc.vpid...). Then that the probe sent no malformed event.

The program waits for a line on its stdin before it starts, so vigil can be
started with its pid in the filter. Expectations come from the calls' own
results, never from vigil.

Known deviations from Falco are listed in KNOWN with the reason: they are
reported, not failed, and fail again if vigil starts doing something else.

usage: check_syscalls.py VIGIL SYSCALLS_BIN SOURCE_DIR
exit: 0 pass, 1 fail, 77 skip (not root)"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import livelib  # noqa: E402

FIELDS = ["evt.num", "thread.tid", "proc.pid", "evt.type", "evt.rawres", "fd.name", "proc.vpid",
          "thread.vtid", "proc.name", "evt.args"]
FMT = "*" + "\t".join("%" + f for f in FIELDS)

# (Falco's event type, vigil's) pairs where vigil would name an event
# differently from current libs: none since vigil emits current libs' own
# events for the syscalls they split out of 2022 ones (dup2, pipe2...).
TYPE_ALIASES = {}
# (event type as Falco names it, check key): accepted deviations, with why.
KNOWN = {}


def parse_args(s):
    """evt.args -> {name: [(raw, resolved)]} (a name can repeat: execve's pgid)."""
    out = {}
    for tok in re.split(r" (?=[A-Za-z_][A-Za-z_0-9]*=)", s.strip()):
        if "=" not in tok:
            continue
        k, v = tok.split("=", 1)
        raw, res = v, None
        i = v.find("(")
        if i > 0 and v.endswith(")"):
            raw, res = v[:i], v[i + 1:-1]
        out.setdefault(k, []).append((raw, res))
    return out


def parse_events(lines):
    evs = []
    for line in lines:
        parts = line.split("\t")
        if len(parts) != len(FIELDS):
            continue
        d = dict(zip(FIELDS, parts))
        try:
            d["tid"] = int(d["thread.tid"])
        except ValueError:
            continue
        d["args"] = parse_args(d["evt.args"])
        evs.append(d)
    return evs


def parse_expectations(text):
    exps = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.startswith("E\t"):
            continue
        parts = line.split("\t")
        checks = []
        for c in parts[4:]:
            m = re.match(r"([A-Za-z_][A-Za-z_0-9.]*)([=~&>])(.*)$", c)
            if not m:
                raise SystemExit("bad check %r in line %d: %s" % (c, n, line))
            checks.append(m.groups())
        exps.append({"line": n, "tid": int(parts[1]), "type": parts[2],
                     "res": None if parts[3] == "-" else int(parts[3]),
                     "checks": checks, "text": line})
    return exps


def check_one(ev, exp, notes):
    bad = []
    if exp["res"] is not None and ev["evt.rawres"] != str(exp["res"]):
        bad.append("evt.rawres %s, expected %d" % (ev["evt.rawres"], exp["res"]))
    for key, op, want in exp["checks"]:
        known = KNOWN.get((exp["type"], key))
        if "." in key:
            got = ev.get(key, "<not printed>")
            ok = got == want
            desc = "%s = %r, expected %r" % (key, got, want)
        else:
            vals = ev["args"].get(key)
            if not vals:
                ok, desc = False, "no parameter %s in evt.args" % key
            else:
                raw, res = vals[0]
                if op == "=":
                    ok = raw == want
                    desc = "%s=%r, expected %r" % (key, raw, want)
                elif op == "~":
                    ok = res == want
                    desc = "%s resolves to %r, expected %r" % (key, res, want)
                else:
                    got = set((res or "").split("|")) - {""}
                    need = set(want.split("|"))
                    ok = got == need if op == "&" else need <= got
                    desc = "%s flags %s, expected %s%s" % (key, "|".join(sorted(got)) or "(none)",
                                                          "" if op == "&" else "at least ",
                                                          "|".join(sorted(need)))
        if not ok:
            if known:
                notes.append("KNOWN DEVIATION %s: %s (%s)" % (exp["type"], desc, known))
            else:
                bad.append(desc)
    return bad


def main():
    vigil, prog, srcdir = [os.path.abspath(a) for a in sys.argv[1:4]]
    livelib.require_root()
    work = tempfile.mkdtemp(prefix="vigil-sc-")
    t0 = time.monotonic()
    env = {"PATH": "/usr/bin:/bin", "LANG": "C"}
    p = subprocess.Popen([prog, work], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env, cwd=work)
    v = None
    try:
        filt = "proc.pid=%d or proc.ppid=%d or proc.name=vigil-live-sysc" % (p.pid, p.pid)
        v = livelib.Vigil([vigil, "run", "--stats", "--print", FMT, "--filter", filt])
        if not v.wait_ready():
            p.kill()
            print("FAIL: " + livelib.start_failure(v))
            return 1
        out, err = p.communicate(b"go\n", timeout=60)
        out = out.decode("utf-8", "replace")
        err = err.decode("utf-8", "replace")
        # the events of the last syscalls reach vigil within milliseconds; the
        # rings are drained at stop anyway
        time.sleep(1.0)
        rc = v.stop()
        if rc != 0:
            print("FAIL: vigil run exited with status %s after SIGTERM (a sanitizer report?):\n%s"
                  % (rc, v.stderr_text()[-4000:]))
            return 1
    finally:
        if p.poll() is None:
            p.kill()
        if v is not None and v.p.poll() is None:
            v.stop()
        shutil.rmtree(work, ignore_errors=True)
    if p.returncode != 0 or "DONE\t0" not in out:
        print("FAIL: vigil-live-syscalls failed (status %s): %s" % (p.returncode, err))
        return 1
    exps = parse_expectations(out)
    evs = parse_events(v.out)
    by_tid = {}
    for ev in evs:
        by_tid.setdefault(ev["tid"], []).append(ev)
    cursor = {}
    failures, notes, ok = [], [], 0
    for exp in exps:
        want_type = exp["type"]
        alias = TYPE_ALIASES.get(want_type)
        seq = by_tid.get(exp["tid"], [])
        i = cursor.get(exp["tid"], 0)
        found = None
        while i < len(seq):
            if seq[i]["evt.type"] == want_type or (alias and seq[i]["evt.type"] == alias[0]):
                found = seq[i]
                break
            i += 1
        if found is None:
            seen = sorted({e["evt.type"] for e in seq})
            failures.append("%s (tid %d): no event; that thread has %d events (%s)\n    expected: %s" % (
                want_type, exp["tid"], len(seq), ", ".join(seen)[:300], exp["text"]))
            continue
        cursor[exp["tid"]] = i + 1
        if found["evt.type"] != want_type:
            notes.append("KNOWN DEVIATION %s: evt.type %s (%s)" % (want_type, found["evt.type"], alias[1]))
        bad = check_one(found, exp, notes)
        if bad:
            failures.append("%s (tid %d, event %s): %s\n    event: %s %s\n    expected: %s" % (
                want_type, exp["tid"], found["evt.num"], "; ".join(bad), found["evt.type"],
                found["evt.args"][:600], exp["text"]))
        else:
            ok += 1
    stats = livelib.probe_stats(v.err)
    if stats is None:
        failures.append("no probe statistics from vigil: %s" % v.stderr_text()[-2000:])
    elif stats.get("malformed"):
        failures.append("the probe sent %d malformed events" % stats["malformed"])
    types = sorted({e["type"] for e in exps})
    print("%d syscalls checked (%d event types: %s) in %.1f s; %d passed, %d failed" % (
        len(exps), len(types), " ".join(types), time.monotonic() - t0, ok, len(failures)))
    for n in sorted(set(notes)):
        print("  " + n)
    for f in failures:
        print("FAIL " + f)
    if stats:
        print("probe: " + ", ".join("%s %d" % (k, n) for k, n in stats.items()))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
