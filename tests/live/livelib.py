"""livelib.py - what the live tests share: running `vigil run` in the
background, waiting for its ready line, collecting its output lines as they
come, stopping it, and reading its --stats counters.

A live test needs root (exit 77 otherwise). Once root, everything that goes
wrong is a failure, the probe refusing to load first of all."""
import os
import re
import signal
import subprocess
import sys
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
