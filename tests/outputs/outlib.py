# SPDX-License-Identifier: Apache-2.0
"""outlib.py - what the output tests share: a generated capture with known
alerts (gen_alerts + rules.yaml), running `vigil replay` with a
configuration, the expected JSON of each alert (vigil's own --json line,
which is Falco's), free loopback ports, a recording HTTP receiver, and
starting real servers. A server binary that is missing fails the test with
the package to install (CI installs the Makefile's DEPS): never a silent
pass."""
import http.server
import json
import os
import re
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RULES = os.path.join(HERE, "rules.yaml")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ENV = dict(os.environ, FALCO_HOSTNAME="test-host", TZ="UTC")

FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)
    return cond


def finish():
    if FAILS:
        print("%d checks failed:" % len(FAILS))
        for f in FAILS:
            print("  " + f)
        sys.exit(1)
    print("all checks passed")
    sys.exit(0)


def need(binary, package):
    for d in ("", "/usr/sbin/", "/usr/bin/", "/sbin/"):
        p = shutil.which(binary) if not d else (d + binary if os.access(d + binary, os.X_OK) else None)
        if p:
            return p
    print("FAIL: %s not found: install the Debian package %s (make deps)" % (binary, package))
    sys.exit(1)


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


class Ctx:
    """Paths of one test run: vigil, gen_alerts, a temp dir."""

    def __init__(self, argv):
        self.vigil, self.gen = argv[1], argv[2]
        self.extra = argv[3:]
        self.tmp = tempfile.mkdtemp(prefix="vigil-out-")
        self.procs = []

    def capture(self, name, **counts):
        path = os.path.join(self.tmp, name + ".scap")
        args = [self.gen, path]
        for k, v in counts.items():
            args += ["--" + k, str(v)]
        subprocess.run(args, check=True)
        return path

    def config(self, name, text):
        path = os.path.join(self.tmp, name + ".yaml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def replay(self, cap, cfg=None, args=(), timeout=300, check_rc=True):
        cmd = [self.vigil, "replay", cap, "-r", RULES, "--stats"] + list(args)
        if cfg:
            cmd += ["-c", cfg]
        t0 = time.time()
        p = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=timeout)
        dt = time.time() - t0
        if check_rc and p.returncode != 0:
            print("vigil exited %d:\n%s" % (p.returncode, p.stderr))
        p.elapsed = dt
        return p

    def expected(self, cap):
        """Falco's JSON of every alert of cap, in order (vigil --json)."""
        p = self.replay(cap, args=["--json"])
        return [l for l in p.stdout.splitlines() if l.startswith("{")]

    def spawn(self, args, **kw):
        p = subprocess.Popen(args, **kw)
        self.procs.append(p)
        return p

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)


def stats(stderr, name):
    """The counters of output `name` from --stats."""
    for line in stderr.splitlines():
        m = re.match(r"\s+%s \([a-z]+\): (.*)" % re.escape(name), line)
        if m:
            out = {}
            for part in m.group(1).split(", "):
                mm = re.match(r"([a-z ]+?) (\d+)", part)
                if mm:
                    out[mm.group(1)] = int(mm.group(2))
            return out
    return None


def strip_uuid(doc_text):
    """(Falco's bytes, uuid) of a vigil payload: the uuid is the last key."""
    m = re.match(r'^(.*),"uuid":"([^"]+)"\}$', doc_text, re.S)
    if not m:
        return doc_text, None
    return m.group(1) + "}", m.group(2)


def rule_of(doc_text):
    return json.loads(doc_text)["rule"]


# ---- a recording HTTP receiver -------------------------------------------


class Receiver:
    """An HTTP server on 127.0.0.1 that records every request and answers
    with handler(req) -> (status, headers, body). req: method, path,
    headers, body (bytes)."""

    def __init__(self, handler, tls=None):
        self.requests = []
        self.lock = threading.Lock()
        rec = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *a):
                pass

            def _do(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                req = {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
                with rec.lock:
                    rec.requests.append(req)
                st, hdrs, out = handler(req)
                self.send_response(st)
                for k, v in (hdrs or {}).items():
                    self.send_header(k, v)
                out = out if isinstance(out, bytes) else (out or "").encode()
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_POST = do_PUT = do_GET = _do

        class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.srv = S(("127.0.0.1", 0), H)
        if tls:
            import ssl

            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tls["cert"], tls["key"])
            if tls.get("ca"):
                ctx.load_verify_locations(tls["ca"])
                ctx.verify_mode = ssl.CERT_REQUIRED
            self.srv.socket = ctx.wrap_socket(self.srv.socket, server_side=True)
        self.port = self.srv.server_address[1]
        self.t = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.t.start()

    def bodies(self, path=None):
        with self.lock:
            return [r["body"].decode() for r in self.requests if path is None or r["path"] == path]

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()
