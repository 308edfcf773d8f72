#!/usr/bin/env python3
"""check_policy_live.py - TracingPolicy enforcement on this kernel, for real.

Starts `vigil run --policy P` (no rules), waits for its ready line, performs
one real action and checks both its effect (exit status, what a local HTTP
server saw, what a file holds) and the Tetragon event vigil wrote for it
(process, function_name, args, action, policy_name), matched by the pid or
the argument of this action: the host is shared, other events are ignored.

Cases:
  seed_host        block-curl (sys_execve arg 0 Equal /usr/bin/curl, Sigkill):
                   curl on the host dies of SIGKILL (status 137) before it
                   prints anything or reaches the server; the event says so
  seed_container   the same inside a podman container (runc, cgroupfs, an
                   image imported from a tarball holding curl and its
                   libraries): the container exits 137, the server sees no
                   request, the event names the container
  monitor          block-curl with --policy-mode monitor: curl runs and
                   reaches the server; the event reports SIGKILL not sent
  match_binaries   matchBinaries In /usr/bin/bash + Postfix "/true" on
                   sys_execve: bash's child is killed, dash's is not
  match_pids       matchPIDs In <pid> followForks on sys_uname, Post: the
                   children of that process are reported, others are not
  fd_prefix        sys_write with an fd argument Prefix <dir>: a write to a
                   file under <dir> kills the writer (the path is resolved in
                   the kernel from the fd), a write elsewhere does not

  connect_deny     sys_connect sockaddr Family AF_INET + DPort <test port> +
                   NotDAddr 127.0.0.0/8, 10.199.1.0/24, Override argError
                   -EACCES then -EPERM: connect() to 10.199.2.2 (a netns over
                   a veth pair) fails with that errno, 127.0.0.1 and
                   10.199.1.2 connect (cgroup/connect4, detached on exit);
                   IPv6 passes the address check; a sockaddr sys_enter
                   cannot read is denied (EPERM, fail closed)
  net_deny_points  Override on sys_bind (SPort), sys_sendto (DAddr+DPort) and
                   sys_socket (protocol 136): EADDRINUSE, EACCES and
                   EPROTONOSUPPORT through cgroup/bind4, sendmsg4, sock_create
  open_exec_deny   sys_openat Equal <file> and sys_execve Equal <binary>,
                   Override: EPERM for them (fanotify), other files and
                   binaries run; --stats counts the denials
  fanotify_dies    vigil stopped: an open of a marked file waits; vigil
                   killed: the open is allowed, nothing hangs
  live_add_delete  vigil run --policy-socket: vigil policy add block-curl
                   kills curl, a second policy joins, duplicates / bad files /
                   unknown names are refused, delete lets curl run again
  compat_tcp_connect  upstream tcp-connect-only-private-addrs.yaml (kprobe
                   tcp_connect translated to connect(2)): verbatim in monitor
                   mode, narrowed to the test's port in enforce mode

usage: check_policy_live.py VIGIL CASE [COMPAT_DIR]
exit: 0 pass, 1 fail, 77 skip (not root)"""
import hashlib
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import livelib  # noqa: E402

EVENT_TIMEOUT = 15
PODMAN = ["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs"]
PODMAN_RUN = PODMAN + ["run", "--rm", "--network", "host", "--ulimit", "nofile=1024:1024",
                       "--ulimit", "nproc=1024:1024"]


class Fail(Exception):
    pass


HDR = """apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: "%s"
spec:
"""

BLOCK_CURL = HDR % "block-curl" + """  kprobes:
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
        - "/usr/bin/curl"
      matchActions:
      - action: Sigkill
"""


class Server:
    """An HTTP server on 127.0.0.1 that counts the requests it gets."""

    def __init__(self):
        outer = self
        self.requests = []

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append(self.path)
                body = b"vigil-policy-test-body\n"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        self.t = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.t.start()

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def events(lines):
    out = []
    for l in lines:
        try:
            out.append(json.loads(l))
        except ValueError:
            pass
    return out


def kprobe_events(lines, pred):
    r = []
    for e in events(lines):
        k = e.get("process_kprobe")
        if k and pred(k):
            r.append(e)
    return r


def start_vigil(vigil, policy_text, tmp, extra=()):
    path = os.path.join(tmp, "policy.yaml")
    with open(path, "w") as f:
        f.write(policy_text)
    v = livelib.Vigil([vigil, "run", "--policy", path, "--stats"] + list(extra))
    if not v.wait_ready():
        raise Fail(livelib.start_failure(v))
    return v


def wait_event(v, pred, what):
    r = v.wait_for(lambda lines: kprobe_events(lines, pred), EVENT_TIMEOUT)
    if not r:
        raise Fail("no event for %s within %ds; vigil stdout:\n%s\nstderr:\n%s" %
                   (what, EVENT_TIMEOUT, "\n".join(v.out[-20:]), v.stderr_text()))
    return r[0]


def arg0(k):
    a = k.get("args") or [{}]
    return a[0].get("string_arg")


def check_kill_event(ev, policy, binary_arg):
    k = ev["process_kprobe"]
    if k.get("function_name") != "__x64_sys_execve":
        raise Fail("function_name %r" % k.get("function_name"))
    if arg0(k) != binary_arg:
        raise Fail("args[0] %r" % k.get("args"))
    if k.get("action") != "KPROBE_ACTION_SIGKILL":
        raise Fail("action %r, expected KPROBE_ACTION_SIGKILL" % k.get("action"))
    if k.get("policy_name") != policy:
        raise Fail("policy_name %r" % k.get("policy_name"))
    if not ev.get("vigil", {}).get("signal_sent"):
        raise Fail("the event does not say the signal was sent: %r" % ev.get("vigil"))
    p = k.get("process", {})
    for key in ("exec_id", "pid", "binary", "tid"):
        if key not in p:
            raise Fail("process has no %s: %r" % (key, p))
    if "parent" not in k:
        raise Fail("no parent in the event")


def run_sh(script, timeout=30):
    """Run `script` with dash; it prints `status=N` for the command it runs."""
    p = subprocess.run(["/bin/sh", "-c", script], capture_output=True, text=True, timeout=timeout)
    return p


def status_of(out):
    for tok in out.split():
        if tok.startswith("status="):
            return int(tok[len("status="):])
    return None


# ------------------------------------------------------------------ cases

def case_seed_host(vigil, tmp):
    srv = Server()
    v = start_vigil(vigil, BLOCK_CURL, tmp)
    try:
        p = run_sh("/usr/bin/curl -s %s; echo status=$?" % srv.url("/host"))
        st = status_of(p.stdout)
        if st != 137:
            raise Fail("curl exited with %r, expected 137 (SIGKILL); stdout %r stderr %r" % (st, p.stdout, p.stderr))
        if "vigil-policy-test-body" in p.stdout:
            raise Fail("curl printed the server's answer before it died")
        ev = wait_event(v, lambda k: arg0(k) == "/usr/bin/curl", "curl on the host")
        check_kill_event(ev, "block-curl", "/usr/bin/curl")
        time.sleep(0.5)
        if srv.requests:
            raise Fail("the server saw requests: %r" % srv.requests)
    finally:
        v.stop()
        srv.close()
    print("PASS: curl killed (137) before any output or request; event %s" %
          json.dumps(ev["process_kprobe"]["args"]))


def curl_image():
    """An image with /usr/bin/curl and the libraries it loads (ldd), from a
    tarball; tagged by the hash of the curl binary."""
    if not shutil.which("podman") or not shutil.which("runc"):
        raise Fail("podman and runc are needed for the container case (make deps installs them)")
    with open("/usr/bin/curl", "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    tag = "localhost/vigil-policy-curl:" + digest
    if subprocess.run(PODMAN + ["image", "exists", tag]).returncode == 0:
        return tag
    files = {"/usr/bin/curl"}
    out = subprocess.run(["ldd", "/usr/bin/curl"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        for tok in parts:
            if tok.startswith("/"):
                files.add(tok)
    with tempfile.TemporaryDirectory(prefix="vigil-policy-img-") as d:
        tar = os.path.join(d, "rootfs.tar")
        with tarfile.open(tar, "w") as t:
            for name in ("tmp", "etc", "proc", "sys", "dev", "usr", "usr/bin", "lib", "lib64"):
                di = tarfile.TarInfo(name)
                di.type = tarfile.DIRTYPE
                di.mode = 0o1777 if name == "tmp" else 0o755
                t.addfile(di)
            for f in sorted(files):
                real = os.path.realpath(f)
                t.add(real, arcname=f.lstrip("/"))
        p = subprocess.run(PODMAN + ["import", tar, tag], capture_output=True, text=True)
        if p.returncode != 0:
            raise Fail("podman import failed: %s%s" % (p.stdout, p.stderr))
    return tag


def case_seed_container(vigil, tmp):
    image = curl_image()
    srv = Server()
    v = start_vigil(vigil, BLOCK_CURL, tmp)
    cidfile = os.path.join(tmp, "cid")
    try:
        p = subprocess.run(PODMAN_RUN + ["--cidfile", cidfile, image, "/usr/bin/curl", "-s", srv.url("/container")],
                           capture_output=True, text=True, timeout=120)
        if p.returncode != 137:
            raise Fail("the container exited with %d, expected 137 (curl killed); stdout %r stderr %r" %
                       (p.returncode, p.stdout, p.stderr))
        if "vigil-policy-test-body" in p.stdout:
            raise Fail("curl printed the server's answer before it died")
        with open(cidfile) as f:
            cid = f.read().strip()
        ev = wait_event(v, lambda k: arg0(k) == "/usr/bin/curl" and
                        (k.get("process", {}).get("docker") or "").startswith(cid[:12]),
                        "curl in container %s" % cid[:12])
        check_kill_event(ev, "block-curl", "/usr/bin/curl")
        proc = ev["process_kprobe"]["process"]
        if proc.get("docker") != cid[:31]:
            raise Fail("process.docker %r, expected %r" % (proc.get("docker"), cid[:31]))
        cont = proc.get("pod", {}).get("container", {})
        if cont.get("id") != cid:
            raise Fail("process.pod.container.id %r, expected %r" % (cont.get("id"), cid))
        if proc.get("pid") == 1:
            raise Fail("process.pid is 1: it must be the host pid")
        time.sleep(0.5)
        if srv.requests:
            raise Fail("the server saw requests: %r" % srv.requests)
    finally:
        v.stop()
        srv.close()
    print("PASS: curl in container %s killed (137), no request; event names the container" % cid[:12])


def case_monitor(vigil, tmp):
    srv = Server()
    v = start_vigil(vigil, BLOCK_CURL, tmp, ["--policy-mode", "monitor"])
    try:
        p = run_sh("/usr/bin/curl -s %s; echo status=$?" % srv.url("/monitor"))
        st = status_of(p.stdout)
        if st != 0 or "vigil-policy-test-body" not in p.stdout:
            raise Fail("in monitor mode curl must run: status %r stdout %r" % (st, p.stdout))
        ev = wait_event(v, lambda k: arg0(k) == "/usr/bin/curl", "curl in monitor mode")
        k = ev["process_kprobe"]
        if k.get("action") != "KPROBE_ACTION_SIGKILL":
            raise Fail("action %r: the event reports the policy's action" % k.get("action"))
        vg = ev.get("vigil", {})
        if vg.get("signal_sent") is not False or "monitor" not in vg.get("not_sent_because", ""):
            raise Fail("the event must say the signal was not sent (monitor): %r" % vg)
        if srv.requests != ["/monitor"]:
            raise Fail("the server saw %r" % srv.requests)
    finally:
        v.stop()
        srv.close()
    print("PASS: monitor mode: curl ran, the event reports SIGKILL not sent")


BASH_NO_TRUE = HDR % "bash-no-true" + """  kprobes:
  - call: "sys_execve"
    args:
    - index: 0
      type: "string"
    selectors:
    - matchBinaries:
      - operator: "In"
        values:
        - "/usr/bin/bash"
      matchArgs:
      - index: 0
        operator: "Postfix"
        values:
        - "/true"
      matchActions:
      - action: Sigkill
"""


def case_match_binaries(vigil, tmp):
    if not os.path.exists("/usr/bin/bash") or not os.path.exists("/usr/bin/dash"):
        raise Fail("bash and dash are needed")
    pol = BASH_NO_TRUE
    v = start_vigil(vigil, pol, tmp)
    try:
        # bash forks a child (binary /usr/bin/bash, inherited) that execs true
        pb = subprocess.run(["/usr/bin/bash", "-c", "/usr/bin/true; echo status=$?"], capture_output=True, text=True)
        pd = subprocess.run(["/usr/bin/dash", "-c", "/usr/bin/true; echo status=$?"], capture_output=True, text=True)
        if status_of(pb.stdout) != 137:
            raise Fail("bash's /usr/bin/true exited %r, expected 137" % status_of(pb.stdout))
        if status_of(pd.stdout) != 0:
            raise Fail("dash's /usr/bin/true exited %r, expected 0 (not matched)" % status_of(pd.stdout))
        ev = wait_event(v, lambda k: arg0(k) == "/usr/bin/true", "bash's exec of true")
        check_kill_event(ev, "bash-no-true", "/usr/bin/true")
        if ev["process_kprobe"]["process"].get("binary") != "/usr/bin/bash":
            raise Fail("process.binary %r" % ev["process_kprobe"]["process"].get("binary"))
        time.sleep(1)
        dash_evs = kprobe_events(v.out, lambda k: arg0(k) == "/usr/bin/true" and
                                 k.get("process", {}).get("binary") == "/usr/bin/dash")
        if dash_evs:
            raise Fail("an event for dash: %r" % dash_evs)
    finally:
        v.stop()
    print("PASS: matchBinaries: bash's child killed (137), dash's ran (0)")


def case_match_pids(vigil, tmp):
    # a parent whose descendants make uname(2) calls after vigil is ready
    gate = os.path.join(tmp, "go")
    parent = subprocess.Popen(["/bin/sh", "-c", "while [ ! -e %s ]; do sleep 0.1; done; /usr/bin/uname -a >/dev/null; "
                               "/usr/bin/uname -r >/dev/null" % gate])
    pol = HDR % "uname-of-%d" % parent.pid + """  kprobes:
  - call: "sys_newuname"
    args:
    - index: 0
      type: "uint64"
    selectors:
    - matchPIDs:
      - operator: In
        followForks: true
        values:
        - %d
""" % parent.pid
    v = None
    try:
        v = start_vigil(vigil, pol, tmp)
        other = subprocess.run(["/usr/bin/uname", "-a"], capture_output=True)
        del other
        open(gate, "w").close()
        parent.wait(30)
        r = v.wait_for(lambda lines: len(kprobe_events(lines, lambda k: k.get("function_name") == "__x64_sys_newuname"))
                       >= 2 or None, EVENT_TIMEOUT)
        evs = kprobe_events(v.out, lambda k: k.get("function_name") == "__x64_sys_newuname")
        if not r or len(evs) < 2:
            raise Fail("expected 2 uname events from the children of %d, got %d:\n%s\nstderr:\n%s" %
                       (parent.pid, len(evs), "\n".join(v.out[-10:]), v.stderr_text()))
        for e in evs:
            k = e["process_kprobe"]
            ppid = k.get("parent", {}).get("pid")
            if ppid != parent.pid:
                raise Fail("event of a process whose parent is %r, not %d: %r" % (ppid, parent.pid, k.get("process")))
            if k.get("action") != "KPROBE_ACTION_POST":
                raise Fail("action %r" % k.get("action"))
    finally:
        if v:
            v.stop()
        if parent.poll() is None:
            parent.kill()
            parent.wait()
    print("PASS: matchPIDs followForks: %d events, all from children of %d" % (len(evs), parent.pid))


def case_fd_prefix(vigil, tmp):
    guarded = tempfile.mkdtemp(prefix="vigil-pol-guarded-")
    free = tempfile.mkdtemp(prefix="vigil-pol-free-")
    pol = HDR % "no-writes-under-dir" + """  kprobes:
  - call: "sys_write"
    args:
    - index: 0
      type: "fd"
    - index: 2
      type: "size_t"
    selectors:
    - matchArgs:
      - index: 0
        operator: "Prefix"
        values:
        - "%s/"
      matchActions:
      - action: Sigkill
""" % guarded
    v = start_vigil(vigil, pol, tmp)
    try:
        code = "import os,sys; fd=os.open(sys.argv[1], os.O_WRONLY|os.O_CREAT, 0o600); os.write(fd, b'x'*7); print('wrote')"
        pg = subprocess.run([sys.executable, "-c", code, os.path.join(guarded, "f")], capture_output=True, text=True)
        pf = subprocess.run([sys.executable, "-c", code, os.path.join(free, "f")], capture_output=True, text=True)
        if pg.returncode != -signal.SIGKILL:
            raise Fail("the write under %s: exit %d, expected SIGKILL" % (guarded, pg.returncode))
        if pf.returncode != 0:
            raise Fail("the write under %s: exit %d, expected 0" % (free, pf.returncode))
        ev = v.wait_for(lambda lines: [e for e in events(lines) if "process_kprobe" in e and
                                       ((e["process_kprobe"].get("args") or [{}])[0].get("file_arg") or {})
                                       .get("path") == os.path.join(guarded, "f")], EVENT_TIMEOUT)
        if not ev:
            raise Fail("no event with file_arg.path %s; stdout:\n%s" % (os.path.join(guarded, "f"), "\n".join(v.out[-10:])))
        k = ev[0]["process_kprobe"]
        if k.get("function_name") != "__x64_sys_write" or k.get("action") != "KPROBE_ACTION_SIGKILL":
            raise Fail("event %r" % k)
        if k["args"][1].get("size_arg") != "7":
            raise Fail("args[1] %r, expected size_arg \"7\"" % k["args"][1])
        # Tetragon's semantics: the signal lands on return to user space, the
        # write itself completes
        with open(os.path.join(guarded, "f")) as f:
            data = f.read()
    finally:
        v.stop()
        shutil.rmtree(guarded, ignore_errors=True)
        shutil.rmtree(free, ignore_errors=True)
    print("PASS: write under the guarded dir killed the writer (the write itself completed: %d bytes, "
          "as with Tetragon's Sigkill); elsewhere it ran" % len(data))


# ------------------------------------------------------- Override deny points

def cgroup2_root():
    with open("/proc/self/mounts") as f:
        for line in f:
            parts = line.split()
            if parts[2] == "cgroup2":
                return parts[1]
    raise Fail("no cgroup v2 mount")


def vigil_cgroup_progs():
    p = subprocess.run(["bpftool", "cgroup", "show", cgroup2_root()], capture_output=True, text=True)
    return [l for l in p.stdout.splitlines() if "vg_pol_" in l]


class NetNs:
    """A network namespace with a veth pair: the host side holds
    10.199.1.1/24, 10.199.2.1/24 and 198.51.100.1/24 (TEST-NET-2, not a
    private range); the namespace side the .2 of each, where a TCP server on
    `port` accepts and counts connections per address."""

    def __init__(self, port):
        self.name = "vgpol%d" % os.getpid()
        self.host_if, self.ns_if = "vgp%da" % (os.getpid() % 100000), "vgp%db" % (os.getpid() % 100000)
        self.server = None
        run = lambda *a: subprocess.run(list(a), check=True, capture_output=True)
        run("ip", "netns", "add", self.name)
        try:
            run("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
            run("ip", "link", "set", self.ns_if, "netns", self.name)
            for net in ("10.199.1", "10.199.2", "198.51.100"):
                run("ip", "addr", "add", net + ".1/24", "dev", self.host_if)
                run("ip", "netns", "exec", self.name, "ip", "addr", "add", net + ".2/24", "dev", self.ns_if)
            run("ip", "link", "set", self.host_if, "up")
            run("ip", "netns", "exec", self.name, "ip", "link", "set", self.ns_if, "up")
            run("ip", "netns", "exec", self.name, "ip", "link", "set", "lo", "up")
            code = ("import socket,sys,threading\n"
                    "def serve(a):\n"
                    "    s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
                    "    s.bind((a,int(sys.argv[1]))); s.listen(16)\n"
                    "    while True:\n"
                    "        c,_=s.accept(); print('accept',a,flush=True); c.close()\n"
                    "for a in ('10.199.1.2','10.199.2.2','198.51.100.2'):\n"
                    "    threading.Thread(target=serve,args=(a,),daemon=True).start()\n"
                    "print('ready',flush=True); sys.stdin.read()\n")
            self.server = subprocess.Popen(["ip", "netns", "exec", self.name, sys.executable, "-c", code, str(port)],
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            if self.server.stdout.readline().strip() != "ready":
                raise Fail("the namespace's server did not start")
            self.accepts = []
            threading.Thread(target=self._read, daemon=True).start()
        except BaseException:
            self.close()
            raise

    def _read(self):
        for line in self.server.stdout:
            self.accepts.append(line.split()[1])

    def close(self):
        if self.server:
            self.server.stdin.close()
            self.server.kill()
            self.server.wait()
        subprocess.run(["ip", "link", "del", self.host_if], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)


UNTOUCHED_CONNECT = r'''
import ctypes, mmap, os, socket, struct, sys, tempfile
# the sockaddr lives in a file mapping no one has touched yet: the kernel's
# copy faults it in, a BPF read at sys_enter cannot (no page-table entry)
port = int(sys.argv[2])
with tempfile.NamedTemporaryFile() as f:
    sa = struct.pack("=H", socket.AF_INET) + struct.pack("!H", port) + socket.inet_aton(sys.argv[1])
    f.write(sa + b"\0" * (4096 - len(sa)))
    f.flush()
    m = mmap.mmap(f.fileno(), 4096, mmap.MAP_PRIVATE, mmap.PROT_READ | mmap.PROT_WRITE)
    addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
    libc = ctypes.CDLL(None, use_errno=True)
    s = socket.socket()
    print(0 if libc.connect(s.fileno(), ctypes.c_void_p(addr), 16) == 0 else ctypes.get_errno())
'''


def untouched_connect_errno(addr, port):
    p = subprocess.run([sys.executable, "-c", UNTOUCHED_CONNECT, addr, str(port)], capture_output=True, text=True,
                       timeout=30)
    return int(p.stdout.strip() or -1)


def connect_errno(addr, port):
    """0 when a TCP connect to addr:port succeeds, else its errno."""
    code = ("import socket,sys\ns=socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET)\n"
            "s.settimeout(5)\n"
            "try:\n    s.connect((sys.argv[1], int(sys.argv[2]))); print(0)\n"
            "except OSError as e:\n    print(e.errno)\n")
    p = subprocess.run([sys.executable, "-c", code, addr, str(port)], capture_output=True, text=True, timeout=30)
    return int(p.stdout.strip() or -1)


CONNECT_DENY = HDR % "connect-only-lo-and-net1" + """  kprobes:
  - call: "sys_connect"
    syscall: true
    args:
    - index: 0
      type: "int"
    - index: 1
      type: "sockaddr"
    selectors:
    - matchArgs:
      - index: 1
        operator: "Family"
        values:
        - "AF_INET"
      - index: 1
        operator: "DPort"
        values:
        - "%d"
      - index: 1
        operator: "NotDAddr"
        values:
        - "127.0.0.0/8"
        - "10.199.1.0/24"
      matchActions:
      - action: Override
        argError: %d
"""


def case_connect_deny(vigil, tmp):
    import errno as E
    # the policy is narrowed to the test's port: the host's other connects
    # are not touched while it is in force
    srv = Server()
    port = srv.port
    ns = NetNs(port)
    v = None
    try:
        for a in ("10.199.1.2", "10.199.2.2"):
            if connect_errno(a, port) != 0:
                raise Fail("without vigil, %s:%d in the test's namespace does not answer" % (a, port))
        if untouched_connect_errno("127.0.0.1", port) != 0:
            raise Fail("without vigil, a connect from an untouched page must succeed")
        time.sleep(0.3)
        before = list(ns.accepts)
        for err in (E.EACCES, E.EPERM):
            v = start_vigil(vigil, CONNECT_DENY % (port, -err), tmp)
            if not vigil_cgroup_progs():
                raise Fail("no vg_pol_ program on the root cgroup while vigil runs")
            lo = connect_errno("127.0.0.1", port)
            ok = connect_errno("10.199.1.2", port)
            blocked = connect_errno("10.199.2.2", port)
            if lo != 0 or ok != 0:
                raise Fail("allowed addresses must connect: 127.0.0.1 -> %d, 10.199.1.2 -> %d" % (lo, ok))
            # IPv6 is not in the selector: the deny point compares the address
            # the kernel copied with the one evaluated (guard) and lets it
            # through; nothing listens there, so the kernel refuses it
            # a sockaddr sys_enter cannot read is denied (EPERM) even to an
            # allowed address: the deny point fails closed
            un = untouched_connect_errno("127.0.0.1", port)
            if un != E.EPERM:
                raise Fail("connect to 127.0.0.1 from a page sys_enter cannot read: %s, expected EPERM (fail closed)"
                           % E.errorcode.get(un, un))
            gev = v.wait_for(lambda lines: [e for e in events(lines) if
                                            e.get("vigil", {}).get("override", {}).get("denied_because")], EVENT_TIMEOUT)
            if not gev or gev[0]["process_kprobe"]["args"][1].get("sockaddr_arg", {}).get("addr") != "127.0.0.1":
                raise Fail("no event for the fail-closed denial: %r" % (gev,))
            v6 = connect_errno("::1", port)
            if v6 != E.ECONNREFUSED:
                raise Fail("connect to [::1]:%d: %s, expected ECONNREFUSED (not denied)" %
                           (port, E.errorcode.get(v6, v6)))
            if blocked != err:
                raise Fail("connect to 10.199.2.2 failed with %s, expected %s (argError -%d)" %
                           (E.errorcode.get(blocked, blocked), E.errorcode[err], err))
            ev = wait_event(v, lambda k: k.get("function_name") == "__x64_sys_connect" and
                            ((k.get("args") or [{}, {}])[1].get("sockaddr_arg") or {}).get("addr") == "10.199.2.2",
                            "the denied connect")
            k = ev["process_kprobe"]
            o = ev.get("vigil", {}).get("override", {})
            if k.get("action") != "KPROBE_ACTION_OVERRIDE" or k.get("policy_name") != "connect-only-lo-and-net1":
                raise Fail("event %r" % k)
            if o.get("errno") != -err or not o.get("armed") or "connect" not in o.get("deny_point", ""):
                raise Fail("the event's vigil.override %r" % o)
            sa = k["args"][1]["sockaddr_arg"]
            if sa != {"family": "AF_INET", "addr": "10.199.2.2", "port": port}:
                raise Fail("sockaddr_arg %r" % sa)
            v.stop()
            v = None
            if vigil_cgroup_progs():
                raise Fail("cgroup programs still attached after vigil exited: %r" % vigil_cgroup_progs())
        time.sleep(0.3)
        got = ns.accepts[len(before):]
        if got.count("10.199.2.2"):
            raise Fail("the server in the namespace accepted a connection to the blocked address: %r" % got)
        if got.count("10.199.1.2") != 2:
            raise Fail("the server saw %r, expected two connections to 10.199.1.2" % got)
    finally:
        if v:
            v.stop()
        ns.close()
        srv.close()
    print("PASS: connect to 10.199.2.2 denied with EACCES then EPERM (argError), 127.0.0.1 and 10.199.1.2 "
          "connected; the blocked server saw nothing; cgroup programs detached on exit")


NET_POINTS = HDR % "deny-points" + """  kprobes:
  - call: "sys_bind"
    args:
    - index: 0
      type: "int"
    - index: 1
      type: "sockaddr"
    selectors:
    - matchArgs:
      - index: 1
        operator: "SPort"
        values:
        - "%(port)d"
      matchActions:
      - action: Override
        argError: -98
  - call: "sys_sendto"
    args:
    - index: 0
      type: "int"
    - index: 4
      type: "sockaddr"
    selectors:
    - matchArgs:
      - index: 4
        operator: "DAddr"
        values:
        - "127.0.0.1"
      - index: 4
        operator: "DPort"
        values:
        - "%(port)d"
      matchActions:
      - action: Override
        argError: -13
  - call: "sys_socket"
    args:
    - index: 0
      type: "int"
    - index: 1
      type: "int"
    - index: 2
      type: "int"
    selectors:
    - matchArgs:
      - index: 2
        operator: "Equal"
        values:
        - "136"
      matchActions:
      - action: Override
        argError: -93
"""


def case_net_deny_points(vigil, tmp):
    """bind, sendto (UDP) and socket Override through cgroup/bind4,
    cgroup/sendmsg4 and cgroup/sock_create, each with its own errno; each
    policy is narrowed to the test (a free port, UDP-Lite) so that the host's
    other sockets are untouched."""
    import errno as E
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    code = r'''
import socket, sys
port = int(sys.argv[1])
def err(f):
    try:
        f(); return 0
    except OSError as e:
        return e.errno
def bind(p):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", p)); s.close()
def send(p):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"x", ("127.0.0.1", p)); s.close()
def sock(proto):
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM, proto).close()
print(err(lambda: bind(port)), err(lambda: bind(port + 1)), err(lambda: send(port)), err(lambda: send(port + 1)),
      err(lambda: sock(136)), err(lambda: sock(0)))
'''
    before = subprocess.run([sys.executable, "-c", code, str(port)], capture_output=True, text=True).stdout.split()
    if before != ["0"] * 6:
        raise Fail("without vigil every call must succeed here: %r" % before)
    v = start_vigil(vigil, NET_POINTS % {"port": port}, tmp)
    try:
        progs = " ".join(vigil_cgroup_progs())
        for name in ("vg_pol_bind4", "vg_pol_sendmsg4", "vg_pol_sock_create"):
            if name not in progs:
                raise Fail("%s not attached: %s" % (name, progs))
        got = subprocess.run([sys.executable, "-c", code, str(port)], capture_output=True, text=True).stdout.split()
        want = [str(E.EADDRINUSE), "0", str(E.EACCES), "0", str(E.EPROTONOSUPPORT), "0"]
        if got != want:
            raise Fail("bind/sendto/socket errnos %r, expected %r (without vigil: %r)" % (got, want, before))
        for fn in ("__x64_sys_bind", "__x64_sys_sendto", "__x64_sys_socket"):
            ev = wait_event(v, lambda k: k.get("function_name") == fn and k.get("policy_name") == "deny-points", fn)
            if not ev.get("vigil", {}).get("override", {}).get("armed"):
                raise Fail("%s event: %r" % (fn, ev.get("vigil")))
    finally:
        v.stop()
    if vigil_cgroup_progs():
        raise Fail("cgroup programs left attached")
    print("PASS: bind -> EADDRINUSE, UDP sendto -> EACCES, socket(UDP-Lite) -> EPROTONOSUPPORT through the cgroup "
          "deny points; the neighbouring port and protocol work")


def open_exec_policy(path, binary, err=-1):
    return HDR % "deny-open-exec" + """  kprobes:
  - call: "sys_openat"
    syscall: true
    args:
    - index: 0
      type: "int"
    - index: 1
      type: "string"
    selectors:
    - matchArgs:
      - index: 1
        operator: "Equal"
        values:
        - "%s"
      matchActions:
      - action: Override
        argError: %d
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
        - "%s"
      matchActions:
      - action: Override
        argError: -1
""" % (path, err, binary)


def try_open(path):
    code = ("import os,sys\ntry:\n    os.close(os.open(sys.argv[1], os.O_RDONLY)); print(0)\n"
            "except OSError as e:\n    print(e.errno)\n")
    p = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, timeout=30)
    return int(p.stdout.strip() or -1)


def case_open_exec_deny(vigil, tmp):
    import errno as E
    d = tempfile.mkdtemp(prefix="vigil-pol-open-")
    secret, other = os.path.join(d, "secret"), os.path.join(d, "other")
    for f in (secret, other):
        with open(f, "w") as fh:
            fh.write("x\n")
    # a copy of true under a name only this test uses: the exec-deny target
    binary = os.path.join(d, "denied-true")
    shutil.copy("/usr/bin/true", binary)
    v = start_vigil(vigil, open_exec_policy(secret, binary), tmp)
    try:
        r_secret, r_other = try_open(secret), try_open(other)
        if r_secret != E.EPERM or r_other != 0:
            raise Fail("open of %s -> %s (expected EPERM), of %s -> %s (expected 0)" %
                       (secret, E.errorcode.get(r_secret, r_secret), other, E.errorcode.get(r_other, r_other)))
        try:
            subprocess.run([binary])
            raise Fail("exec of %s succeeded" % binary)
        except PermissionError:
            pass
        if subprocess.run(["/usr/bin/true"]).returncode != 0:
            raise Fail("/usr/bin/true did not run")
        for want, pred in (("openat", lambda k: k.get("function_name") == "__x64_sys_openat" and
                            (k.get("args") or [{}, {}])[1].get("string_arg") == secret),
                           ("execve", lambda k: k.get("function_name") == "__x64_sys_execve" and
                            (k.get("args") or [{}])[0].get("string_arg") == binary)):
            ev = wait_event(v, pred, "the denied " + want)
            o = ev.get("vigil", {}).get("override", {})
            if ev["process_kprobe"].get("action") != "KPROBE_ACTION_OVERRIDE" or o.get("errno") != -1 or \
                    "fanotify" not in o.get("deny_point", "") or not o.get("armed"):
                raise Fail("event of the denied %s: %r" % (want, ev))
    finally:
        v.stop()
        shutil.rmtree(d, ignore_errors=True)
    stats = [l for l in v.err if l.startswith("policies:")]
    m = re.search(r"(\d+) denied at a deny point", stats[-1] if stats else "")
    if not m or int(m.group(1)) != 2:
        raise Fail("--stats must count the 2 denied calls: %r" % stats)
    print("PASS: open of the named file and exec of the named binary failed with EPERM (fanotify), other "
          "files and binaries ran; %s" % stats[-1])


def case_fanotify_dies(vigil, tmp):
    """A vigil that stops answering, then dies, leaves no process hanging:
    the kernel allows pending permission events when the group closes."""
    d = tempfile.mkdtemp(prefix="vigil-pol-fan-")
    target = os.path.join(d, "guarded")
    with open(target, "w") as fh:
        fh.write("x\n")
    v = start_vigil(vigil, open_exec_policy(target, os.path.join(d, "no-such-binary")), tmp)
    opener = None
    try:
        v.p.send_signal(signal.SIGSTOP)
        # every thread of vigil stopped (the responder included) before the open
        deadline = time.monotonic() + 10
        while True:
            states = []
            for t in os.listdir("/proc/%d/task" % v.p.pid):
                with open("/proc/%d/task/%s/stat" % (v.p.pid, t)) as f:
                    states.append(f.read().rsplit(")", 1)[1].split()[0])
            if all(st == "T" for st in states):
                break
            if time.monotonic() > deadline:
                raise Fail("vigil's threads did not stop: %r" % states)
            time.sleep(0.05)
        opener = subprocess.Popen(["/usr/bin/cat", target], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.0)
        if opener.poll() is not None:
            raise Fail("the open did not wait for the stopped responder (exit %d)" % opener.returncode)
        v.p.kill()
        v.p.wait(10)
        try:
            opener.wait(10)
        except subprocess.TimeoutExpired:
            raise Fail("the opener still hangs after vigil died")
        if opener.returncode != 0:
            raise Fail("after vigil died the open was not allowed: cat exited %d" % opener.returncode)
    finally:
        if v.p.poll() is None:
            v.p.kill()
        if opener and opener.poll() is None:
            opener.kill()
        v.stop()
        shutil.rmtree(d, ignore_errors=True)
    print("PASS: with vigil stopped the open waited; once vigil died it was allowed (cat exited 0)")


def case_compat_tcp_connect(vigil, tmp):
    """Upstream tcp-connect-only-private-addrs.yaml (kprobe tcp_connect,
    NotDAddr private CIDRs, Sigkill), translated to connect(2) on TCP
    sockets: verbatim in monitor mode (enforcing it would kill any process of
    the host that connects to a public address), then narrowed to the test's
    port in enforce mode."""
    src = os.path.join(COMPAT_DIR, "tetragon", "tcp-connect-only-private-addrs.yaml")
    if not os.path.exists(src):
        print("SKIP: no %s" % src)
        sys.exit(77)
    with open(src) as f:
        verbatim = f.read()
    srv = Server()
    port = srv.port
    ns = NetNs(port)
    v = None

    def daddr(k):
        return ((k.get("args") or [{}])[0].get("sock_arg") or {}).get("daddr")

    try:
        v = start_vigil(vigil, verbatim, tmp, ["--policy-mode", "monitor"])
        if connect_errno("198.51.100.2", port) != 0 or connect_errno("10.199.1.2", port) != 0:
            raise Fail("in monitor mode both connects must succeed")
        udp = ("import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
               "s.connect(('198.51.100.2',int(sys.argv[1])))\n")
        subprocess.run([sys.executable, "-c", udp, str(port)], check=True)
        ev = wait_event(v, lambda k: k.get("function_name") == "tcp_connect" and daddr(k) == "198.51.100.2",
                        "tcp_connect to 198.51.100.2")
        k = ev["process_kprobe"]
        sa = k["args"][0]["sock_arg"]
        if sa.get("dport") != port or sa.get("protocol") != "IPPROTO_TCP" or k.get("action") != "KPROBE_ACTION_SIGKILL":
            raise Fail("event %r" % k)
        if ev.get("vigil", {}).get("signal_sent") is not False:
            raise Fail("monitor mode sent the signal: %r" % ev.get("vigil"))
        time.sleep(0.5)
        mine = [e["process_kprobe"] for e in kprobe_events(v.out, lambda k: daddr(k) in ("198.51.100.2", "10.199.1.2")
                                                            and (k["args"][0]["sock_arg"].get("dport") == port))]
        if len(mine) != 1:
            raise Fail("%d events for the test's connects, expected 1 (TCP to the public address only): %r" %
                       (len(mine), mine))
        v.stop()
        v = None
        narrowed = verbatim.replace('      - index: 0\n        operator: "NotDAddr"',
                                    '      - index: 0\n        operator: "DPort"\n        values:\n        - "%d"\n'
                                    '      - index: 0\n        operator: "NotDAddr"' % port)
        if narrowed == verbatim:
            raise Fail("could not narrow the policy to the test's port")
        v = start_vigil(vigil, narrowed, tmp)
        code = ("import socket,sys\ns=socket.socket(); s.settimeout(5)\n"
                "s.connect((sys.argv[1], int(sys.argv[2]))); print('connected', flush=True)\n")
        pub = subprocess.run([sys.executable, "-c", code, "198.51.100.2", str(port)], capture_output=True, text=True)
        priv = subprocess.run([sys.executable, "-c", code, "10.199.1.2", str(port)], capture_output=True, text=True)
        if pub.returncode != -signal.SIGKILL:
            raise Fail("connect to 198.51.100.2: exit %d, expected SIGKILL" % pub.returncode)
        if priv.returncode != 0 or "connected" not in priv.stdout:
            raise Fail("connect to 10.199.1.2 (private): exit %d %s" % (priv.returncode, priv.stderr))
        wait_event(v, lambda k: k.get("function_name") == "tcp_connect" and k.get("action") == "KPROBE_ACTION_SIGKILL"
                   and daddr(k) == "198.51.100.2", "the killed connect")
    finally:
        if v:
            v.stop()
        ns.close()
        srv.close()
    print("PASS: upstream tcp-connect-only-private-addrs.yaml: monitor mode reports the TCP connect to the public "
          "address only (not the private one, not UDP); narrowed to the test's port, it kills that connect")


# ------------------------------------------------------- live add / delete

def ctl(vigil, sock, *args):
    return subprocess.run([vigil, "policy"] + list(args) + ["--socket", sock], capture_output=True, text=True,
                          timeout=60)


def case_live_add_delete(vigil, tmp):
    import errno as E
    sock = os.path.join(tmp, "ctl.sock")
    srv = Server()
    files = {}
    for name, text in (("block-curl.yaml", BLOCK_CURL), ("bad.yaml", BLOCK_CURL.replace('"Equal"', '"Equals"'))):
        files[name] = os.path.join(tmp, name)
        with open(files[name], "w") as f:
            f.write(text)
    d = tempfile.mkdtemp(prefix="vigil-pol-live-")
    secret = os.path.join(d, "secret")
    with open(secret, "w") as f:
        f.write("x\n")
    files["deny-open.yaml"] = os.path.join(tmp, "deny-open.yaml")
    with open(files["deny-open.yaml"], "w") as f:
        f.write(open_exec_policy(secret, os.path.join(d, "none")))
    v = livelib.Vigil([vigil, "run", "--policy-socket", sock, "--stats"])
    if not v.wait_ready():
        raise Fail(livelib.start_failure(v))

    def curl(path):
        p = run_sh("/usr/bin/curl -s %s; echo status=$?" % srv.url(path))
        return status_of(p.stdout), p.stdout

    try:
        st, out = curl("/before")
        if st != 0 or "vigil-policy-test-body" not in out:
            raise Fail("with no policy curl must run: status %r" % st)
        p = ctl(vigil, sock, "add", files["block-curl.yaml"])
        if p.returncode != 0 or "added block-curl" not in p.stderr:
            raise Fail("policy add: exit %d, %s" % (p.returncode, p.stderr))
        st, out = curl("/added")
        if st != 137 or "vigil-policy-test-body" in out:
            raise Fail("after add, curl exited %r (expected 137, nothing printed)" % st)
        wait_event(v, lambda k: arg0(k) == "/usr/bin/curl" and k.get("policy_name") == "block-curl", "curl after add")
        # a second policy next to it; refusals change nothing
        p = ctl(vigil, sock, "add", files["deny-open.yaml"])
        if p.returncode != 0:
            raise Fail("policy add deny-open: %s" % p.stderr)
        p = ctl(vigil, sock, "add", files["block-curl.yaml"])
        if p.returncode != 1 or "already loaded" not in p.stderr:
            raise Fail("adding block-curl twice: exit %d, %s" % (p.returncode, p.stderr))
        p = ctl(vigil, sock, "add", files["bad.yaml"])
        if p.returncode != 1 or not re.search(re.escape(files["bad.yaml"]) + r":\d+:\d+: error: ", p.stderr):
            raise Fail("a bad policy must be refused with file:line:col: exit %d, %s" % (p.returncode, p.stderr))
        p = ctl(vigil, sock, "delete", "no-such-policy")
        if p.returncode != 1:
            raise Fail("deleting an unknown policy: exit %d" % p.returncode)
        lst = ctl(vigil, sock, "list").stdout.split()
        if "block-curl" not in lst or "deny-open-exec" not in lst:
            raise Fail("policy list: %r" % lst)
        if try_open(secret) != E.EPERM:
            raise Fail("deny-open-exec not in force next to block-curl")
        st, _ = curl("/both")
        if st != 137:
            raise Fail("block-curl no longer in force after the second add: curl %r" % st)
        p = ctl(vigil, sock, "delete", "block-curl")
        if p.returncode != 0:
            raise Fail("policy delete: %s" % p.stderr)
        st, out = curl("/deleted")
        if st != 0 or "vigil-policy-test-body" not in out:
            raise Fail("after delete curl must run: status %r" % st)
        if try_open(secret) != E.EPERM:
            raise Fail("deleting block-curl took deny-open-exec away")
        p = ctl(vigil, sock, "delete", "deny-open-exec")
        if p.returncode != 0 or try_open(secret) != 0:
            raise Fail("after deleting deny-open-exec the file must open")
        lst = ctl(vigil, sock, "list").stdout.split()
        if "block-curl" in lst or "deny-open-exec" in lst:
            raise Fail("policy list after deletes: %r" % lst)
        # matchBinaries sets survive the swaps: each change moves the tables
        # (and the binary bits) to the other generation
        bt = os.path.join(tmp, "bash-no-true.yaml")
        with open(bt, "w") as f:
            f.write(BASH_NO_TRUE)

        def true_status():
            pb = subprocess.run(["/usr/bin/bash", "-c", "/usr/bin/true; echo status=$?"], capture_output=True, text=True)
            pd = subprocess.run(["/usr/bin/dash", "-c", "/usr/bin/true; echo status=$?"], capture_output=True, text=True)
            return status_of(pb.stdout), status_of(pd.stdout)
        steps = [("add", bt, (137, 0)), ("add", files["deny-open.yaml"], (137, 0)), ("delete", "deny-open-exec", (137, 0)),
                 ("delete", "bash-no-true", (0, 0)), ("add", bt, (137, 0)), ("delete", "bash-no-true", (0, 0))]
        for verb, arg, want in steps:
            p = ctl(vigil, sock, verb, arg)
            if p.returncode != 0:
                raise Fail("policy %s %s: %s" % (verb, arg, p.stderr))
            got = true_status()
            if got != want:
                raise Fail("after policy %s %s: bash's and dash's /usr/bin/true exited %r, expected %r" %
                           (verb, arg, got, want))
        time.sleep(0.3)
        if srv.requests != ["/before", "/deleted"]:
            raise Fail("the server saw %r, expected /before and /deleted only" % srv.requests)
    finally:
        v.stop()
        srv.close()
        shutil.rmtree(d, ignore_errors=True)
    if os.path.exists(sock):
        raise Fail("the control socket %s is left behind" % sock)
    if vigil_cgroup_progs():
        raise Fail("cgroup programs left attached")
    print("PASS: policy add block-curl -> curl killed (137); a second policy next to it; duplicates, bad "
          "policies and unknown names refused; delete -> curl runs, the other policy stays in force")


def case_reload_file(vigil, tmp):
    """--policy files follow a reload: an edit of the file (watched) replaces
    the policies in force; a broken edit is refused and the old ones stay;
    SIGHUP reloads too."""
    srv = Server()
    path = os.path.join(tmp, "policy.yaml")

    def write(text):
        # as an editor does: a new file renamed over the old one
        with open(path + ".new", "w") as f:
            f.write(text)
        os.rename(path + ".new", path)

    def curl(tag):
        p = run_sh("/usr/bin/curl -s %s; echo status=$?" % srv.url("/" + tag))
        return status_of(p.stdout)

    def until(pred, what, timeout=10):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if pred():
                return
            time.sleep(0.2)
        raise Fail("%s within %ds; stderr:\n%s" % (what, timeout, v.stderr_text()))

    write(BLOCK_CURL)
    v = livelib.Vigil([vigil, "run", "--policy", path, "--stats"])
    if not v.wait_ready():
        raise Fail(livelib.start_failure(v))
    try:
        if curl("start") != 137:
            raise Fail("block-curl from the file is not in force")
        # the file now names another binary: curl runs
        write(BLOCK_CURL.replace("/usr/bin/curl", "/usr/bin/vigil-no-such-binary"))
        t0 = time.monotonic()
        until(lambda: any("reload" in l and "complete" in l for l in v.err), "no reload after the edit")
        if curl("edited") != 0:
            raise Fail("after the edit curl must run")
        print("edit: reloaded in %.2fs" % (time.monotonic() - t0))
        # a broken edit: refused at file:line:col, the policy in force stays
        write(BLOCK_CURL.replace('"Equal"', '"Equals"'))
        until(lambda: any(re.search(re.escape(path) + r":\d+:\d+: error: ", l) for l in v.err),
              "no file:line:col error for the broken edit")
        if curl("broken") != 0:
            raise Fail("a refused edit changed the policies in force")
        # back to block-curl, by SIGHUP this time (the watch sees it too)
        write(BLOCK_CURL)
        v.p.send_signal(signal.SIGHUP)
        until(lambda: curl("restored") == 137, "block-curl not back after the fix")
        wait_event(v, lambda k: arg0(k) == "/usr/bin/curl" and k.get("policy_name") == "block-curl",
                   "curl after the reload")
    finally:
        rc = v.stop()
        srv.close()
    if rc != 0:
        raise Fail("vigil exited with %s" % rc)
    print("PASS: the policy file followed reloads: edit applied, broken edit refused, fix restored")


CASES = {
    "seed_host": case_seed_host,
    "seed_container": case_seed_container,
    "monitor": case_monitor,
    "match_binaries": case_match_binaries,
    "match_pids": case_match_pids,
    "fd_prefix": case_fd_prefix,
    "connect_deny": case_connect_deny,
    "open_exec_deny": case_open_exec_deny,
    "fanotify_dies": case_fanotify_dies,
    "live_add_delete": case_live_add_delete,
    "reload_file": case_reload_file,
    "compat_tcp_connect": case_compat_tcp_connect,
    "net_deny_points": case_net_deny_points,
}


COMPAT_DIR = ""


def main():
    global COMPAT_DIR
    vigil, case = sys.argv[1], sys.argv[2]
    COMPAT_DIR = sys.argv[3] if len(sys.argv) > 3 else ""
    livelib.require_root()
    with tempfile.TemporaryDirectory(prefix="vigil-policy-live-") as tmp:
        try:
            CASES[case](vigil, tmp)
        except Fail as e:
            print("FAIL: %s" % e)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
