#!/usr/bin/env python3
"""check_sysdig_oracle.py - Debian's sysdig 0.29.3 as an oracle for field values.

For one capture of ../shared/compat/scap, prints every exit event with the same
format through `vigil replay --print` and `sysdig -r ... 'evt.dir=<'` and
compares the outputs line by line (sysdig_oracle.py: fields, evt.num shift for
events sysdig skips, and the documented divergences).

usage: check_sysdig_oracle.py VIGIL COMPAT_DIR RELPATH   (exit 77 = skip)"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sysdig_oracle as so  # noqa: E402


def main():
    vigil, compat, rel = sys.argv[1:4]
    path = os.path.join(compat, "scap", rel)
    if not os.path.exists(path):
        print(f"SKIP: {path} not found")
        return 77
    sysdig = so.find_sysdig()
    if not sysdig:
        print("SKIP: sysdig is not installed (make deps installs it)")
        return 77
    rc, s_lines, s_err = so.sysdig_lines(sysdig, path)
    if rc != 0:
        print(f"SKIP: sysdig 0.29.3 cannot read {rel}: {s_err.strip()[:200]}")
        return 77
    rc, v_lines, v_err = so.vigil_lines(vigil, path)
    if rc != 0:
        print(f"vigil failed: {v_err}")
        return 1
    div = so.DIVERGENCES.get(rel, set())
    errors, used = so.compare(s_lines, v_lines, div)
    unused = div - used
    if unused:
        errors.append(f"listed divergences that no longer differ: {sorted(unused)}")
    so.print_errors(errors)
    if not errors:
        print(f"{rel}: {len(v_lines)} exit events, {len(so.FIELDS)} fields each, identical"
              f" ({len(used)} lines with a documented fd.name divergence)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
