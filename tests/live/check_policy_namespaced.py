#!/usr/bin/env python3
"""check_policy_namespaced.py - a TracingPolicyNamespaced enforced live: it
applies only to the processes of pods of its metadata.namespace.

Three podman containers (runc, cgroupfs) of Debian's static busybox image
(livelib.busybox_image) run `sleep`, labelled as a kubelet labels pods'
containers: io.kubernetes.pod.namespace=production, =staging (both started
before vigil: known from /proc, their namespace learnt at startup) and a
second production one started while vigil runs. `podman system service`
serves the Docker-compatible API (the labels are only there), given to vigil
with -o container.engines.podman.sockets=. The policy, in namespace
production, Sigkills execve of /bin/cat.

Once vigil's debug log says each container's cgroups went into the probe
with their pod namespace:
  - `podman exec PROD /bin/cat /etc/passwd` exits 137 (killed, nothing
    printed) in both production containers, each with its Sigkill event of
    the policy (counted: at sys_enter the exec'ing process is still runc's
    init, the event cannot name its container);
  - the same in the staging container prints the file (exit 0);
  - /bin/cat on the host prints its file (exit 0): host processes are in
    no pod namespace;
  - after vigil stopped (rings drained), exactly the two kill events.

usage: check_policy_namespaced.py VIGIL
exit: 0 pass, 1 fail, 77 skip (not root)"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import livelib  # noqa: E402

META_TIMEOUT = 60
EVENT_TIMEOUT = 20
FILES = {
    "etc/passwd": "root:x:0:0:root:/root:/bin/sh\n",
    "etc/group": "root:x:0:\n",
}
POLICY = """apiVersion: cilium.io/v1alpha1
kind: TracingPolicyNamespaced
metadata:
  name: "block-cat-production"
  namespace: production
spec:
  kprobes:
  - call: "sys_execve"
    syscall: true
    args:
    - index: 0
      type: "string"
    selectors:
    - matchArgs:
      - index: 0
        operator: "Equal"
        values:
        - "/bin/cat"
      matchActions:
      - action: Sigkill
"""


class Fail(Exception):
    pass


def podman(args, **kw):
    try:
        return livelib.podman(args, **kw)
    except livelib.PodmanError as e:
        raise Fail(str(e))


class Scene:
    def __init__(self, vigil):
        self.vigil = vigil
        self.tmp = tempfile.mkdtemp(prefix="vigil-polns-")
        self.sock = os.path.join(self.tmp, "podman.sock")
        self.svc = None
        self.v = None
        self.names = []
        self.tag = livelib.busybox_image("vigil-policy-ns", FILES)

    def container(self, ns):
        name = "vigil-polns-%d-%d" % (os.getpid(), len(self.names))
        self.names.append(name)
        cid = podman(["run", "-d", "--name", name, "--network", "none",
                      "--label", "io.kubernetes.pod.name=app", "--label", "io.kubernetes.pod.namespace=" + ns]
                     + livelib.PODMAN_LIMITS + [self.tag, "sleep", "600"])
        return name, cid[:12]

    def start(self):
        path = os.path.join(self.tmp, "policy.yaml")
        with open(path, "w") as f:
            f.write(POLICY)
        self.v = livelib.Vigil([self.vigil, "run", "--policy", path, "--stats", "-o", "log_level=debug",
                                "-o", "container.engines.podman.sockets=" + self.sock])
        if not self.v.wait_ready():
            raise Fail(livelib.start_failure(self.v))

    def await_probe(self, cid12, ns):
        """vigil has the container's metadata from podman's API and put its
        cgroups into the probe with namespace ns."""
        line = self.v.wait_err(lambda l: "container %s: metadata from" % cid12 in l or
                               "container %s: no runtime" % cid12 in l, META_TIMEOUT)
        if not line or "podman API" not in line:
            raise Fail("no metadata from podman's API for %s: %s\n%s" % (cid12, line, self.v.stderr_text()[-3000:]))
        line = self.v.wait_err(lambda l: "container %s: " % cid12 in l and "of pod namespace" in l, META_TIMEOUT)
        if not line or " 0 cgroup(s)" in line or "namespace %s in the probe" % ns not in line:
            raise Fail("container %s: its cgroups are not in the probe as namespace %s: %s" % (cid12, ns, line))
        print(line)

    def close(self):
        if self.v is not None and self.v.p.poll() is None:
            self.v.stop()
        for name in self.names:
            subprocess.run(livelib.PODMAN + ["rm", "-f", "-t", "0", name], capture_output=True, timeout=120)
        if self.svc is not None:
            self.svc.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def cat_in(name):
    return subprocess.run(livelib.PODMAN + ["exec", name, "/bin/cat", "/etc/passwd"], capture_output=True,
                          text=True, timeout=120)


def kill_events(lines):
    """The policy's Sigkill events for execve of /bin/cat."""
    out = []
    for l in lines:
        try:
            e = json.loads(l)
        except ValueError:
            continue
        k = e.get("process_kprobe")
        if (k and (k.get("args") or [{}])[0].get("string_arg") == "/bin/cat" and
                k.get("policy_name") == "block-cat-production"):
            out.append(e)
    return out


def wait_kills(v, n):
    """Wait for n kill events (the execs of `podman exec` are runc's init
    at sys_enter: the event cannot name the container yet, counting them
    tells which exec was acted on)."""
    r = v.wait_for(lambda lines: len(kill_events(lines)) >= n and kill_events(lines), EVENT_TIMEOUT)
    if not r:
        raise Fail("%d kill event(s) expected, got %d:\n%s" % (n, len(kill_events(v.out)), "\n".join(v.out[-20:])))
    for e in r:
        k = e["process_kprobe"]
        if k.get("action") != "KPROBE_ACTION_SIGKILL" or not e.get("vigil", {}).get("signal_sent"):
            raise Fail("event %r" % e)
    return r


def run(vigil):
    sc = Scene(vigil)
    try:
        sc.svc = livelib.PodmanService(sc.sock)
        prod, prod_id = sc.container("production")
        stag, stag_id = sc.container("staging")
        sc.start()
        sc.await_probe(prod_id, "production")
        sc.await_probe(stag_id, "staging")
        prod2, prod2_id = sc.container("production")
        sc.await_probe(prod2_id, "production")

        kills = 0
        for name, cid in ((prod, prod_id), (prod2, prod2_id)):
            p = cat_in(name)
            if p.returncode != 137 or "root:x" in p.stdout:
                raise Fail("production container %s: cat exited %d (expected 137, killed); stdout %r stderr %r"
                           % (cid, p.returncode, p.stdout, p.stderr))
            kills += 1
            wait_kills(sc.v, kills)
            print("PASS: cat in production container %s killed (137), its Sigkill event" % cid)

        p = cat_in(stag)
        if p.returncode != 0 or "root:x" not in p.stdout:
            raise Fail("staging container %s: cat exited %d; stdout %r stderr %r"
                       % (stag_id, p.returncode, p.stdout, p.stderr))
        print("PASS: cat in staging container %s ran (exit 0)" % stag_id)
        p = subprocess.run(["/bin/cat", "/etc/hostname"], capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise Fail("host cat exited %d" % p.returncode)
        print("PASS: cat on the host ran (exit 0)")
        rc = sc.v.stop()
        if rc != 0:
            raise Fail("vigil run exited with %s:\n%s" % (rc, sc.v.stderr_text()[-3000:]))
        # after the drain at exit: no event beyond the two production kills
        if len(kill_events(sc.v.out)) != kills:
            raise Fail("%d kill events, expected %d (staging or host acted on):\n%s"
                       % (len(kill_events(sc.v.out)), kills, "\n".join(sc.v.out[-20:])))
    finally:
        sc.close()


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    if os.geteuid() != 0:
        print("SKIP: needs root (BPF probe, podman)")
        return 77
    why = livelib.require_podman()
    if why:
        print("FAIL: " + why)
        return 1
    try:
        run(sys.argv[1])
    except (Fail, livelib.PodmanError) as e:
        print("FAIL: %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
