#!/usr/bin/env python3
"""check_sysdig_oracle.py - Debian's sysdig 0.29.3 as an oracle for field values.

For one capture of ../shared/compat/scap, prints every exit event with the same
format through `vigil replay --print` and `sysdig -r ... 'evt.dir=<'` and
compares the outputs line by line.

Two adjustments, both derived from the capture, not hard-coded results:
- sysdig 0.29.3 skips event ids it does not know (>= 336: the user/group
  metadata events of newer libs) and does not count them in evt.num; vigil
  knows them. vigil's numbers are shifted down by the number of such events
  before each line (taken from vigil itself with a filter on those types).
- A few lines where libs 2022 (sysdig 0.29.3) and current libs (Falco >= 0.42)
  disagree are listed in DIVERGENCES with the reason; vigil follows current libs
  there. Those lines are compared on every field but fd.name.

usage: check_sysdig_oracle.py VIGIL COMPAT_DIR RELPATH   (exit 77 = skip)"""
import os
import shutil
import subprocess
import sys

FIELDS = ["evt.num", "evt.type", "proc.name", "proc.pid", "proc.ppid", "proc.cmdline",
          "proc.exepath", "fd.name", "fd.typechar", "user.name", "thread.tid", "proc.exe",
          "user.uid", "evt.rawres", "evt.res", "proc.tty", "container.id", "proc.cwd", "fd.type"]
# user.loginuid is left out: captures older than libs 0.10 do not carry it, and
# sysdig 0.29.3 fills the gap differently per thread origin (and misreads it from
# process lists written by newer libs: libs/sample.scap shows -420151296).
SEP = "\x1f"
FMT = "*" + SEP.join("%" + f for f in FIELDS)
FD_NAME = FIELDS.index("fd.name")

DIVERGENCES = {
    # A UDP socket connected a second time: libs 2022 keeps the first peer, current
    # libs takes the new one (falcosecurity/libs test/libsinsp_e2e/ipv6.cpp expects
    # "::1:38255->2001:4860:4860::8888:domain" for this capture).
    "libs/test_ipv6_client.scap": {231, 233},
    "sysflow/namespaces_setns.scap": {1991, 1993, 1997},
    # sendmsg on a bound UDP socket whose tuple has no source address: sysdig 0.29.3
    # prints an address that appears nowhere in the event or the state
    # (192.168.128.156:55441->145.216.3.255:514 for a send to 127.0.0.1:514).
    "sysdig-inspect/502Error.scap": {229, 1451, 1679, 1942, 3156, 3379, 3625, 4887, 5098, 5363, 6564,
                                     6844, 7138, 8368, 8629, 8929, 10164, 10446, 11693, 11935, 12233,
                                     13494, 13709, 13971, 14228, 15481, 15771, 16054, 17281, 17529,
                                     17796, 19034, 19272, 19573, 20782, 21067, 21372},
}


def run(cmd):
    p = subprocess.run(cmd, capture_output=True)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def main():
    vigil, compat, rel = sys.argv[1:4]
    path = os.path.join(compat, "scap", rel)
    if not os.path.exists(path):
        print(f"SKIP: {path} not found")
        return 77
    sysdig = shutil.which("sysdig")
    if not sysdig:
        print("SKIP: sysdig is not installed (make deps installs it)")
        return 77
    rc, s_out, s_err = run([sysdig, "-r", path, "-p", FMT, "evt.dir=<"])
    if rc != 0:
        print(f"SKIP: sysdig 0.29.3 cannot read {rel}: {s_err.strip()[:200]}")
        return 77
    rc, v_out, v_err = run([vigil, "replay", path, "--print", FMT])
    if rc != 0:
        print(f"vigil failed: {v_err}")
        return 1
    rc, skipped, _ = run([vigil, "replay", path, "--enter-events", "--print", "%evt.num",
                          "--filter", "evt.type in (useradded, groupadded, userdeleted, groupdeleted)"])
    skipped = sorted(int(x) for x in skipped.split())

    def shift(num):
        n = 0
        for s in skipped:
            if s < num:
                n += 1
        return num - n

    s_lines = [l.split(SEP) for l in s_out.splitlines()]
    v_lines = []
    for l in v_out.splitlines():
        f = l.split(SEP)
        f[0] = str(shift(int(f[0])))
        v_lines.append(f)
    div = DIVERGENCES.get(rel, set())
    errors = []
    if len(s_lines) != len(v_lines):
        errors.append(f"line count: sysdig {len(s_lines)}, vigil {len(v_lines)}")
    used = set()
    for i, (a, b) in enumerate(zip(s_lines, v_lines)):
        if a == b:
            continue
        num = int(a[0]) if a[0].isdigit() else -1
        if num in div and len(a) == len(b) and \
                all(x == y for k, (x, y) in enumerate(zip(a, b)) if k != FD_NAME):
            used.add(num)
            continue
        diffs = [f"{FIELDS[k]}: sysdig={x!r} vigil={y!r}" for k, (x, y) in enumerate(zip(a, b)) if x != y]
        errors.append(f"line {i + 1} (evt.num {a[0]}): " + "; ".join(diffs))
    unused = div - used
    if unused:
        errors.append(f"listed divergences that no longer differ: {sorted(unused)}")
    for e in errors[:30]:
        print(e)
    if len(errors) > 30:
        print(f"... {len(errors) - 30} more")
    if not errors:
        print(f"{rel}: {len(v_lines)} exit events, {len(FIELDS)} fields each, identical"
              f" ({len(used)} lines with a documented fd.name divergence)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
