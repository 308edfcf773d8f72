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

usage: check_policy_live.py VIGIL CASE
exit: 0 pass, 1 fail, 77 skip (not root)"""
import hashlib
import http.server
import json
import os
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


def case_match_binaries(vigil, tmp):
    if not os.path.exists("/usr/bin/bash") or not os.path.exists("/usr/bin/dash"):
        raise Fail("bash and dash are needed")
    pol = HDR % "bash-no-true" + """  kprobes:
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


CASES = {
    "seed_host": case_seed_host,
    "seed_container": case_seed_container,
    "monitor": case_monitor,
    "match_binaries": case_match_binaries,
    "match_pids": case_match_pids,
    "fd_prefix": case_fd_prefix,
}


def main():
    vigil, case = sys.argv[1], sys.argv[2]
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
