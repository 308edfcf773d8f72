"""check_capture_interop.py - a live capture written by `vigil capture -w`
read back by Debian's sysdig 0.29.3 and by `vigil replay`:

1. while recording this host (with Falco's stable rules evaluated live),
   real actions run: a sensitive read, a symlink over /etc/shadow, a shell
   pipeline, a TCP connection over loopback, a failed open, an exec;
2. sysdig reads the whole file without error, and the exit events of this
   test's own processes it prints with the oracle fields
   (tests/compat/sysdig_oracle.py) equal vigil replay's, line by line (the
   rest of the host is compared by the oracle tests on fixed captures);
3. vigil replay of the file raises the same alerts as the live run did.

usage: check_capture_interop.py VIGIL ACTIONS SOURCE_DIR"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "compat"))
import livelib  # noqa: E402
import sysdig_oracle as oracle  # noqa: E402


def workload(actions, tmp):
    """Real actions whose events the capture must hold."""
    tag = "interop-%d" % os.getpid()
    subprocess.run(["cat", "/etc/shadow"], stdout=subprocess.DEVNULL, check=True)
    os.symlink("/etc/shadow", os.path.join(tmp, "shadow-link"))
    subprocess.run(["sh", "-c", "ls %s | wc -l > %s/count; echo %s" % (tmp, tmp, tag)],
                   stdout=subprocess.DEVNULL, check=True)
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    cli = subprocess.Popen(["python3", "-c", "import socket; s = socket.create_connection(('127.0.0.1', %d));"
                            " s.sendall(b'hello'); s.close()" % port])
    conn, _ = srv.accept()
    conn.recv(16)
    conn.close()
    srv.close()
    cli.wait()
    try:
        open(os.path.join(tmp, "missing", "file"))
    except OSError:
        pass
    subprocess.run([actions, "ptrace-traceme"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def alert_keys(lines):
    """(rule, output) of each JSON alert line."""
    out = []
    for l in lines:
        l = l.strip()
        if l.startswith("{"):
            a = json.loads(l)
            out.append((a["rule"], a["output"]))
    return sorted(out)


INTERPRETERS = {"env", "sh", "dash", "bash", "python3", "perl"} | {"python3.%d" % i for i in range(8, 14)}


def shebang(path):
    """The interpreter a script's #! line names, or None."""
    try:
        with open(path, "rb") as f:
            line = f.readline(256)
    except OSError:
        return None
    if not line.startswith(b"#!"):
        return None
    parts = line[2:].split()
    return parts[0].decode(errors="replace") if parts else None


def main():
    vigil, actions, src = sys.argv[1:4]
    livelib.require_root()
    sysdig = oracle.find_sysdig()
    if not sysdig:
        print("FAIL: Debian's sysdig is needed (make deps installs it)")
        return 1
    rules = os.path.join(src, "..", "shared", "compat", "falco", "falco_rules.yaml")
    errors = []
    with tempfile.TemporaryDirectory(prefix="vigil-interop-") as tmp:
        cap = os.path.join(tmp, "live.scap")
        v = livelib.Vigil([vigil, "capture", "-w", cap, "-r", rules, "--json", "--stats"])
        if not v.wait_ready():
            print("FAIL: " + livelib.start_failure(v))
            v.stop()
            return 1
        workload(actions, tmp)
        time.sleep(0.5)
        rc = v.stop()
        if rc != 0:
            print("FAIL: vigil capture exited with %s:\n%s" % (rc, v.stderr_text()))
            return 1
        live_alerts = alert_keys(v.out)
        stats = livelib.probe_stats(v.err) or {}
        print("captured: %s; %d alerts live" % (", ".join("%s %s" % (n, k) for k, n in stats.items()),
                                                len(live_alerts)))
        if stats.get("malformed", 1) or stats.get("ring full", 1) or stats.get("nested runs", 1):
            errors.append("the capture is not complete: %s" % stats)

        # 2. sysdig reads it; the oracle fields agree with vigil's
        # sysdig reads the whole file; the fields are compared on this
        # test's own processes (the rest of the host is not under its control)
        rc, _, s_err = oracle.sysdig_lines(sysdig, cap)
        if rc != 0:
            errors.append("sysdig -r failed on the whole file (rc %d): %s" % (rc, s_err.strip()))
        mine = "%s and (proc.pid=%d or proc.apid=%d)" % (oracle.EXIT_FILTER, os.getpid(), os.getpid())
        rc, s_lines, s_err = oracle.sysdig_lines(sysdig, cap, mine)
        if rc != 0:
            errors.append("sysdig -r failed (rc %d): %s" % (rc, s_err.strip()))
        rc, v_lines, v_err = oracle.vigil_lines(vigil, cap, args=("--filter", mine))
        if rc != 0:
            errors.append("vigil replay --print failed (rc %d): %s" % (rc, v_err.strip()))
        if not errors:
            # Current libs take proc.exepath from the kernel's own path of the
            # executable (execve's trusted_exepath: symlinks resolved, e.g.
            # /usr/bin/sh -> /usr/bin/dash); sysdig 0.29.3 predates it and
            # resolves the execve argument against the cwd. Accepted when
            # vigil's value is the real path of sysdig's.
            # A script run through its #! line is the same: the kernel's
            # executable is the interpreter (current libs), sysdig 0.29.3
            # shows the script. Accepted when the script's #! names vigil's
            # value (or, the script being gone, when vigil's value is an
            # interpreter: counted apart).
            exe = oracle.FIELDS.index("proc.exepath")
            resolved, scripts, gone = 0, 0, 0
            for a, b in zip(s_lines, v_lines):
                if len(a) <= exe or len(b) <= exe or a[exe] == b[exe] or not a[exe].startswith("/"):
                    continue
                if os.path.realpath(a[exe]) == b[exe]:
                    resolved += 1
                else:
                    interp = shebang(a[exe])
                    if interp is not None and os.path.realpath(interp) == b[exe]:
                        scripts += 1
                    elif interp is None and not os.path.exists(a[exe]) and \
                            os.path.basename(b[exe]) in INTERPRETERS:
                        gone += 1
                    else:
                        continue
                a[exe] = b[exe]
            if resolved or scripts or gone:
                print("proc.exepath: vigil shows the kernel's executable (current libs): %d resolved symlinks, "
                      "%d scripts' interpreters, %d interpreters of scripts gone since" % (resolved, scripts, gone))
            errs, _ = oracle.compare(s_lines, v_lines, set())
            print("oracle: %d exit events compared on %d fields" % (len(s_lines), len(oracle.FIELDS)))
            errors += errs
            # the actions are in the file, seen the same way by both
            if not any(l[oracle.FIELDS.index("proc.name")] == "cat" and l[oracle.FD_NAME] == "/etc/shadow"
                       for l in s_lines):
                errors.append("sysdig does not show cat opening /etc/shadow")
            if not any(l[oracle.FIELDS.index("evt.type")] == "connect" and "127.0.0.1" in l[oracle.FD_NAME]
                       for l in s_lines):
                errors.append("sysdig does not show the loopback connect with its tuple")

        # 3. replay raises the alerts the live run raised
        rc, out, err = oracle.run([vigil, "replay", cap, "-r", rules, "--json"])
        if rc != 0:
            errors.append("vigil replay -r failed (rc %d): %s" % (rc, err.strip()))
        replay_alerts = alert_keys(out.splitlines())
        if replay_alerts != live_alerts:
            errors.append("alerts differ: live %d, replay %d" % (len(live_alerts), len(replay_alerts)))
            for a in sorted(set(live_alerts) ^ set(replay_alerts))[:10]:
                errors.append("  %s %s" % ("live only:" if a in live_alerts else "replay only:", a))
        if not any(r == "Read sensitive file untrusted" for r, _ in live_alerts):
            errors.append("no 'Read sensitive file untrusted' alert from the live run")
    if errors:
        oracle.print_errors(["FAIL " + e for e in errors])
        return 1
    print("ok: sysdig and vigil agree on the capture; replay gives the %d live alerts" % len(live_alerts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
