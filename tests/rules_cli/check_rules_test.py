#!/usr/bin/env python3
"""check_rules_test.py - `vigil rules test` reports pass and fail correctly,
on the example of rules/examples/ (capture cases: no privileges needed).

usage: check_rules_test.py VIGIL SOURCE_DIR COMPAT_SCAP_DIR

1. rules/examples/tests/egress_captures_test.yaml: every case passes, exit 0.
2. tests/rules_cli/wrong_expectation/ (deliberately wrong expectations):
   exit 1, the right case passes, each wrong one fails with the difference
   of expected and fired counts as a table ('!' rows), or the field value
   found against the one expected; the summary counts 1 passed, 3 failed.
3. Without VIGIL_COMPAT_DIR the capture cases are skipped, exit 77 (never a
   pass)."""
import os
import re
import subprocess
import sys

SKIP = 77
TEST_RULE = "Outbound connection to an external network (test)"
PROD_RULE = "Egress to External Network from Production"


def run(vigil, path, compat):
    env = dict(os.environ)
    env.pop("VIGIL_COMPAT_DIR", None)
    if compat:
        env["VIGIL_COMPAT_DIR"] = compat
    argv = [vigil, "rules", "test", path]
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    print("$ %s%s  (exit %d)\n%s" % ("VIGIL_COMPAT_DIR=%s " % compat if compat else "", " ".join(argv),
                                      p.returncode, p.stdout))
    return p.returncode, p.stdout


def cases(out):
    """{case name: (outcome, [detail lines])}"""
    res, cur = {}, None
    for line in out.splitlines():
        m = re.match(r"^  (PASS|FAIL|SKIP)  (.*)  \[(?:live|capture), [0-9.]+ s\]$", line)
        if m:
            cur = m.group(2)
            res[cur] = (m.group(1), [])
        elif cur and line.startswith("      "):
            res[cur][1].append(line.strip())
    return res


def diff_rows(lines):
    rows = {}
    for l in lines:
        m = re.match(r"^! (.*?) {2,}(\S+(?: \d+)?) +(\d+)$", l)
        if m:
            rows[m.group(1)] = (m.group(2), int(m.group(3)))
    return rows


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    vigil, src, compat = sys.argv[1:]
    if not os.path.isfile(os.path.join(compat, "libs", "curl_google.scap")):
        print("SKIP: the public captures are not in %s" % compat)
        return SKIP
    example = os.path.join(src, "rules", "examples", "tests", "egress_captures_test.yaml")
    fixture = os.path.join(src, "tests", "rules_cli", "wrong_expectation")
    fails = []

    rc, out = run(vigil, example, compat)
    c = cases(out)
    if rc != 0 or not c or any(o != "PASS" for o, _ in c.values()):
        fails.append("the example's capture cases: exit %d, %s" % (rc, {k: v[0] for k, v in c.items()}))
    if "%d cases: %d passed, 0 failed, 0 skipped" % (len(c), len(c)) not in out:
        fails.append("the example's summary line is missing or wrong")

    rc, out = run(vigil, fixture, compat)
    c = cases(out)
    want = {
        "right - curl's two external connects": "PASS",
        "wrong - one connect expected, and the production rule": "FAIL",
        "wrong - no alert expected": "FAIL",
        "wrong - the process expected is wget": "FAIL",
    }
    if rc != 1:
        fails.append("the wrong expectations: exit %d, expected 1" % rc)
    if {k: v[0] for k, v in c.items()} != want:
        fails.append("outcomes %s, expected %s" % ({k: v[0] for k, v in c.items()}, want))
    else:
        rows = diff_rows(c["wrong - one connect expected, and the production rule"][1])
        if rows != {TEST_RULE: ("1", 2), PROD_RULE: (">= 1", 0)}:
            fails.append("count/rule difference table: %s" % rows)
        d = c["wrong - no alert expected"][1]
        if "expected no alert; rules that fired:" not in d or diff_rows(d) != {TEST_RULE: ("0", 2)}:
            fails.append("expect: none difference: %s" % d)
        d = c["wrong - the process expected is wget"][1]
        for n in (1, 2):
            line = "'%s' alert %d: proc.name is \"curl\", expected \"wget\"" % (TEST_RULE, n)
            if line not in d:
                fails.append("missing field difference: %s" % line)
        if not any("connection=" in l and "process=curl" in l for l in d):
            fails.append("the failing case does not show its alerts")
    if "4 cases: 1 passed, 3 failed, 0 skipped" not in out:
        fails.append("the fixture's summary line is missing or wrong")

    rc, out = run(vigil, example, None)
    if rc != SKIP or "which is not set" not in out:
        fails.append("without VIGIL_COMPAT_DIR: exit %d, expected 77 with the reason" % rc)

    for f in fails:
        print("FAIL: " + f)
    if not fails:
        print("OK: the example passes, the wrong expectations fail with their differences")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
