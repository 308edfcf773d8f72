#!/usr/bin/env python3
"""check_events_compact.py - `vigil events` over recorded Tetragon JSON
events: events/recorded.jsonl holds the policy events a live `vigil run
--policy` wrote (a write through an fd, an openat Override, an unlinkat, a
raw_syscalls tracepoint, the seed's execve Sigkill, a connect Override, a
tcp_connect translated to connect(2)) and
Tetragon process_exec/process_exit events (spec §2.2), plus a line that is
not an event. `-o compact` must print events/recorded.compact line for line
(Tetragon's compact format, spec §2.3); `-o json` (and no -o) pass the
events through; stdin works as a file; a bad -o is a usage error.

usage: check_events_compact.py VIGIL
exit: 0 pass, 1 fail"""
import json
import os
import subprocess
import sys

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "events")


def main():
    vigil = sys.argv[1]
    rec = os.path.join(HERE, "recorded.jsonl")
    with open(os.path.join(HERE, "recorded.compact"), encoding="utf-8") as f:
        want = f.read().splitlines()
    fails = []
    p = subprocess.run([vigil, "events", "-o", "compact", rec], capture_output=True, text=True)
    got = p.stdout.splitlines()
    if p.returncode != 0:
        fails.append("exit %d: %s" % (p.returncode, p.stderr))
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else "<missing>"
        w = want[i] if i < len(want) else "<none>"
        if g != w:
            fails.append("line %d:\n  got  %r\n  want %r" % (i + 1, g, w))
    with open(rec, "rb") as f:
        p2 = subprocess.run([vigil, "events", "--output=compact"], stdin=f, capture_output=True, text=True)
    if p2.stdout.splitlines() != want:
        fails.append("stdin input differs from the file's")
    with open(rec, encoding="utf-8") as f:
        events = [l.rstrip("\n") for l in f if l.strip()]
    p3 = subprocess.run([vigil, "events", rec], capture_output=True, text=True)
    if p3.stdout.splitlines() != events:
        fails.append("-o json (default) does not pass the lines through")
    kinds = set()
    for l in events:
        try:
            kinds.add(next(iter(json.loads(l))))
        except ValueError:
            pass
    if kinds != {"process_kprobe", "process_tracepoint", "process_exec", "process_exit"}:
        fails.append("the fixture lost an event kind: %r" % kinds)
    p4 = subprocess.run([vigil, "events", "-o", "yaml", rec], capture_output=True, text=True)
    if p4.returncode != 2:
        fails.append("-o yaml: exit %d, expected 2" % p4.returncode)
    for f in fails:
        print("FAIL: %s" % f)
    if not fails:
        print("PASS: %d recorded events in Tetragon's compact format" % len(want))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
