#!/usr/bin/env python3
"""check_writer_live.py - the live-capture case of the capture writer.

gen_live_capture writes, through scap_writer, what vigil's live capture would
write: a /proc-like state, then exit events in vigil's merged layout (the 2022
exit parameters followed by the enter parameters), with no enter events, as
the BPF side emits them. The writer must turn each merged exit into the 2022
enter/exit pair, because sysdig 0.29.3 (libs 2022) takes some values from the
enter event only: the fd of read/write/close/connect, the executable path of
execve.

Checks:
 1. sysdig 0.29.3 prints the expected values for every exit event (EXPECTED,
    written from the scenario, not from a tool's output);
 2. vigil prints the same from the same file;
 3. the enter events the writer added carry the right parameters (sysdig's
    evt.args of every enter event);
 4. control: the same scenario written with each exit's 2022 parameters only
    and no enter event makes sysdig print wrong values where the test
    expects it to (so checks 1-3 do test the pairing).

usage: check_writer_live.py GEN_LIVE_CAPTURE VIGIL   (exit 77 = skip)"""
import os
import shutil
import subprocess
import sys
import tempfile

FIELDS = ["evt.num", "evt.type", "evt.cpu", "thread.tid", "proc.name", "proc.pid", "proc.ppid", "proc.exepath",
          "proc.cmdline", "fd.name", "fd.typechar", "user.name", "proc.cwd", "evt.rawres", "proc.tty"]
SEP = "|"
FMT = "*" + SEP.join("%" + f for f in FIELDS)

CURL = "1234|curl|1234|1000|/usr/bin/curl|curl -s http://93.184.216.34/"
TCP1 = "10.0.0.9:51234->93.184.216.34:80|4"
EXPECTED = [
    # bash forks (parent side, then the child): no enter in the 2022 table
    "1|clone|1|1000|bash|1000|800|/usr/bin/bash|bash|<NA>|<NA>|alice|/home/alice/|1234|0",
    "2|clone|1|1234|bash|1234|1000|/usr/bin/bash|bash|<NA>|<NA>|alice|/home/alice/|0|0",
    # 3: execve enter (filename), added by the writer
    f"4|execve|1|{CURL}|<NA>|<NA>|alice|/home/alice/|0|34816",
    # openat carries all its enter parameters in 2022: no enter added
    f"5|openat|1|{CURL}|/etc/hosts|f|alice|/home/alice/|3|34816",
    f"7|read|1|{CURL}|/etc/hosts|f|alice|/home/alice/|20|34816",
    f"9|close|1|{CURL}|/etc/hosts|f|alice|/home/alice/|0|34816",
    f"11|socket|1|{CURL}||4|alice|/home/alice/|3|34816",
    f"13|connect|1|{CURL}|{TCP1}|alice|/home/alice/|0|34816",
    f"15|write|1|{CURL}|{TCP1}|alice|/home/alice/|18|34816",
    f"17|close|1|{CURL}|{TCP1}|alice|/home/alice/|0|34816",
    f"19|socket|1|{CURL}||4|alice|/home/alice/|4|34816",
    f"21|connect|1|{CURL}|10.0.0.9:51240->93.184.216.34:8080|4|alice|/home/alice/|-111|34816",
]

# sysdig's rendering of the enter events (evt.num, type, arguments)
EXPECTED_ENTERS = [
    "3 execve filename=/usr/bin/curl",
    "6 read fd=3(<f>/etc/hosts) size=4096",
    "8 close fd=3(<f>/etc/hosts)",
    "10 socket domain=2(AF_INET) type=1 proto=0",
    "12 connect fd=3(<4>) addr=93.184.216.34:80",
    "14 write fd=3(<4t>10.0.0.9:51234->93.184.216.34:80) size=18",
    "16 close fd=3(<4t>10.0.0.9:51234->93.184.216.34:80)",
    "18 socket domain=2(AF_INET) type=1 proto=0",
    "20 connect fd=4(<4>) addr=93.184.216.34:8080",
    "22 procexit status=0 ret=0 sig=0 core=0",
]

# What the control must get wrong in sysdig: (evt.type of the line, field).
CONTROL_WRONG = {("execve", "proc.exepath"), ("connect", "fd.name"), ("write", "fd.name")}


def run(cmd):
    p = subprocess.run(cmd, capture_output=True)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def diff_lines(what, got, want, errors):
    if got != want:
        errors.append(f"{what}: {len(got)} lines, {len(want)} expected")
        for i in range(max(len(got), len(want))):
            g = got[i] if i < len(got) else "(none)"
            w = want[i] if i < len(want) else "(none)"
            if g != w:
                errors.append(f"  line {i + 1}: got      {g}\n           expected {w}")


def main():
    gen, vigil = sys.argv[1:3]
    sysdig = shutil.which("sysdig")
    if not sysdig:
        print("SKIP: sysdig is not installed (make deps installs it)")
        return 77
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        live, control = os.path.join(tmp, "live.scap"), os.path.join(tmp, "control.scap")
        for path, extra in ((live, []), (control, ["--control"])):
            rc, _, err = run([gen, path, *extra])
            if rc != 0:
                print(f"gen_live_capture failed: {err}")
                return 1

        rc, out, err = run([sysdig, "-r", live, "-p", FMT, "evt.dir=<"])
        if rc != 0:
            print(f"sysdig 0.29.3 cannot read the capture: {err.strip()[:300]}")
            return 1
        diff_lines("1. sysdig", out.splitlines(), EXPECTED, errors)

        # exit events, as asked of sysdig (vigil also prints procexit by default)
        rc, out, err = run([vigil, "replay", live, "--print", FMT, "--filter", "evt.dir = <"])
        if rc != 0:
            errors.append(f"2. vigil replay failed: {err.strip()}")
        diff_lines("2. vigil", out.splitlines(), EXPECTED, errors)

        rc, out, _ = run([sysdig, "-r", live, "-p", "%evt.num %evt.type %evt.args", "evt.dir=>"])
        diff_lines("3. sysdig, enter events", [l.rstrip() for l in out.splitlines()], EXPECTED_ENTERS, errors)

        rc, out, err = run([sysdig, "-r", control, "-p", FMT, "evt.dir=<"])
        if rc != 0:
            errors.append(f"4. sysdig cannot read the control capture: {err.strip()[:300]}")
        got = [l.split(SEP) for l in out.splitlines()]
        want = [l.split(SEP)[1:] for l in EXPECTED]	# the control has no enter events: evt.num differs
        wrong = set()
        for g, w in zip(got, want):
            for k, (x, y) in enumerate(zip(g[1:], w)):
                if x != y:
                    wrong.add((w[0], FIELDS[k + 1]))
        if len(got) != len(want) or not CONTROL_WRONG <= wrong:
            errors.append(f"4. control: expected sysdig to get {sorted(CONTROL_WRONG)} wrong without enter "
                          f"events, it got {sorted(wrong)} wrong")

    for e in errors:
        print(e)
    if not errors:
        print(f"merged exit events written as 2022 pairs: sysdig 0.29.3 and vigil print the expected "
              f"{len(EXPECTED)} exit events x {len(FIELDS)} fields; the {len(EXPECTED_ENTERS)} enter events carry "
              f"the right parameters; without them sysdig gets {len(wrong)} (event, field) pairs wrong")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
