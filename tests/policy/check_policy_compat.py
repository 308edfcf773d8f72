#!/usr/bin/env python3
"""check_policy_compat.py - every upstream example policy of
../shared/compat/tetragon/ through `vigil policy check`: the ones this kernel
can run load, the others are refused with the reason the spec gives
(compat_expectations.tsv: file, loads|refused, reason). Also checks that the
table covers every file of the folder, and that a refusal is reported as
file:line:col with the source line and a caret.

usage: check_policy_compat.py VIGIL COMPAT_DIR [FILE]
exit: 0 pass, 1 fail, 77 skip (no fixtures)"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    vigil, compat = sys.argv[1], os.path.join(sys.argv[2], "tetragon")
    only = sys.argv[3] if len(sys.argv) > 3 else None
    if not os.path.isdir(compat):
        print("SKIP: no %s" % compat)
        return 77
    rows = []
    with open(os.path.join(HERE, "compat_expectations.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, want, reason = line.rstrip("\n").split("\t")
            rows.append((name, want, reason))
    fails = []
    if not only:
        have = set()
        for root, _, files in os.walk(compat):
            for fn in files:
                if fn.endswith(".yaml"):
                    have.add(os.path.relpath(os.path.join(root, fn), compat))
        missing = have - set(r[0] for r in rows)
        if missing:
            fails.append("files without an expectation: %s" % sorted(missing))
    for name, want, reason in rows:
        if only and name != only:
            continue
        path = os.path.join(compat, name)
        p = subprocess.run([vigil, "policy", "check", path], capture_output=True, text=True)
        got = "loads" if p.returncode == 0 else "refused" if p.returncode == 1 else "crash(%d)" % p.returncode
        status = "ok"
        if got != want:
            status = "FAIL: %s, expected %s" % (got, want)
        elif want == "refused":
            if reason not in p.stderr:
                status = "FAIL: refused without the reason %r" % reason
            elif not re.search(r"^%s:\d+:\d+: error: " % re.escape(path), p.stderr, re.M):
                status = "FAIL: the error does not name file:line:col"
            elif "\n  " not in p.stderr or "^" not in p.stderr:
                status = "FAIL: no source line and caret"
        print("%-66s %-8s %s | %s" % (name, got, status, reason))
        if status != "ok":
            fails.append("%s: %s\n%s" % (name, status, p.stderr))
    for f in fails:
        print(f)
    print("%d passed, %d failed" % (len([r for r in rows if not only or r[0] == only]) - len(fails), len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
