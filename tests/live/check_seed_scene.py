#!/usr/bin/env python3
"""check_seed_scene.py - issue 4's seed scene, live, with real podman
containers (runc, cgroupfs) and Falco's stable rules read in place.

The image: Debian's static busybox and its applets with an /etc/shadow,
imported from a tarball (livelib.busybox_image). Containers carry the labels
a kubelet sets, io.kubernetes.pod.name=nginx and
io.kubernetes.pod.namespace=production (staging for the other namespace);
`podman system service` serves the Docker-compatible API on a socket of the
test, given to vigil with -o container.engines.podman.sockets=, and vigil's
debug line "metadata from podman API" is awaited before anything happens.
Alerts are JSON; only those of this test's containers (output_fields
container.id) or of its own host command are looked at.

Every alert is checked twice: its output_fields carry container.id, name,
image repository and tag, k8s.ns.name and k8s.pod.name, and its text (the
`output` key) ends with Falco's suggested fields
`container_id=... container_name=... container_image_repository=...
container_image_tag=... k8s_pod_name=... k8s_ns_name=...`.

cases:
  shell_shadow
             `podman exec -t CTR sh -c 'cat /etc/shadow'` under a terminal:
             "Terminal shell in container" and "Read sensitive file
             untrusted", both with the container's metadata, pod nginx,
             namespace production.
  egress     tests/live/egress_production.yaml ("Egress to External Network
             from Production") next to the stable rules. Two network
             namespaces of the test joined by a veth pair: the containers'
             (203.0.113.1, 10.213.0.1, 172.20.213.1, 192.168.213.1) and a
             server's (the same .10, a TCP listener); no route leaves them.
             The production container connects to 10.213.0.10, 172.20.213.10
             and 192.168.213.10 (no alert), a staging container
             to 203.0.113.10 (no alert), then the production container to
             203.0.113.10 (the alert). Every connect is also printed by
             --print, so the ones without an alert are shown to have been
             seen, with their namespace and address.
  drop_exec  inside the running container, busybox is copied to
             /root/dropped/busybox (the container's upper layer), made
             executable and run: "Drop and execute new binary in container"
             (proc.is_exe_upper_layer); the image's own /bin/busybox, run
             before, raises nothing (every exec is printed with the field).
  host_noapi no runtime source at all for vigil (sockets and state
             directories of the test, empty): a container's `cat
             /etc/shadow` still has its 12-character id, with name, image and
             pod missing (null in JSON, <NA> in the text), and a host `cat
             /etc/shadow` has container.id=host, container.name=host.

usage: check_seed_scene.py VIGIL COMPAT_DIR CASE
exit: 0 pass, 1 fail, 77 skip (not root, or the upstream rules are missing)"""
import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import livelib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ALERT_TIMEOUT = 30
META_TIMEOUT = 60
SENSITIVE = "Read sensitive file untrusted"
TERMINAL = "Terminal shell in container"
EGRESS = "Egress to External Network from Production"
DROP = "Drop and execute new binary in container"
FILES = {
    "etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    "etc/group": "root:x:0:\nnogroup:x:65534:\n",
    "etc/shadow": "root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n",
}
# Falco's suggested output fields of the container plugin, in its order
SUGGESTED = ["container.id", "container.name", "container.image.repository", "container.image.tag",
             "k8s.pod.name", "k8s.ns.name"]
EXTERNAL, SERVER_NETS = "203.0.113.10", ("203.0.113.%d/24", "10.213.0.%d/24", "172.20.213.%d/24",
                                         "192.168.213.%d/24")
INTERNAL = ["10.213.0.10", "172.20.213.10", "192.168.213.10"]
PORT = 8080


class Fail(Exception):
    pass


def podman(args, **kw):
    try:
        return livelib.podman(args, **kw)
    except livelib.PodmanError as e:
        raise Fail(str(e))


def alerts(lines, rule, cid12=None, pred=None):
    """The JSON alerts of `rule` (of container cid12 when given, passing pred
    when given), parsed."""
    out = []
    for l in lines:
        if not l.startswith("{"):
            continue
        a = json.loads(l)
        f = a.get("output_fields", {})
        if a.get("rule") == rule and (cid12 is None or f.get("container.id") == cid12) and (pred is None or pred(a)):
            out.append(a)
    return out


def suffix(fields):
    """The text Falco appends to a rule's output for these field values."""
    def text(v):
        return "<NA>" if v is None else str(v)
    return " ".join("%s=%s" % (k.replace(".", "_"), text(fields.get(k))) for k in SUGGESTED)


def check_meta(what, a, expect, bad):
    """output_fields as `expect` says, and the text ending with the
    suggested fields rendered from `expect`."""
    f = a["output_fields"]
    for k, want in expect.items():
        if f.get(k, "absent") != want:
            bad.append("%s: %s=%r, expected %r" % (what, k, f.get(k, "absent"), want))
    tail = suffix(expect)
    if not a["output"].endswith(" " + tail):
        bad.append("%s: the text does not end with Falco's suggested fields\n    want ...%s\n    got  ...%s"
                   % (what, tail, a["output"][-len(tail) - 40:]))


class Scene:
    """What a case sets up: a temp dir, podman's API service, containers,
    network namespaces, vigil; all of it undone by close()."""

    def __init__(self, vigil, compat):
        self.vigil = vigil
        self.rules = os.path.join(compat, "falco", "falco_rules.yaml")
        self.tag = livelib.busybox_image("vigil-seed-scene", FILES)
        self.repo, self.imgtag = self.tag.rsplit(":", 1)
        self.tmp = tempfile.mkdtemp(prefix="vigil-seed-")
        self.sock = os.path.join(self.tmp, "podman.sock")
        self.svc = None
        self.v = None
        self.names = []
        self.netns = []
        self.procs = []

    def api(self):
        self.svc = livelib.PodmanService(self.sock)

    def container(self, ns="production", network="none"):
        """A running container (sleep) labelled as pod nginx of namespace ns;
        returns (name, 12-char id)."""
        name = "vigil-seed-%d-%d" % (os.getpid(), len(self.names))
        self.names.append(name)
        cid = podman(["run", "-d", "--name", name, "--network", network,
                      "--label", "io.kubernetes.pod.name=nginx", "--label", "io.kubernetes.pod.namespace=" + ns]
                     + livelib.PODMAN_LIMITS + [self.tag, "sleep", "600"])
        return name, cid[:12]

    def meta(self, name, cid12, ns="production"):
        """The field values every alert of the container must carry."""
        return {"container.id": cid12, "container.name": name, "container.image.repository": self.repo,
                "container.image.tag": self.imgtag, "k8s.pod.name": "nginx", "k8s.ns.name": ns}

    def start(self, extra):
        self.v = livelib.Vigil([self.vigil, "run", "-r", self.rules, "--json", "--stats",
                                "-o", "log_level=debug"] + extra)
        if not self.v.wait_ready():
            raise Fail(livelib.start_failure(self.v))

    def await_api_meta(self, cid12):
        """Wait until vigil has the container's metadata from podman's API
        (the pod labels are only there)."""
        line = self.v.wait_err(lambda l: "container %s: metadata from" % cid12 in l or
                               "container %s: no runtime" % cid12 in l, META_TIMEOUT)
        if not line or "podman API" not in line:
            raise Fail("no metadata from podman's API for %s: %s\n%s" % (cid12, line, self.v.stderr_text()[-3000:]))
        print(line)

    def stop(self):
        rc = self.v.stop()
        if rc != 0:
            raise Fail("vigil run exited with %s:\n%s" % (rc, self.v.stderr_text()[-3000:]))
        stats = livelib.probe_stats(self.v.err) or {}
        print("probe: %s" % stats)

    def close(self):
        if self.v is not None and self.v.p.poll() is None:
            self.v.stop()
        for name in self.names:
            subprocess.run(livelib.PODMAN + ["rm", "-f", "-t", "0", name], capture_output=True, timeout=120)
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for ns in self.netns:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        if self.svc is not None:
            self.svc.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


# ---------------------------------------------------------------- cases

def case_shell_shadow(sc):
    sc.api()
    name, cid12 = sc.container()
    sc.start(["-o", "container.engines.podman.sockets=" + sc.sock])
    sc.await_api_meta(cid12)
    rc, out = livelib.run_in_pty(livelib.PODMAN + ["exec", "-t", name, "sh", "-c", "cat /etc/shadow"])
    if rc != 0 or "root:*:19000" not in out:
        raise Fail("podman exec -t ... cat /etc/shadow: status %d, printed %r" % (rc, out[:300]))
    got = sc.v.wait_for(lambda lines: alerts(lines, TERMINAL, cid12) and alerts(lines, SENSITIVE, cid12),
                        ALERT_TIMEOUT)
    sc.stop()
    if not got:
        raise Fail("not both alerts from the container: %s %s; stderr:\n%s" % (
            [a["output"] for a in alerts(sc.v.out, TERMINAL, cid12)],
            [a["output"] for a in alerts(sc.v.out, SENSITIVE, cid12)], sc.v.stderr_text()[-3000:]))
    bad = []
    meta = sc.meta(name, cid12)
    term, sens = alerts(sc.v.out, TERMINAL, cid12)[0], alerts(sc.v.out, SENSITIVE, cid12)[0]
    check_meta(TERMINAL, term, meta, bad)
    check_meta(SENSITIVE, sens, meta, bad)
    tf, sf = term["output_fields"], sens["output_fields"]
    if tf.get("proc.name") != "sh" or not tf.get("proc.tty"):
        bad.append("%s: proc.name=%r proc.tty=%r, expected sh on a terminal" % (TERMINAL, tf.get("proc.name"),
                                                                               tf.get("proc.tty")))
    if sf.get("fd.name") != "/etc/shadow" or not sf.get("proc.tty"):
        bad.append("%s: fd.name=%r proc.tty=%r" % (SENSITIVE, sf.get("fd.name"), sf.get("proc.tty")))
    for a in (term, sens):
        print(a["output"])
    return bad


def veth_scene(sc):
    """The containers' netns and the server's, a veth pair between them, a
    listener on the server side; returns the containers' netns path."""
    tag = "vs%d" % (os.getpid() % 100000)
    cns, sns = "vigil-%s-ctr" % tag, "vigil-%s-srv" % tag
    for ns in (cns, sns):
        subprocess.run(["ip", "netns", "add", ns], check=True)
        sc.netns.append(ns)
    cmds = [["ip", "link", "add", tag + "c", "netns", cns, "type", "veth", "peer", "name", tag + "s", "netns", sns]]
    for ns, dev, host in ((cns, tag + "c", 1), (sns, tag + "s", 10)):
        cmds += [["ip", "-n", ns, "addr", "add", net % host, "dev", dev] for net in SERVER_NETS]
        cmds += [["ip", "-n", ns, "link", "set", dev, "up"], ["ip", "-n", ns, "link", "set", "lo", "up"]]
    for c in cmds:
        p = subprocess.run(c, capture_output=True, text=True)
        if p.returncode != 0:
            raise Fail("%s: %s" % (" ".join(c), p.stderr.strip()))
    server = ("import socket, sys\n"
              "s = socket.socket()\n"
              "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
              "s.bind(('0.0.0.0', %d))\n"
              "s.listen(16)\n"
              "print('listening', flush=True)\n"
              "while True:\n"
              "    c, peer = s.accept()\n"
              "    print('accepted %%s %%s' %% (c.getsockname()[0], peer[0]), flush=True)\n"
              "    c.close()\n" % PORT)
    lis = subprocess.Popen(["ip", "netns", "exec", sns, sys.executable, "-c", server], stdout=subprocess.PIPE,
                           text=True)
    sc.procs.append(lis)
    said = queue.Queue()        # the listener's lines, read by a thread

    def read():
        for line in lis.stdout:
            said.put(line.split())
        said.put(["exited"])
    threading.Thread(target=read, daemon=True).start()
    if next_line(said) != ["listening"]:
        raise Fail("the listener in %s did not start" % sns)
    said.netns = (cns, sns)
    return "/run/netns/" + cns, said


def next_line(said, timeout=60):
    try:
        return said.get(timeout=timeout)
    except queue.Empty:
        return ["nothing within %d s" % timeout]


def connect(name, addr, said):
    """From the container, connect to addr:PORT (busybox nc) and wait for the
    listener to report the connection."""
    for attempt in (1, 2):
        try:
            podman(["exec", name, "nc", "-w", "5", addr, str(PORT)], input="", timeout=60)
            break
        except Fail as e:
            # what the two namespaces look like, then once more
            diag = [subprocess.run(c, capture_output=True, text=True).stdout for c in
                    (["ip", "-n", said.netns[0], "-br", "addr"], ["ip", "-n", said.netns[1], "-br", "addr"],
                     ["ip", "netns", "exec", said.netns[1], "ss", "-ltn"])]
            print("connect to %s, attempt %d: %s\n%s" % (addr, attempt, e, "".join(diag)))
            if attempt == 2:
                raise
            time.sleep(1)
    line = next_line(said)
    if line[:2] != ["accepted", addr]:
        raise Fail("the listener did not accept the connection to %s: %r" % (addr, line))


def case_egress(sc):
    sc.api()
    netns, lis = veth_scene(sc)
    prod, prod12 = sc.container("production", "ns:" + netns)
    stag, stag12 = sc.container("staging", "ns:" + netns)
    witness = "*connect-seen %container.id %k8s.ns.name %fd.sip %evt.rawres"
    sc.start(["-r", os.path.join(HERE, "egress_production.yaml"),
              "-o", "container.engines.podman.sockets=" + sc.sock,
              "--print", witness, "--filter", "evt.type=connect and container.id in (%s, %s)" % (prod12, stag12)])
    sc.await_api_meta(prod12)
    sc.await_api_meta(stag12)
    for addr in INTERNAL:
        connect(prod, addr, lis)
    connect(stag, EXTERNAL, lis)
    connect(prod, EXTERNAL, lis)

    def external(a):
        return a["output_fields"].get("fd.sip") == EXTERNAL
    got = sc.v.wait_for(lambda lines: alerts(lines, EGRESS, prod12, external), ALERT_TIMEOUT)
    sc.stop()
    bad = []
    if not got:
        raise Fail("no egress alert for the production container's connect to %s; stderr:\n%s"
                   % (EXTERNAL, sc.v.stderr_text()[-3000:]))
    a = got[0]
    check_meta(EGRESS, a, sc.meta(prod, prod12), bad)
    if a["output_fields"].get("fd.sport") != PORT:
        bad.append("egress alert: fd.sport=%r" % a["output_fields"].get("fd.sport"))
    print(a["output"])
    # the connects without an alert were seen, with their namespace
    seen = [l.split() for l in sc.v.out if l.startswith("connect-seen ")]
    for cid12, ns, addr in [(prod12, "production", x) for x in INTERNAL] + [(stag12, "staging", EXTERNAL)]:
        if not any(s[1:4] == [cid12, ns, addr] and s[4] == "0" for s in seen):
            bad.append("vigil did not report the connect of %s (%s) to %s: %s" % (cid12, ns, addr, seen))
        else:
            print("seen without an alert: %s %s -> %s" % (cid12, ns, addr))
    wrong = [x["output"] for x in alerts(sc.v.out, EGRESS, stag12)] + \
        [x["output"] for x in alerts(sc.v.out, EGRESS, prod12, lambda x: not external(x))]
    if wrong:
        bad.append("egress alerts for an internal address or another namespace: %s" % wrong)
    return bad


def case_drop_exec(sc):
    sc.api()
    name, cid12 = sc.container()
    witness = "*exec-seen %container.id %proc.exepath %proc.is_exe_upper_layer"
    sc.start(["-o", "container.engines.podman.sockets=" + sc.sock,
              "--print", witness, "--filter", "evt.type in (execve, execveat) and container.id=" + cid12])
    sc.await_api_meta(cid12)
    podman(["exec", name, "/bin/busybox", "true"])          # the image's own binary
    dropped = "/root/dropped/busybox"
    podman(["exec", name, "sh", "-c", "mkdir -p /root/dropped && cat /bin/busybox > %s && chmod 755 %s && %s true"
            % (dropped, dropped, dropped)])

    def of(path):
        return lambda a: a["output_fields"].get("proc.exepath") == path
    got = sc.v.wait_for(lambda lines: alerts(lines, DROP, cid12, of(dropped)), ALERT_TIMEOUT)
    sc.stop()
    if not got:
        raise Fail("no drop-and-execute alert for %s; stderr:\n%s" % (dropped, sc.v.stderr_text()[-3000:]))
    bad = []
    a = got[0]
    check_meta(DROP, a, sc.meta(name, cid12), bad)
    f = a["output_fields"]
    if "EXE_UPPER_LAYER" not in str(f.get("evt.arg.flags")) or f.get("proc.exe") != dropped:
        bad.append("drop alert: evt.arg.flags=%r proc.exe=%r" % (f.get("evt.arg.flags"), f.get("proc.exe")))
    print(a["output"])
    seen = [l.split() for l in sc.v.out if l.startswith("exec-seen %s " % cid12)]
    image_execs = [s for s in seen if s[2] == "/bin/busybox"]
    if not image_execs or any(s[3] != "false" for s in image_execs):
        bad.append("execs of the image's /bin/busybox: %s (expected seen, is_exe_upper_layer=false)" % image_execs)
    if not any(s[2] == dropped and s[3] == "true" for s in seen):
        bad.append("the exec of %s is not shown with is_exe_upper_layer=true: %s" % (dropped, seen))
    print("execs in the container: %s" % sorted(set("%s=%s" % (s[2], s[3]) for s in seen)))
    others = alerts(sc.v.out, DROP, cid12, lambda x: not of(dropped)(x))
    if others:
        bad.append("drop alerts for binaries of the image: %s" % [x["output"] for x in others])
    return bad


def case_host_noapi(sc):
    name, cid12 = sc.container()
    empty = os.path.join(sc.tmp, "empty")
    os.mkdir(empty)
    nowhere = os.path.join(sc.tmp, "no-such.sock")
    sc.start(["-o", "container.engines.podman.sockets=" + nowhere, "-o", "container.engines.podman.state_dirs=" + empty,
              "-o", "container.engines.docker.sockets=" + nowhere, "-o", "container.engines.cri.state_dirs=" + empty,
              "-o", "container.engines.containerd.state_dirs=" + empty])
    line = sc.v.wait_err(lambda l: "container %s: " % cid12 in l and ("no runtime" in l or "metadata from" in l),
                         META_TIMEOUT)
    print(line)
    if not line or "no runtime knows it" not in line:
        raise Fail("vigil did not report the lookup of %s failed: %s" % (cid12, line))
    podman(["exec", name, "cat", "/etc/shadow"])
    nonce = "/vigil-seed-%d-%s" % (os.getpid(), socket.gethostname())
    subprocess.run(["cat", "/etc/shadow", nonce], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def host_cat(a):
        return nonce in str(a["output_fields"].get("proc.cmdline"))
    got = sc.v.wait_for(lambda lines: alerts(lines, SENSITIVE, cid12) and alerts(lines, SENSITIVE, None, host_cat),
                        ALERT_TIMEOUT)
    sc.stop()
    if not got:
        raise Fail("not both alerts (container %s, host cat): %s %s" % (
            cid12, [a["output"] for a in alerts(sc.v.out, SENSITIVE, cid12)],
            [a["output"] for a in alerts(sc.v.out, SENSITIVE, None, host_cat)]))
    bad = []
    ctr = alerts(sc.v.out, SENSITIVE, cid12)[0]
    check_meta("container without metadata", ctr, {"container.id": cid12, "container.name": None,
                                                   "container.image.repository": None,
                                                   "container.image.tag": None, "k8s.pod.name": None,
                                                   "k8s.ns.name": None}, bad)
    host = alerts(sc.v.out, SENSITIVE, None, host_cat)[0]
    hf = host["output_fields"]
    if hf.get("container.id") != "host" or hf.get("container.name") != "host":
        bad.append("host alert: container.id=%r container.name=%r" % (hf.get("container.id"), hf.get("container.name")))
    check_meta("host", host, {k: hf.get(k) for k in SUGGESTED}, bad)
    for a in (ctr, host):
        print(a["output"])
    return bad


CASES = {"shell_shadow": case_shell_shadow, "egress": case_egress, "drop_exec": case_drop_exec,
         "host_noapi": case_host_noapi}


def main():
    vigil, compat, case = sys.argv[1:4]
    livelib.require_root()
    if not os.path.exists(os.path.join(compat, "falco", "falco_rules.yaml")):
        print("SKIP: upstream rules not found under %s" % compat)
        return livelib.SKIP
    missing = livelib.require_podman()
    if missing:
        print("FAIL: " + missing)
        return 1
    sc = None
    try:
        sc = Scene(vigil, compat)
        bad = CASES[case](sc)
        if bad:
            raise Fail("\n  ".join(bad))
        print("PASS")
        return 0
    except (Fail, livelib.PodmanError) as e:
        print("FAIL %s: %s" % (case, e))
        return 1
    finally:
        if sc is not None:
            sc.close()


if __name__ == "__main__":
    sys.exit(main())
