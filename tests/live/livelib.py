"""livelib.py - what the live tests share: running `vigil run` in the
background, waiting for its ready line, collecting its output lines as they
come, stopping it, and reading its --stats counters; and for the container
tests, podman: a busybox image imported from a tarball, `podman system
service` on a socket of the test, commands run under a terminal.

A live test needs root (exit 77 otherwise). Once root, everything that goes
wrong is a failure, the probe refusing to load first of all."""
import hashlib
import io
import os
import pty
import re
import select
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

READY = "vigil: live capture started"
SKIP = 77


def require_root():
    if os.geteuid() != 0:
        print("SKIP: live tests load the BPF probe and need root")
        sys.exit(SKIP)


class Vigil:
    """One `vigil run` in the background; stdout and stderr lines are
    collected by two threads (stdout lines also go to `on_line`)."""

    def __init__(self, argv, on_line=None):
        self.argv = argv
        self.out = []
        self.err = []
        self.on_line = on_line
        self.ready = threading.Event()
        self.lock = threading.Condition()
        self.t_start = time.monotonic()
        self.t_ready = None
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  stdin=subprocess.DEVNULL)
        self.threads = [threading.Thread(target=self._read, args=(self.p.stdout, self.out, True), daemon=True),
                        threading.Thread(target=self._read, args=(self.p.stderr, self.err, False), daemon=True)]
        for t in self.threads:
            t.start()

    def _read(self, f, sink, is_out):
        for raw in f:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self.lock:
                sink.append(line)
                if not is_out and line.startswith(READY):
                    self.t_ready = time.monotonic()
                    self.ready.set()
                self.lock.notify_all()
            if is_out and self.on_line:
                self.on_line(line)
        with self.lock:
            self.lock.notify_all()

    def wait_ready(self, timeout=120):
        """True once the probe is attached and /proc was read; False if vigil
        exited or the timeout passed first."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.ready.wait(0.1):
                return True
            if self.p.poll() is not None:
                for t in self.threads:
                    t.join(2)
                return self.ready.is_set()
        return False

    def wait_for(self, pred, timeout):
        """Wait until pred(stdout lines) returns something true; return it
        (None on timeout or when vigil exited)."""
        end = time.monotonic() + timeout
        with self.lock:
            while True:
                r = pred(self.out)
                if r:
                    return r
                left = end - time.monotonic()
                if left <= 0 or (self.p.poll() is not None and not any(t.is_alive() for t in self.threads)):
                    return None
                self.lock.wait(min(left, 0.2))

    def wait_err(self, pred, timeout):
        """Wait until a stderr line satisfies pred; return it (None on
        timeout or when vigil exited)."""
        end = time.monotonic() + timeout
        with self.lock:
            while True:
                hit = next((l for l in self.err if pred(l)), None)
                if hit:
                    return hit
                left = end - time.monotonic()
                if left <= 0 or (self.p.poll() is not None and not any(t.is_alive() for t in self.threads)):
                    return None
                self.lock.wait(min(left, 0.2))

    def stop(self, timeout=30):
        """SIGTERM (vigil drains its rings and prints its stats), then wait."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        for t in self.threads:
            t.join(5)
        return self.p.returncode

    def stderr_text(self):
        return "\n".join(self.err)


def probe_stats(err_lines):
    """The counters of vigil's `probe:` --stats line, as a dict."""
    for line in err_lines:
        if line.startswith("probe:"):
            d = {}
            for n, what in re.findall(r"(\d+) ([a-z][a-z ]*?)(?=[,;]|$)", line[len("probe:"):]):
                d[what.strip()] = int(n)
            return d
    return None


def start_failure(v):
    """Why vigil did not become ready, for the failure message."""
    rc = v.p.poll()
    why = "it exited with status %s" % rc if rc is not None else "no ready line within the timeout"
    return "vigil run did not start (%s); stderr:\n%s" % (why, v.stderr_text())


# ---------------------------------------------------------------- podman

PODMAN = ["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs"]
PODMAN_LIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
BUSYBOX = "/bin/busybox"


class PodmanError(Exception):
    pass


def podman(args, timeout=120, check=True, **kw):
    """Run podman (runc, cgroupfs) and return its stdout, stripped; a failure
    raises PodmanError with what it printed."""
    p = subprocess.run(PODMAN + args, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise PodmanError("podman %s failed (%d): %s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p.stdout.strip()


def require_podman():
    """None when podman, runc and the static busybox are here, else why not
    (a failure: `make deps` installs them)."""
    import shutil
    for tool in ("podman", "runc"):
        if not shutil.which(tool):
            return "%s is not installed (make deps installs it)" % tool
    if not os.path.exists(BUSYBOX):
        return "%s is missing (make deps installs busybox-static)" % BUSYBOX
    return None


def busybox_image(name, files):
    """An image of Debian's static busybox with a link for every applet and
    `files` ({path: text}, mode 0644, /etc/shadow included), imported with
    `podman import` from a tarball made here. Tagged
    localhost/NAME:<hash of the content>, imported only when podman does not
    have it yet. Returns the tag."""
    with open(BUSYBOX, "rb") as f:
        blob = f.read()
    h = hashlib.sha256(blob)
    for k in sorted(files):
        h.update(k.encode() + b"\0" + files[k].encode() + b"\0")
    tag = "localhost/%s:%s" % (name, h.hexdigest()[:12])
    if subprocess.run(PODMAN + ["image", "exists", tag]).returncode == 0:
        return tag
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True).stdout.split()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        def add(name, kind=tarfile.REGTYPE, mode=0o644, data=b"", link=""):
            ti = tarfile.TarInfo(name)
            ti.type, ti.mode, ti.linkname = kind, mode, link
            ti.size = len(data) if kind == tarfile.REGTYPE else 0
            t.addfile(ti, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
        for d in ("bin", "etc", "proc", "sys", "dev", "root", "run", "var"):
            add(d, tarfile.DIRTYPE, 0o755)
        add("tmp", tarfile.DIRTYPE, 0o1777)
        add("bin/busybox", mode=0o755, data=blob)
        for a in applets:
            if a != "busybox":
                add("bin/" + a, tarfile.SYMTYPE, 0o777, link="busybox")
        for path, text in sorted(files.items()):
            add(path, data=text.encode())
    with tempfile.NamedTemporaryFile(prefix="vigil-live-image-", suffix=".tar") as f:
        f.write(buf.getvalue())
        f.flush()
        podman(["import", f.name, tag])
    return tag


class PodmanService:
    """`podman system service` serving the Docker-compatible API on `sock`
    until stop()."""

    def __init__(self, sock, timeout=30):
        self.sock = sock
        self.p = subprocess.Popen(PODMAN + ["system", "service", "--time=0", "unix://" + sock],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.monotonic() + timeout
        while not os.path.exists(sock):
            if self.p.poll() is not None or time.monotonic() > end:
                self.stop()
                raise PodmanError("podman system service did not create %s" % sock)
            time.sleep(0.1)

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(30)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def run_in_pty(argv, timeout=120):
    """Run argv with a new pseudo-terminal as its stdin, stdout and stderr
    (as an interactive `podman exec -t` or `kubectl exec -t` has one); return
    (exit status, what it printed)."""
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    finally:
        os.close(slave)
    out = b""
    end = time.monotonic() + timeout
    try:
        while time.monotonic() < end:
            r, _, _ = select.select([master], [], [], 0.2)
            if r:
                try:
                    chunk = os.read(master, 4096)
                except OSError:         # EIO: every holder of the terminal is gone
                    break
                if not chunk:
                    break
                out += chunk
            elif p.poll() is not None:
                break
        else:
            p.kill()
        rc = p.wait(30)
    finally:
        os.close(master)
    return rc, out.decode("utf-8", "replace")
