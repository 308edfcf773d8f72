#!/usr/bin/env python3
"""check_coverage.py - every enabled rule of the default ruleset has at least
one scenario case that expects it to fire.

usage: check_coverage.py VIGIL RULES_FILE SCENARIO_DIR

The rules come from `vigil rules list` (vigil's loader, not a second YAML
reader), the cases and what they expect from `vigil rules test --list`.
Prints the table rule -> scenario file: case, and fails naming every rule
that no case expects, and every expected name that is not a default rule.
Needs no privileges: nothing runs."""
import re
import subprocess
import sys

PRIO = "(?:EMERGENCY|ALERT|CRITICAL|ERROR|WARNING|NOTICE|INFORMATIONAL|INFO|DEBUG)"
LIST_LINE = re.compile(r"^(.*?)\s+%s\s+(enabled|disabled)\s+(.*)$" % PRIO, re.I)


def out_of(argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        print("FAIL: %s exited %d\n%s%s" % (" ".join(argv), p.returncode, p.stdout, p.stderr))
        sys.exit(1)
    return p.stdout


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    vigil, rules_file, scen_dir = sys.argv[1:]

    rules = []
    for line in out_of([vigil, "rules", "list", rules_file]).splitlines():
        m = LIST_LINE.match(line)
        if not m:
            print("FAIL: unexpected line in vigil rules list: %r" % line)
            return 1
        if m.group(2) == "enabled":
            rules.append(m.group(1))
    if not rules:
        print("FAIL: no enabled rule in %s" % rules_file)
        return 1

    covered = {r: [] for r in rules}
    unknown = []
    cur_file = cur_case = None
    for line in out_of([vigil, "rules", "test", "--list", scen_dir]).splitlines():
        if line and not line.startswith(" ") and line.endswith(".yaml"):
            cur_file = line.rsplit("/", 1)[-1]
        elif line.startswith("  ") and not line.startswith("      "):
            cur_case = re.sub(r" \(line \d+\)$", "", line.strip().split(None, 1)[1])
        elif line.startswith("      expect: ") and line != "      expect: none":
            name = line[len("      expect: "):]
            if name in covered:
                covered[name].append("%s: %s" % (cur_file, cur_case))
            else:
                unknown.append("%s: %s expects '%s'" % (cur_file, cur_case, name))

    width = max(len(r) for r in rules)
    print("%-*s  %s" % (width, "rule", "scenario cases expecting it"))
    for r in rules:
        print("%-*s  %s" % (width, r, " | ".join(covered[r]) if covered[r] else "-- NONE --"))
    missing = [r for r in rules if not covered[r]]
    if missing or unknown:
        for r in missing:
            print("FAIL: no scenario case expects '%s'" % r)
        for u in unknown:
            print("FAIL: %s, which is not a rule of %s" % (u, rules_file))
        return 1
    print("OK: all %d enabled rules have a firing scenario" % len(rules))
    return 0


if __name__ == "__main__":
    sys.exit(main())
