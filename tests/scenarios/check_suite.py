#!/usr/bin/env python3
"""check_suite.py - runs one file of the scenario or benign suite with
`vigil rules test` (as root: its cases are live command cases) and fails
when any case fails.

usage: check_suite.py VIGIL TESTFILE [--control CONTROL_RULES]

With --control (the benign suite), an "expect: none" that passes could also
mean that vigil saw nothing of the case; so the file is run a second time
with CONTROL_RULES added (-r): a rule that fires on every program the case
runs. Every case must then fail, and only because the control rule fired:
the case's processes were observed, and the default rules had nothing to
say about them."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "live"))
import livelib  # noqa: E402

CASE = re.compile(r"^  (PASS|FAIL|SKIP)  (.*)  \[(live|capture), [0-9.]+ s\]$")
DIFF = re.compile(r"^      ! (.*?) +(\S+) +(\d+)$")


def run(argv):
    print("$ " + " ".join(argv), flush=True)
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sys.stdout.write(p.stdout)
    return p.returncode, p.stdout


def cases_of(out):
    """[(outcome, name, [unexpected or missing rule lines])] from a report."""
    cases = []
    for line in out.splitlines():
        m = CASE.match(line)
        if m:
            cases.append((m.group(1), m.group(2), []))
            continue
        d = DIFF.match(line)
        if d and cases:
            cases[-1][2].append((d.group(1), d.group(2), int(d.group(3))))
    return cases


def main():
    if len(sys.argv) not in (3, 5) or (len(sys.argv) == 5 and sys.argv[3] != "--control"):
        print(__doc__, file=sys.stderr)
        return 2
    vigil, testfile = sys.argv[1], sys.argv[2]
    control = sys.argv[4] if len(sys.argv) == 5 else None
    livelib.require_root()

    rc, out = run([vigil, "rules", "test", testfile])
    cases = cases_of(out)
    if rc != 0 or not cases or any(c[0] != "PASS" for c in cases):
        print("FAIL: %s: vigil rules test exited %d, %d of %d cases passed"
              % (testfile, rc, sum(c[0] == "PASS" for c in cases), len(cases)))
        return 1
    if not control:
        print("OK: %d cases passed" % len(cases))
        return 0

    with open(control) as f:
        m = re.search(r"^- rule: (.+)$", f.read(), re.M)
    control_rule = m.group(1).strip()
    rc2, out2 = run([vigil, "rules", "test", "-r", control, testfile])
    cases2 = cases_of(out2)
    bad = []
    if rc2 != 1:
        bad.append("with the control rule, vigil rules test exited %d (expected 1: every case fails)" % rc2)
    if len(cases2) != len(cases):
        bad.append("with the control rule, %d cases ran instead of %d" % (len(cases2), len(cases)))
    for outcome, name, diff in cases2:
        rules = {r for r, _, _ in diff}
        fired = {r: n for r, _, n in diff}
        if outcome != "FAIL" or rules != {control_rule} or fired[control_rule] < 1:
            bad.append("case '%s': expected to fail with only '%s' fired, got %s %s"
                       % (name, control_rule, outcome, sorted(rules)))
    if bad:
        print("FAIL: " + "\n      ".join(bad))
        return 1
    print("OK: %d cases raised no alert; the control rule fired in every one (%s)"
          % (len(cases), ", ".join("%s: %d" % (n, d[0][2]) for _, n, d in cases2)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
