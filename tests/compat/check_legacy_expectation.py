#!/usr/bin/env python3
"""check_legacy_expectation.py - one row of Falco's legacy regression suite.

Reads the row named TEST from falcosecurity_testing_legacy_expectations.tsv (the
Go port of Falco's python suite: capture, rules files, options, assertions), runs
vigil the way falcosecurity/testing runs Falco, and checks every assertion.

The expectations date from Falco versions that evaluated syscall enter events
too (open_from_cat counts 8 on cat_write.scap: 4 opens, enter and exit), so the
run uses `-o evaluate_enter_events=true`; vigil's default follows Falco >= 0.42.

Mapping of the Go options:
  WithArgs("-o", "k=v")        -> -o k=v
  WithDisabledRules("x")       -> -D x
  WithEnabledTags/DisabledTags -> -t / -T per tag
  WithMinRulePriority("P")     -> -o priority=P
  WithAllEvents()              -> -A
  WithConfig(configs.X)        -> -c falcosecurity_testing_rules/configs/X.yaml
  WithStopAfter(...)           -> ignored (a replay ends with the capture)
Detections (D) are the JSON alert lines on stdout, as the Go suite counts them.

usage: check_legacy_expectation.py VIGIL COMPAT_DIR TEST   (exit 77 = skip)"""
import csv
import json
import os
import re
import subprocess
import sys
import tempfile

PRIO = {"EMERGENCY": "Emergency", "ALERT": "Alert", "CRITICAL": "Critical", "ERROR": "Error",
        "WARNING": "Warning", "NOTICE": "Notice", "INFO": "Informational",
        "INFORMATIONAL": "Informational", "DEBUG": "Debug"}


def find_rules(compat, var):
    base = os.path.join(compat, "scap", "falcosecurity_testing_rules")
    for sub in ("falco", "exceptions", "legacy", "configs"):
        p = os.path.join(base, sub, var + ".yaml")
        if os.path.exists(p):
            return p
    return None


def go_strings(s):
    return [m.group(1) or m.group(2) for m in re.finditer(r'"((?:[^"\\]|\\.)*)"|`([^`]*)`', s)]


def main():
    vigil, compat, test = sys.argv[1:4]
    tsv = os.path.join(compat, "scap", "falcosecurity_testing_legacy_expectations.tsv")
    if not os.path.exists(tsv):
        print("SKIP: expectations file not found")
        return 77
    row = None
    with open(tsv) as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if r["test"] == test:
                row = r
    if row is None:
        print(f"no row {test}")
        return 1
    cap = row["local_file"].strip()
    if cap.startswith("(not in repo)"):
        print(f"SKIP: capture {row['capture_var']} is only on download.falco.org, not in the fixtures")
        return 77
    args = [vigil]
    rules = []
    for var in row["rules_vars(falcosecurity_testing_rules/*/<Var>.yaml)"].split(","):
        var = var.strip()
        if not var:
            continue
        p = find_rules(compat, var)
        if not p:
            print(f"SKIP: rules file {var} not in the fixtures")
            return 77
        rules.append(p)
    opts = []
    out_file = None
    for o in [x.strip() for x in row["options"].split(";") if x.strip()]:
        if o.startswith("WithArgs("):
            strs = go_strings(o)
            if "+outFilePath" in o:
                # the Go test appends a temporary file path
                out_file = tempfile.mktemp(prefix="vigil-legacy-", suffix=".txt")
                strs[-1] += out_file
            opts += strs
        elif o.startswith("WithDisabledRules("):
            for s in go_strings(o):
                opts += ["-D", s]
        elif o.startswith("WithEnabledTags("):
            for s in go_strings(o):
                opts += ["-t", s]
        elif o.startswith("WithDisabledTags("):
            for s in go_strings(o):
                opts += ["-T", s]
        elif o.startswith("WithMinRulePriority("):
            opts += ["-o", "priority=" + go_strings(o)[0]]
        elif o.startswith("WithAllEvents("):
            opts += ["-A"]
        elif o.startswith("WithStopAfter("):
            pass
        elif o.startswith("WithConfig("):
            name = re.search(r"configs\.(\w+)", o).group(1)
            p = os.path.join(compat, "scap", "falcosecurity_testing_rules", "configs", name + ".yaml")
            opts += ["-c", p]
        else:
            print(f"unsupported option {o}")
            return 1
    if cap:
        args += ["replay", os.path.join(compat, "scap", cap), "--json", "-o", "evaluate_enter_events=true"]
        for r in rules:
            args += ["-r", r]
        args += opts
    else:
        args += ["rules", "check"] + rules
    p = subprocess.run(args, capture_output=True)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode < 0:
        print(f"vigil killed by signal {-p.returncode}\n{err}")
        return 1
    dets = []
    for line in out.splitlines():
        try:
            j = json.loads(line)
        except ValueError:
            continue
        if isinstance(j, dict) and "rule" in j:
            dets.append(j)

    def count(expr):
        expr = expr.strip()
        if expr == "D":
            return len(dets)
        m = re.fullmatch(r'D\.OfPriority\("(\w+)"\)', expr)
        if m:
            return sum(1 for d in dets if d.get("priority") == PRIO[m.group(1).upper()])
        m = re.fullmatch(r'D\.OfRule\((.*)\)', expr)
        if m:
            name = go_strings(m.group(1))[0]
            return sum(1 for d in dets if d.get("rule") == name)
        raise ValueError(expr)

    failures = []
    if out_file:
        # the file output got the same text alerts the strict test expects
        content = open(out_file).read() if os.path.exists(out_file) else ""
        expected = os.path.join(compat, "scap", "falco_legacy_suite", "output_files",
                                "single_rule_with_cat_write.txt")
        for line in open(expected):
            if line.strip() and line.strip() not in content:
                failures.append(f"file output lacks line: {line.strip()}")
                break
        if os.path.exists(out_file):
            os.unlink(out_file)
    for a in [x.strip() for x in row["assertions"].split(" ; ") if x.strip()]:
        ok = True
        if a.startswith("NotZero("):
            ok = count(a[len("NotZero("):-1]) != 0
        elif a.startswith("Zero("):
            ok = count(a[len("Zero("):-1]) == 0
        elif a.startswith("Equal(0, res.ExitCode())"):
            ok = p.returncode == 0
        elif a.startswith("Equal("):
            m = re.fullmatch(r"Equal\((\d+), (.*)\)", a)
            ok = count(m.group(2)) == int(m.group(1))
        elif a.startswith("NoError("):
            ok = p.returncode == 0
        elif a.startswith("Error("):
            ok = p.returncode != 0
        elif a.startswith("Regexp(") or a.startswith("NotRegexp("):
            pat = go_strings(a)[0]
            stream = out if "res.Stdout()" in a else err
            found = re.search(pat, stream, re.M) is not None
            ok = found if a.startswith("Regexp(") else not found
        elif a.startswith("Contains(res.Stdout(), scanner.Text())"):
            expected = os.path.join(compat, "scap", "falco_legacy_suite", "output_files",
                                    "single_rule_with_cat_write.txt")
            for line in open(expected):
                if line.strip() and line.strip() not in out:
                    ok = False
                    failures.append(f"stdout lacks line: {line.strip()}")
                    break
        else:
            print(f"unsupported assertion {a}")
            return 1
        if not ok:
            failures.append(a)
    if failures:
        print("command:", " ".join(args))
        print("exit:", p.returncode)
        rules_seen = {}
        for d in dets:
            rules_seen[d["rule"]] = rules_seen.get(d["rule"], 0) + 1
        print("detections:", rules_seen)
        print("stderr:", err[-3000:])
        for f in failures:
            print("FAILED:", f)
        return 1
    print(f"{test}: {len(dets)} detections, all assertions hold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
