#!/usr/bin/env python3
"""check_writer_cli.py - `vigil replay IN -w OUT` as a command: errors, gzip and
--filter, on one capture of ../shared/compat/scap.

 1. errors: OUT on a full disk (/dev/full) or in a missing directory, and IN
    cut short (the replay stops on a corrupt block), each end with exit
    status 1 and a message that names OUT and says it is incomplete; OUT
    naming IN is refused before anything is written; --filter without
    --print or -w is a usage error (2);
 2. gzip: `-z` and a name ending in .gz give a gzip file that sysdig 0.29.3
    and vigil read, with the same exit events as IN;
 3. --filter: for each filter, sysdig 0.29.3 on OUT prints exactly the exit
    events that `vigil replay IN --print --filter` prints, with the same
    oracle fields (sysdig_oracle.FIELDS but evt.num), and so does vigil on OUT.
    The filters select events whose proc.* and fd.* values come from events
    that do not match (the open before a read, the clone before an execve,
    the socket and connect before a send):
    those are written flagged state-only, and both readers must apply them
    without showing them.

usage: check_writer_cli.py VIGIL COMPAT_DIR RELPATH   (exit 77 = skip)"""
import gzip
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sysdig_oracle as so  # noqa: E402

FILTERS = [
    "evt.type=read and fd.typechar=f",
    "evt.type in (execve, clone) and evt.rawres >= 0",
    "fd.typechar in (4, 6) and evt.type in (sendto, sendmsg, write, writev, recvfrom, recvmsg, read)",
]


def no_num(lines):
    return [l[1:] for l in lines]


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
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        # 1. errors
        rc, _, err = so.run([vigil, "replay", path, "-w", "/dev/full"])
        if rc != 1 or "/dev/full: write error: No space left on device" not in err or "incomplete" not in err:
            errors.append(f"1. /dev/full: rc {rc}, stderr {err.strip()[-300:]!r}")
        missing = os.path.join(tmp, "no-such-dir", "out.scap")
        rc, _, err = so.run([vigil, "replay", path, "-w", missing])
        if rc != 1 or f"{missing}: cannot create: No such file or directory" not in err:
            errors.append(f"1. missing directory: rc {rc}, stderr {err.strip()[-300:]!r}")
        data = open(path, "rb").read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        cut = os.path.join(tmp, "cut.scap")
        with open(cut, "wb") as f:
            f.write(data[:len(data) * 2 // 3])
        out = os.path.join(tmp, "cut-out.scap")
        rc, _, err = so.run([vigil, "replay", cut, "-w", out])
        if rc != 1 or f"{out}: incomplete" not in err or "truncated block" not in err:
            errors.append(f"1. corrupt input: rc {rc}, stderr {err.strip()[-300:]!r}")
        rc, _, err = so.run([vigil, "replay", path, "--filter", "evt.type=open"])
        if rc != 2:
            errors.append(f"1. --filter alone: rc {rc}, expected a usage error (2)")
        same = os.path.join(tmp, "same.scap")
        with open(same, "wb") as f:
            f.write(data)
        rc, _, err = so.run([vigil, "replay", same, "-w", os.path.join(tmp, ".", "same.scap")])
        if rc != 1 or "is the capture being replayed" not in err or open(same, "rb").read() != data:
            errors.append(f"1. -w onto the input: rc {rc}, stderr {err.strip()[-200:]!r}, input kept: "
                          f"{open(same, 'rb').read() == data}")

        # 2. gzip
        rc, v_in, e = so.vigil_lines(vigil, path)
        if rc:
            print(f"vigil --print failed: {e}")
            return 1
        for name, extra in (("out.scap.gz", []), ("out-z.scap", ["-z"])):
            out = os.path.join(tmp, name)
            rc, _, err = so.run([vigil, "replay", path, "-w", out, *extra])
            if rc != 0:
                errors.append(f"2. {name}: rc {rc}: {err.strip()[-300:]}")
                continue
            if open(out, "rb").read(2) != b"\x1f\x8b":
                errors.append(f"2. {name} is not gzip")
            rc, s_out, err = so.sysdig_lines(sysdig, out)
            if rc != 0:
                errors.append(f"2. sysdig cannot read {name}: {err.strip()[:300]}")
            rc, v_out, _ = so.vigil_lines(vigil, out)
            if no_num(v_out) != no_num(v_in) or len(s_out) != len(v_in):
                errors.append(f"2. {name}: exit events differ from IN's")

        # 3. --filter
        counts = []
        for flt in FILTERS:
            out = os.path.join(tmp, "filtered.scap")
            rc, _, err = so.run([vigil, "replay", path, "-w", out, "--filter", flt])
            if rc != 0:
                errors.append(f"3. {flt}: rc {rc}: {err.strip()[-300:]}")
                continue
            rc, want, _ = so.run([vigil, "replay", path, "--print", so.FMT, "--filter", flt])
            want = no_num([l.split(so.SEP) for l in so.records(want, so.FMT)])
            rc, s_out, err = so.sysdig_lines(sysdig, out)
            if rc != 0:
                errors.append(f"3. {flt}: sysdig cannot read OUT: {err.strip()[:300]}")
            rc, v_out, _ = so.vigil_lines(vigil, out)
            for who, got in (("sysdig", no_num(s_out)), ("vigil", no_num(v_out))):
                if got != want:
                    bad = [i for i, (a, b) in enumerate(zip(got, want)) if a != b][:3]
                    errors.append(f"3. {flt}: {who} on OUT prints {len(got)} exit events, vigil --filter "
                                  f"on IN {len(want)}; first differing lines: " +
                                  "; ".join(f"{got[i]} != {want[i]}" for i in bad))
            counts.append(len(want))
        if counts and not all(counts):
            errors.append(f"3. a filter selects nothing on {rel}: {counts}")

    so.print_errors(errors)
    if not errors:
        print(f"{rel}: write errors reported (disk full, missing directory, corrupt input, OUT = IN); gzip OUT read by "
              f"sysdig and vigil; {len(FILTERS)} filters ({', '.join(map(str, counts))} exit events): sysdig "
              f"and vigil on OUT print what --filter prints on IN")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
