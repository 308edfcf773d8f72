"""sysdig_oracle.py - printing a capture's exit events with the oracle fields,
through `vigil replay --print` and Debian's sysdig 0.29.3, and comparing the
two line by line. Used by check_sysdig_oracle.py (vigil against sysdig on the
fixtures) and check_scap_writer.py (the same on captures vigil wrote).

Two adjustments, both derived from the capture, not hard-coded results:
- sysdig 0.29.3 skips event ids it does not know (>= 336: the user/group
  metadata events of newer libs) and does not count them in evt.num; vigil
  knows them. vigil's numbers are shifted down by the number of such events
  before each line (taken from vigil itself with a filter on those types).
- A few lines where libs 2022 (sysdig 0.29.3) and current libs (Falco >= 0.42)
  disagree are listed in DIVERGENCES with the reason; vigil follows current libs
  there. Those lines are compared on every field but fd.name."""
import shutil
import subprocess

FIELDS = ["evt.num", "evt.type", "proc.name", "proc.pid", "proc.ppid", "proc.cmdline",
          "proc.exepath", "fd.name", "fd.typechar", "user.name", "thread.tid", "proc.exe",
          "user.uid", "evt.rawres", "evt.res", "proc.tty", "container.id", "proc.cwd", "fd.type"]
# user.loginuid is left out: captures older than libs 0.10 do not carry it, and
# sysdig 0.29.3 fills the gap differently per thread origin (and misreads it from
# process lists written by newer libs: libs/sample.scap shows -420151296).
SEP = "\x1f"
# each record ends with RS and a newline: a command line can hold newlines
RS = "\x1e"
FMT = "*" + SEP.join("%" + f for f in FIELDS) + RS
EVT_NUM = FIELDS.index("evt.num")  # 0: vigil_lines() renumbers the first field
FD_NAME = FIELDS.index("fd.name")

# Keyed by the capture's path under compat/scap and the evt.num (sysdig's count).
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


def find_sysdig():
    return shutil.which("sysdig")


# sysdig 0.29.3 dereferences a missing "fd" parameter when it prints evt.res
# of a bpf exit event (flagged as creating an fd, its parameter is
# res_or_fd) and crashes: both sides leave bpf events out.
EXIT_FILTER = "evt.dir=< and evt.type!=bpf"


def sysdig_lines(sysdig, path, flt=EXIT_FILTER):
    """Exit events of `path` as sysdig 0.29.3 prints them: (rc, lines, stderr)."""
    rc, out, err = run([sysdig, "-r", path, "-p", FMT, flt])
    return rc, [l.split(SEP) for l in records(out, FMT)], err


def records(out, fmt):
    """The printed events of `out`: RS-terminated records when `fmt` ends
    with RS, lines otherwise."""
    if fmt.endswith(RS):
        return [r.lstrip("\n") for r in out.split(RS)[:-1]]
    return out.splitlines()


def skipped_by_sysdig(vigil, path):
    """evt.num (vigil's count) of the events sysdig 0.29.3 skips: (rc, sorted list)."""
    rc, out, _ = run([vigil, "replay", path, "--enter-events", "--print", "%evt.num",
                      "--filter", "evt.type in (useradded, groupadded, userdeleted, groupdeleted)"])
    return rc, sorted(int(x) for x in out.split())


def sysdig_num(num, skipped):
    """vigil's evt.num counted the way sysdig counts (`skipped` left out)."""
    return num - sum(1 for s in skipped if s < num)


def vigil_lines(vigil, path, fmt=FMT, args=()):
    """Events of `path` as vigil prints them (exit events with the oracle fields
    by default), evt.num (the first field) counted the way sysdig counts:
    (rc, lines, stderr)."""
    if "--filter" not in args:
        # sysdig is asked for exit events only (evt.dir=<): the same here
        # (vigil also prints non-syscall events such as procexit by default)
        args = (*args, "--filter", EXIT_FILTER)
    rc, out, err = run([vigil, "replay", path, *args, "--print", fmt])
    if rc != 0:
        return rc, [], err
    rc, skipped = skipped_by_sysdig(vigil, path)
    if rc != 0:
        return rc, [], "cannot list the user/group events"
    lines = []
    for l in records(out, fmt):
        f = l.split(SEP)
        f[0] = str(sysdig_num(int(f[0]), skipped))
        lines.append(f)
    return 0, lines, err


def compare(s_lines, v_lines, div, names=("sysdig", "vigil")):
    """Compare two printed line lists. Lines whose evt.num is in `div` may differ
    in fd.name only. Returns (errors, the divergences that were used)."""
    errors, used = [], set()
    if len(s_lines) != len(v_lines):
        errors.append(f"line count: {names[0]} {len(s_lines)}, {names[1]} {len(v_lines)}")
    for i, (a, b) in enumerate(zip(s_lines, v_lines)):
        if a == b:
            continue
        num = int(a[EVT_NUM]) if a[EVT_NUM].isdigit() else -1
        if num in div and len(a) == len(b) and \
                all(x == y for k, (x, y) in enumerate(zip(a, b)) if k != FD_NAME):
            used.add(num)
            continue
        diffs = [f"{FIELDS[k]}: {names[0]}={x!r} {names[1]}={y!r}"
                 for k, (x, y) in enumerate(zip(a, b)) if x != y]
        errors.append(f"line {i + 1} (evt.num {a[EVT_NUM]}): " + "; ".join(diffs))
    return errors, used


def print_errors(errors, limit=30):
    for e in errors[:limit]:
        print(e)
    if len(errors) > limit:
        print(f"... {len(errors) - limit} more")
