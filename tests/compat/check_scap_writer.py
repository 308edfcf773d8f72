#!/usr/bin/env python3
"""check_scap_writer.py - the capture writer on one capture of ../shared/compat/scap.

`vigil replay IN -w OUT` rewrites the capture (state at the first event, then
every event), and then:
 (a) Debian's sysdig 0.29.3 reads OUT to the end without an error;
 (b) nothing is lost: vigil prints the same oracle fields (sysdig_oracle.FIELDS)
     for every exit event of OUT as for IN. The writer may add enter events
     (an exit in merged layout whose enter is not in the capture becomes a
     2022 pair), which shifts evt.num: the shift must be exactly the number of
     enter events added before that line;
 (c) sysdig on OUT agrees with vigil on OUT, but for the divergences
     sysdig_oracle.DIVERGENCES documents (their evt.num mapped to OUT);
 (e) sysdig prints the same for OUT as for IN (when it reads IN);
 (d) the upstream rules (stable, incubating, sandbox) raise the same alerts on
     OUT as on IN (`vigil replay -r ... --json`, line by line), evaluated on exit
     events as Falco >= 0.42 does, and on all events with all matching rules.
(a) and (c) also run on captures sysdig 0.29.3 cannot read itself (their OUT is
a file sysdig reads); only a missing fixture or a missing sysdig is a SKIP.

usage: check_scap_writer.py VIGIL COMPAT_DIR RELPATH   (exit 77 = skip)"""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sysdig_oracle as so  # noqa: E402


# The upstream rules: stable (which raise nothing on most fixtures), then
# incubating and sandbox, which raise alerts on 8 of them.
RULES = ("falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml")


def write_copy(vigil, src, dst):
    rc, _, err = so.run([vigil, "replay", src, "-w", dst, "--stats"])
    m = re.search(r"\((\d+) enter events added\)", err)
    return rc, err, int(m.group(1)) if m else None


def enter_events_added(vigil, path_in, path_out):
    """evt.num (sysdig's count) of the events of OUT that are not in IN, enter
    events included: the events the writer added. Returns (added, whether OUT
    is IN plus those)."""
    fmt = "*" + so.SEP.join(["%evt.num", "%thread.tid", "%evt.type", "%evt.dir", "%evt.rawtime"])
    _, a, _ = so.vigil_lines(vigil, path_in, fmt, ["--enter-events"])
    _, b, _ = so.vigil_lines(vigil, path_out, fmt, ["--enter-events"])
    added, i = [], 0
    for line in b:
        if i < len(a) and a[i][1:] == line[1:]:
            i += 1
        else:
            added.append(int(line[0]))
    return added, i == len(a)


def main():
    vigil, compat, rel = sys.argv[1:4]
    path = os.path.join(compat, "scap", rel)
    rules = []
    for name in RULES:
        p = os.path.join(compat, "falco", name)
        if not os.path.exists(p):
            print(f"SKIP: {p} not found")
            return 77
        rules += ["-r", p]
    if not os.path.exists(path):
        print(f"SKIP: {path} not found")
        return 77
    sysdig = so.find_sysdig()
    if not sysdig:
        print("SKIP: sysdig is not installed (make deps installs it)")
        return 77
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.scap")
        rc, err, nadded = write_copy(vigil, path, out)
        if rc != 0 or nadded is None:
            print(f"vigil replay -w failed (rc {rc}): {err.strip()[-500:]}")
            return 1

        # (a) sysdig reads OUT
        rc, s_out, s_err = so.sysdig_lines(sysdig, out)
        if rc != 0:
            print(f"(a) sysdig 0.29.3 cannot read the written capture: {s_err.strip()[:300]}")
            return 1

        # (b) vigil on OUT = vigil on IN
        rc, v_in, e1 = so.vigil_lines(vigil, path)
        rc2, v_out, e2 = so.vigil_lines(vigil, out)
        if rc or rc2:
            print(f"vigil --print failed: {e1.strip()} {e2.strip()}")
            return 1
        added, aligned = enter_events_added(vigil, path, out)
        if not aligned or len(added) != nadded:
            errors.append(f"(b) OUT is not IN plus {nadded} added enter events "
                          f"({len(added)} events of OUT are not in IN)")
        renum = {}
        strip = [f[:so.EVT_NUM] + f[so.EVT_NUM + 1:] for f in v_in], \
                [f[:so.EVT_NUM] + f[so.EVT_NUM + 1:] for f in v_out]
        if len(v_in) != len(v_out):
            errors.append(f"(b) exit events: IN {len(v_in)}, OUT {len(v_out)}")
        for i, (a, b) in enumerate(zip(v_in, v_out)):
            n_in, n_out = int(a[so.EVT_NUM]), int(b[so.EVT_NUM])
            renum[n_in] = n_out
            shift = sum(1 for x in added if x < n_out)
            if n_out - n_in != shift:
                errors.append(f"(b) line {i + 1}: evt.num {n_in} became {n_out}, "
                              f"{shift} enter events were added before it")
            if strip[0][i] != strip[1][i]:
                fields = [f for f in so.FIELDS if f != "evt.num"]
                diffs = [f"{fields[k]}: IN={x!r} OUT={y!r}"
                         for k, (x, y) in enumerate(zip(strip[0][i], strip[1][i])) if x != y]
                errors.append(f"(b) line {i + 1} (evt.num {n_in}): " + "; ".join(diffs))

        # (c) sysdig on OUT = vigil on OUT, but for the documented divergences
        div = {renum.get(n, n) for n in so.DIVERGENCES.get(rel, set())}
        c_errors, used = so.compare(s_out, v_out, div)
        errors += ["(c) " + e for e in c_errors]

        # (e) sysdig on OUT = sysdig on IN, every field, the divergence lines too
        rc, s_in, _ = so.sysdig_lines(sysdig, path)
        if rc == 0:
            same_as_in = [f[1:] for f in s_out] == [f[1:] for f in s_in]
            if not same_as_in:
                e_errors, _ = so.compare([[str(renum.get(int(f[0]), f[0]))] + f[1:] for f in s_in], s_out, set(),
                                         ("sysdig on IN", "sysdig on OUT"))
                errors += ["(e) " + e for e in e_errors]
            sysdig_in = "and sysdig on OUT prints what it prints on IN"
        else:
            sysdig_in = "(sysdig cannot read IN itself)"

        # (d) the same alerts, from exit events (Falco >= 0.42) and from all events
        nalerts = []
        for opts in ([], ["-o", "evaluate_enter_events=true", "-o", "rule_matching=all"]):
            alerts = []
            for p in (path, out):
                rc, a, e = so.run([vigil, "replay", p, *rules, "--json", *opts])
                if rc != 0:
                    errors.append(f"(d) vigil replay -r on {p} failed: {e.strip()[-300:]}")
                alerts.append(a.splitlines())
            nalerts.append(len(alerts[0]))
            if alerts[0] != alerts[1]:
                diff = [f"IN : {x}\n    OUT: {y}" for x, y in zip(*alerts) if x != y][:3]
                errors.append(f"(d) alerts {' '.join(opts)} differ: IN {len(alerts[0])}, OUT {len(alerts[1])}"
                              "\n    " + "\n    ".join(diff))

    so.print_errors(errors)
    if not errors:
        print(f"{rel}: OUT read by sysdig 0.29.3; {len(v_out)} exit events x {len(so.FIELDS)} fields "
              f"identical to IN ({nadded} enter events added) and to sysdig on OUT "
              f"({len(used)} documented fd.name divergences), {sysdig_in}; alerts identical "
              f"({nalerts[0]} from exit events, {nalerts[1]} from all events, all matching rules)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
