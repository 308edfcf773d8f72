#!/usr/bin/env python3
"""check_explain.py - `vigil rules explain` and `vigil rules check --strict`.

usage: check_explain.py VIGIL SOURCE_DIR explain|strict

explain:
  1. the fixture (explain_rules.yaml: a list inside a list, a macro using a
     macro, an exception) expands to the condition written out by hand here;
  2. for every enabled rule of rules/vigil_rules.yaml, the expanded condition
     names no macro and no list of the file any more, and the rule is indexed
     on a set of event types, not on all of them;
  3. a rules file made of those expanded conditions (same names, outputs,
     priorities) loads, each rule gets the same event types as the original,
     and replaying the bundled capture through both files (rule_matching=all)
     raises the same alerts.
strict:
  the default ruleset passes `rules check --strict` (no warning, no rule
  indexed on too many event types); the fixture, whose second rule has no
  evt.type, is refused with that rule named."""
import os
import re
import subprocess
import sys
import tempfile

PRIO = "(?:EMERGENCY|ALERT|CRITICAL|ERROR|WARNING|NOTICE|INFORMATIONAL|INFO|DEBUG)"
LIST_LINE = re.compile(r"^(.*?)\s+(%s)\s+(enabled|disabled)\s+(.*)$" % PRIO, re.I)

FIXTURE_EXPANDED = ("(evt.type = execve and evt.dir = < and proc.name in (bash, sh, zsh) "
                    "and not (proc.pname = sshd) and not (proc.pname = cron and user.name = root))")


def run(argv, ok=(0,)):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode not in ok:
        print("FAIL: %s exited %d\n%s%s" % (" ".join(argv), p.returncode, p.stdout, p.stderr))
        sys.exit(1)
    return p


def explain(vigil, rule, rules_file):
    out = run([vigil, "rules", "explain", rule, "-r", rules_file]).stdout
    fields = {}
    for line in out.splitlines():
        if ": " in line and not line.startswith(" "):
            k, v = line.split(": ", 1)
            fields[k] = v
    return fields


def rules_of(vigil, rules_file):
    """[(name, priority, enabled, event types)] from `vigil rules list`."""
    rows = []
    for line in run([vigil, "rules", "list", rules_file]).stdout.splitlines():
        m = LIST_LINE.match(line)
        if not m:
            print("FAIL: unexpected line in vigil rules list: %r" % line)
            sys.exit(1)
        rows.append((m.group(1), m.group(2), m.group(3) == "enabled", m.group(4)))
    return rows


def yaml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def check_explain(vigil, src):
    fails = []
    fixture = os.path.join(src, "tests", "rules_cli", "explain_rules.yaml")
    got = explain(vigil, "Fixture shell run", fixture)
    if got.get("expanded (macros substituted)") != FIXTURE_EXPANDED:
        fails.append("fixture: expanded condition is\n    %s\n  expected\n    %s"
                     % (got.get("expanded (macros substituted)"), FIXTURE_EXPANDED))
    if not got.get("event types", "").startswith("execve "):
        fails.append("fixture: event types are %r, expected execve" % got.get("event types"))
    got = explain(vigil, "Fixture any event of cat", fixture)
    if not got.get("event types", "").startswith("(all event types)"):
        fails.append("fixture: a rule without evt.type shows %r" % got.get("event types"))

    default = os.path.join(src, "rules", "vigil_rules.yaml")
    with open(default) as f:
        text = f.read()
    names = re.findall(r"^- (?:macro|list): (\S+)", text, re.M)
    rows = [r for r in rules_of(vigil, default) if r[2]]
    expanded = []
    for name, prio, _, evts in rows:
        got = explain(vigil, name, default)
        cond = got.get("expanded (macros substituted)", "")
        left = [n for n in names if re.search(r"(?<![\w.])%s(?![\w.])" % re.escape(n), cond)]
        if left:
            fails.append("'%s': the expansion still names %s" % (name, ", ".join(left)))
        if got.get("event types", "").startswith("(all event types)") or got.get("event types") is None:
            fails.append("'%s': indexed on %r" % (name, got.get("event types")))
        codes = re.search(r"\((\d+) event codes\)", got.get("event types", ""))
        if not codes or int(codes.group(1)) > 100:
            fails.append("'%s': %s" % (name, got.get("event types")))
        expanded.append((name, prio, cond, got.get("output", ""), evts))
    print("%d enabled default rules expanded; none indexed on all event types" % len(expanded))

    with tempfile.TemporaryDirectory(prefix="vigil-explain-") as d:
        flat = os.path.join(d, "expanded.yaml")
        with open(flat, "w") as f:
            for name, prio, cond, output, _ in expanded:
                f.write("- rule: %s\n  desc: expanded\n  condition: %s\n  output: %s\n  priority: %s\n\n"
                        % (yaml_str(name), yaml_str(cond), yaml_str(output), prio.upper()))
        flat_rows = {r[0]: r[3] for r in rules_of(vigil, flat)}
        for name, _, _, _, evts in expanded:
            if flat_rows.get(name) != evts:
                fails.append("'%s': event types %r with the expanded condition, %r in the ruleset"
                             % (name, flat_rows.get(name), evts))
        cap = os.path.join(src, "captures", "demo-alpine.scap.gz")
        a = run([vigil, "replay", cap, "-r", default, "-o", "rule_matching=all"]).stdout.splitlines()
        b = run([vigil, "replay", cap, "-r", flat, "-o", "rule_matching=all"]).stdout.splitlines()
        if a != b:
            fails.append("replaying %s: %d alerts with the ruleset, %d with the expanded conditions"
                         % (cap, len(a), len(b)))
        elif not a:
            fails.append("replaying %s raised no alert: the comparison shows nothing" % cap)
        else:
            print("replay of %s: the same %d alerts from both files" % (os.path.basename(cap), len(a)))
    return fails


def check_strict(vigil, src):
    fails = []
    default = os.path.join(src, "rules", "vigil_rules.yaml")
    p = run([vigil, "rules", "check", "--strict", default])
    m = re.search(r"(\d+) rules loaded \((\d+) enabled\) in ([0-9.]+) ms, (\d+) warnings, (\d+) on too many",
                  p.stderr)
    if not m or m.group(4) != "0" or m.group(5) != "0":
        fails.append("default ruleset: %s" % p.stderr.strip())
    else:
        print("default ruleset: %s rules, 0 warnings, 0 on too many event types" % m.group(1))
    fixture = os.path.join(src, "tests", "rules_cli", "explain_rules.yaml")
    p = run([vigil, "rules", "check", "--strict", fixture], ok=(1,))
    if "rule 'Fixture any event of cat' is indexed on every event type" not in p.stderr:
        fails.append("the fixture's rule without evt.type is not named:\n%s" % p.stderr)
    if "'Fixture shell run'" in p.stderr.split("warning: Rule matches")[0]:
        fails.append("the fixture's indexed rule is reported:\n%s" % p.stderr)
    p = run([vigil, "rules", "check", fixture])
    if "warning: rule 'Fixture any event of cat'" not in p.stderr:
        fails.append("without --strict, the rule without evt.type is not a warning:\n%s" % p.stderr)
    return fails


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in ("explain", "strict"):
        print(__doc__, file=sys.stderr)
        return 2
    vigil, src, what = sys.argv[1:]
    fails = check_explain(vigil, src) if what == "explain" else check_strict(vigil, src)
    for f in fails:
        print("FAIL: " + f)
    if not fails:
        print("OK")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
