#!/usr/bin/env python3
"""check_host_root.py - in a pod, the host's / is mounted at HOST_ROOT
(/host in the Helm chart) and the container's /etc is the image's: `vigil
run` must name host users and groups from $HOST_ROOT/etc/passwd and
$HOST_ROOT/etc/group. A marker process run as root is printed once with
HOST_ROOT pointing to a tree whose passwd calls uid 0 something else, and
once without HOST_ROOT (the host's own names).
usage: check_host_root.py VIGIL"""
import os
import subprocess
import sys
import tempfile
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import livelib  # noqa: E402

livelib.require_root()
vigil = sys.argv[1]
failures = []


def names_seen(env_root):
    nonce = "hostroot-" + uuid.uuid4().hex[:12]
    argv = [vigil, "run", "--print", "%user.name %group.name %proc.args", "--filter",
            f"proc.name=true and proc.args contains {nonce}", "--duration", "60"]
    old = os.environ.pop("HOST_ROOT", None)
    if env_root:
        os.environ["HOST_ROOT"] = env_root
    try:
        v = livelib.Vigil(argv)
    finally:
        os.environ.pop("HOST_ROOT", None)
        if old is not None:
            os.environ["HOST_ROOT"] = old
    try:
        if not v.wait_ready():
            print("FAIL " + livelib.start_failure(v))
            sys.exit(1)
        subprocess.run(["/bin/true", nonce], check=True)
    finally:
        v.stop()  # drains the rings; --print output to a pipe is flushed at exit
    return next((l for l in v.out if l.endswith(nonce)), None)


with tempfile.TemporaryDirectory(prefix="vigil-hostroot.") as root:
    os.makedirs(os.path.join(root, "etc"))
    with open(os.path.join(root, "etc/passwd"), "w") as f:
        f.write("hostadmin:x:0:0:host root:/root:/bin/sh\n")
    with open(os.path.join(root, "etc/group"), "w") as f:
        f.write("hostwheel:x:0:\n")
    line = names_seen(root)
    ok = line is not None and line.split()[:2] == ["hostadmin", "hostwheel"]
    print(("ok   " if ok else "FAIL ") + f"HOST_ROOT={root}: uid/gid 0 named from its etc/passwd and etc/group: {line}")
    if not ok:
        failures.append("host root")
line = names_seen(None)
ok = line is not None and line.split()[:2] == ["root", "root"]
print(("ok   " if ok else "FAIL ") + f"without HOST_ROOT: the names of this host's /etc: {line}")
if not ok:
    failures.append("host")
sys.exit(1 if failures else 0)
