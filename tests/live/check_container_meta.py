#!/usr/bin/env python3
"""check_container_meta.py - container metadata fetched live from a Docker
Engine API that this test serves itself, and proof that a slow or dead API
never holds the events up.

A "docker container" is made for real: a cgroup named like docker's
(/docker/<64 hex>, in the pids hierarchy of cgroup v1 or at the root of v2)
that the test's processes join before they exec, so that the probe reports
them in it. A small Docker Engine API (python, HTTP over a unix socket,
passed to vigil with -o container.engines.docker.sockets=) answers
GET /containers/<id>/json and GET /images/<image>/json in one of three ways:

  normal  answers at once: the first alert from the container may still be
          without metadata, the next ones carry name, image and pod;
  slow    holds its answers until the test lets them go (after the second
          alert): events keep flowing meanwhile, evaluated with the container
          id only (container.name is <NA>), and the events after the answer
          see the metadata;
  hang    accepts and never answers: vigil gives up at its timeout (30 s),
          skips the socket, fails the lookup and remembers it; meanwhile a
          burst of syscalls from the container (dd, bs=1) is processed
          completely and the alert raised right after it comes out while
          the request is still open (the API sees when vigil closes it);
  none    no runtime enabled: the baseline for the figures;
  capture `vigil capture -w` with the normal API: the metadata goes into the
          file as a container event, and both `vigil replay` and Debian's
          sysdig 0.29.3 give the container's read of /etc/shadow its name,
          image, pod, privileged flag and mounts.

In every case a burst of 200000 syscalls (dd bs=1) runs right after the
container's first events, while the lookup is under way; the rings are large
enough to hold it, so nothing is dropped and vigil's own pace shows: the time
from the burst's start to the alert raised right after it, and the burst's
events per second through vigil, are printed on a FIGURE line, never asserted
(the machine is shared); bench/containers.sh runs hang and none in turn and
prints their ratio.

usage: check_container_meta.py VIGIL COMPAT_DIR CASE   (normal, slow, hang, none, capture)
exit: 0 pass, 1 fail, 77 skip (not root, or the upstream rules are missing)"""
import json
import os
import select
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import livelib  # noqa: E402

RULE = "Read sensitive file untrusted"
BURST = 100000          # dd bs=1: this many reads of /dev/zero and writes to /dev/null
TIMEOUT = 30            # container.engine_timeout for the hang case: the burst goes through within it
HOLD = 60               # the longest the slow API holds an answer
ALERT_WAIT = 30         # the longest an alert may take to come out (a busy machine, an ASan build)


class Fail(Exception):
    pass


# ---------------------------------------------------------------- the fake API

class Api(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, path, mode):
        self.mode = mode
        self.stop = threading.Event()
        self.release = threading.Event()    # the slow API answers once set
        self.log = []           # (time, path) of every request read
        self.lock = threading.Lock()
        self.open = {}          # path -> requests read, not answered, whose client is still connected
        self.closed = []        # (time, path): the client of a request never answered hung up
        super().__init__(path, Handler)

    def open_for(self, cid):
        """The requests about container cid open now (other docker-like
        cgroups of the host are looked up too)."""
        with self.lock:
            return sum(n for p, n in self.open.items() if cid in p)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        api = self.server
        api.log.append((time.monotonic(), self.path))
        if api.mode == "hang":
            self.hold()         # accepted, read, never answered
            return
        if api.mode == "slow":
            api.release.wait(HOLD)
        parts = self.path.split("/")
        if len(parts) == 4 and parts[1] == "containers" and parts[3] == "json":
            body = inspect_of(parts[2])
        elif len(parts) == 4 and parts[1] == "images" and parts[3] == "json":
            body = {"Id": "sha256:" + "5e" * 32, "RepoTags": ["registry.example.com/billing:7.1"],
                    "RepoDigests": ["registry.example.com/billing@sha256:" + "d1" * 32]}
        else:
            body = None
        data = json.dumps(body if body else {"message": "page not found"}).encode()
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def hold(self):
        """Keep the request open, unanswered, until the client hangs up (or
        the test ends), counting it in api.open meanwhile."""
        api = self.server
        with api.lock:
            api.open[self.path] = api.open.get(self.path, 0) + 1
        try:
            while not api.stop.is_set():
                r, _, _ = select.select([self.connection], [], [], 0.05)
                if r:
                    try:
                        data = self.connection.recv(1, socket.MSG_PEEK)
                    except OSError:
                        data = b""
                    if not data:
                        api.closed.append((time.monotonic(), self.path))
                        break
        finally:
            with api.lock:
                api.open[self.path] -= 1
        self.close_connection = True


def inspect_of(cid):
    """What docker answers for a running container (the parts vigil reads)."""
    return {
        "Id": cid, "Created": "2026-03-04T10:20:30.123Z", "Name": "/billing-api",
        "Image": "sha256:" + "5e" * 32, "State": {"Running": True, "Pid": 1},
        "HostConfig": {"Privileged": True, "NetworkMode": "bridge", "PidMode": "", "IpcMode": "private"},
        "Mounts": [{"Type": "bind", "Source": "/srv/billing", "Destination": "/data", "Mode": "ro",
                    "RW": False, "Propagation": "rprivate"}],
        "Config": {"Image": "registry.example.com/billing:7.1", "User": "",
                   "Labels": {"io.kubernetes.pod.name": "billing-0", "io.kubernetes.pod.namespace": "payments",
                              "team": "payments"}},
        "NetworkSettings": {"IPAddress": "172.17.0.42"},
    }


# ---------------------------------------------------------------- a docker cgroup

class DockerCgroup:
    """A cgroup named like a docker container's, joined by exec'd commands."""

    def __init__(self):
        self.cid = os.urandom(32).hex()
        if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
            base = "/sys/fs/cgroup"                     # v2
        elif os.path.isdir("/sys/fs/cgroup/pids"):
            base = "/sys/fs/cgroup/pids"                # v1
        else:
            raise Fail("no cgroup v2 root nor v1 pids hierarchy under /sys/fs/cgroup")
        self.parent = os.path.join(base, "docker")
        self.made_parent = not os.path.isdir(self.parent)
        os.makedirs(self.parent, exist_ok=True)
        self.path = os.path.join(self.parent, self.cid)
        os.mkdir(self.path)

    def run(self, argv, **kw):
        """Run argv inside the cgroup (a shell joins it, then execs)."""
        script = 'echo $$ > "%s/cgroup.procs" && exec "$@"' % self.path
        return subprocess.run(["sh", "-c", script, "sh"] + argv, **kw)

    def remove(self):
        for _ in range(50):
            try:
                os.rmdir(self.path)
                break
            except OSError:
                time.sleep(0.1)
        if self.made_parent:
            try:
                os.rmdir(self.parent)
            except OSError:
                pass


# ---------------------------------------------------------------- the run

def alerts_of(lines, cid12):
    out = []
    for l in lines:
        if l.startswith("{"):
            a = json.loads(l)
            if a.get("rule") == RULE and a.get("output_fields", {}).get("container.id") == cid12:
                out.append(a)
    return out


CAP_FIELDS = ["container.id", "container.name", "container.image.repository", "container.image.tag",
              "container.type", "k8s.pod.name", "k8s.ns.name", "container.privileged", "container.mounts"]


def capture_case(vigil, sock, cg, tmp):
    """Record with `vigil capture -w`, then read the file with vigil and sysdig."""
    cap = os.path.join(tmp, "live.scap")
    v = livelib.Vigil([vigil, "capture", "-w", cap, "--stats", "-o", "container.engines.docker.sockets=" + sock,
                       "-o", "log_level=debug"])
    try:
        if not v.wait_ready():
            raise Fail(livelib.start_failure(v))
        cg.run(["cat", "/etc/hostname"], stdout=subprocess.DEVNULL)
        end = time.monotonic() + 10
        while time.monotonic() < end and not any("container %s: metadata" % cg.cid[:12] in l for l in v.err):
            time.sleep(0.05)
        cg.run(["cat", "/etc/shadow"], stdout=subprocess.DEVNULL)
        time.sleep(0.5)
    finally:
        rc = v.stop()
    if rc != 0:
        raise Fail("vigil capture exited with %s:\n%s" % (rc, v.stderr_text()[-3000:]))
    fmt = "|".join("%" + f for f in CAP_FIELDS)
    flt = "proc.name=cat and evt.type=openat and fd.name=/etc/shadow"
    got = {}
    for who, argv in (("vigil", [vigil, "replay", cap, "--print", fmt, "--filter", flt]),
                      ("sysdig", ["sysdig", "-r", cap, "-p", fmt, flt + " and evt.dir=<"])):
        p = subprocess.run(argv, capture_output=True, text=True)
        if p.returncode != 0:
            raise Fail("%s could not read the capture (%d): %s" % (who, p.returncode, p.stderr[-2000:]))
        got[who] = [l for l in p.stdout.splitlines() if l.startswith(cg.cid[:12])]
        print("%s: %s" % (who, got[who][:1]))
    want = "|".join([cg.cid[:12], "billing-api", "registry.example.com/billing", "7.1", "docker", "billing-0",
                     "payments", "true", "/srv/billing:/data:ro:false:rprivate"])
    bad = ["%s shows %r, expected %r" % (who, lines[:1], want) for who, lines in got.items() if lines[:1] != [want]]
    if bad:
        raise Fail("\n  ".join(bad))
    print("PASS: the container event in the capture gives vigil replay and sysdig 0.29.3 the metadata")
    return 0


def main():
    vigil, compat, case = sys.argv[1:4]
    livelib.require_root()
    rules = os.path.join(compat, "falco", "falco_rules.yaml")
    if not os.path.exists(rules):
        print("SKIP: upstream rules %s not found" % rules)
        return livelib.SKIP
    tmp = tempfile.mkdtemp(prefix="vigil-cmeta-")
    sock = os.path.join(tmp, "docker.sock")
    api = Api(sock, "normal" if case == "capture" else case)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    cg = None
    v = None
    try:
        cg = DockerCgroup()
        if case == "capture":
            if not shutil.which("sysdig"):
                raise Fail("Debian's sysdig is needed (make deps installs it)")
            return capture_case(vigil, sock, cg, tmp)
        cid12 = cg.cid[:12]
        arrivals = {}           # alert index -> (monotonic time it was read, API requests open then)
        arrived = threading.Condition()

        def on_line(line):
            if line.startswith("{") and RULE in line and cid12 in line:
                with arrived:
                    arrivals[len(arrivals)] = (time.monotonic(), api.open_for(cg.cid))
                    arrived.notify_all()

        def wait_alerts(n):
            """Wait for the container's n-th alert: counted as the lines
            come, never by rescanning the output (the burst prints 200000
            lines, and the test must keep up with vigil to measure it)."""
            with arrived:
                return arrived.wait_for(lambda: len(arrivals) >= n, ALERT_WAIT)
        fmt = "*%evt.type %container.id %container.name"
        # (no evt.type in the filter: the probe then sends every syscall, and
        # the burst is counted here)
        flt = "container.id=%s and proc.name=dd" % cid12
        v = livelib.Vigil([vigil, "run", "-r", rules, "--json", "--stats", "--print", fmt, "--filter", flt,
                           "--ring-size", str(64 << 20),
                           "-o", "container.engines.docker.enabled=%s" % ("false" if case == "none" else "true"),
                           "-o", "container.engines.docker.sockets=" + sock,
                           "-o", "container.engines.podman.enabled=false",
                           "-o", "container.engines.containerd.enabled=false",
                           "-o", "container.engines.cri.enabled=false",
                           "-o", "container.engine_timeout=%s" % TIMEOUT, "-o", "log_level=debug"],
                          on_line=on_line)
        if not v.wait_ready():
            raise Fail(livelib.start_failure(v))

        # 1. the first sensitive read: the container's first events start the lookup
        t_cat1 = time.monotonic()
        p = cg.run(["cat", "/etc/shadow"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if p.returncode != 0:
            raise Fail("cat /etc/shadow in the cgroup failed: %s" % p.stderr.decode())
        if not wait_alerts(1):
            raise Fail("no alert for the first read in the container:\n" + v.stderr_text())
        lat1 = arrivals[0][0] - t_cat1

        # 2. a burst of syscalls while the API answers, slowly, or not at all
        t_dd = time.monotonic()
        p = cg.run(["dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=%d" % BURST],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        dd_time = time.monotonic() - t_dd
        if p.returncode != 0:
            raise Fail("dd failed")
        t_cat2 = time.monotonic()
        cg.run(["cat", "/etc/shadow"], stdout=subprocess.DEVNULL)
        if not wait_alerts(2):
            raise Fail("no alert for the second read in the container:\n" + v.stderr_text())
        lat2 = arrivals[1][0] - t_cat2
        drain = arrivals[1][0] - t_dd   # the whole burst went through before this alert
        api.release.set()       # the slow API answers now

        # 3. once the API answered, or vigil gave the lookup up: a third read
        if case == "hang":
            v.wait_err(lambda l: "no runtime knows it" in l and cid12 in l, TIMEOUT + 40)
        elif case in ("normal", "slow"):
            v.wait_err(lambda l: "container %s: metadata from" % cid12 in l, 40)
        cg.run(["cat", "/etc/shadow"], stdout=subprocess.DEVNULL)
        if not wait_alerts(3):
            raise Fail("no alert for the third read in the container:\n" + v.stderr_text())
        rc = v.stop()
        if rc != 0:
            raise Fail("vigil run exited with %s:\n%s" % (rc, v.stderr_text()[-3000:]))

        alerts = alerts_of(v.out, cid12)
        reads = sum(1 for l in v.out if l.startswith("read " + cid12))
        writes = sum(1 for l in v.out if l.startswith("write " + cid12))
        named = sum(1 for l in v.out if (l.startswith("read ") or l.startswith("write ")) and
                    l.endswith(" billing-api"))
        stats = livelib.probe_stats(v.err) or {}
        cstats = [l for l in v.err if l.startswith("containers:")]
        bad = []
        drops = sum(stats.get(k, 0) for k in ("ring full", "too large", "nested runs", "no ring"))
        # dd also reads and writes a few times around its copy (locale...)
        # (the probe sees the whole host: drops of other processes' events,
        # when the machine is busy, are reported, not failed on)
        if not (BURST <= reads <= BURST + 20 and BURST <= writes <= BURST + 20):
            bad.append("the burst: %d reads and %d writes processed, %d of each made (probe drops: %s)"
                       % (reads, writes, BURST, stats))

        def fields(a):
            return a["output_fields"]
        first, second, third = alerts[0], alerts[1], alerts[2]
        meta = {"container.name": "billing-api", "container.image.repository": "registry.example.com/billing",
                "container.image.tag": "7.1", "k8s.pod.name": "billing-0", "k8s.ns.name": "payments"}
        if case in ("normal", "slow"):
            for k, want in meta.items():
                if fields(third).get(k) != want:
                    bad.append("third alert: %s=%r, expected %r" % (k, fields(third).get(k), want))
        if case == "slow":
            # the API held its answers until the second alert was out: both
            # came without waiting for it, and were evaluated without metadata
            for a, n in ((first, "first"), (second, "second")):
                if fields(a).get("container.name") is not None:
                    bad.append("%s alert already has a name (%r) while the API was still answering"
                               % (n, fields(a).get("container.name")))
        if case == "none":
            if api.log:
                bad.append("the API was asked with the docker engine disabled")
            for a in alerts:
                if fields(a).get("container.name") is not None:
                    bad.append("without metadata an alert shows name %r" % fields(a).get("container.name"))
        if case == "hang":
            for a, n in ((first, "first"), (second, "second"), (third, "third")):
                if fields(a).get("container.name") is not None:
                    bad.append("%s alert has a name, but the API never answered" % n)
            gaveup = [l for l in v.err if "no runtime knows it" in l and cid12 in l]
            if not gaveup:
                bad.append("vigil did not report giving the lookup up")
            if not cstats or " 0 API timeouts" in cstats[0]:
                bad.append("container stats: %s" % cstats)
            mine = [t for t, p in api.log if p.startswith("/containers/" + cg.cid)]
            if len(mine) != 1:
                bad.append("the unresponsive socket was asked %d times for the container: %s" % (len(mine), api.log))
            # the burst and the alert after it went through with the request open
            if arrivals[1][1] != 1:
                bad.append("the alert after the burst came out with %d API requests open, expected the one "
                           "vigil made (it waited for the API, or gave up before the burst was through)"
                           % arrivals[1][1])
            hangups = [t for t, p in api.closed if cg.cid in p]
            if len(hangups) != 1:
                bad.append("vigil hung up on the unresponsive API %d times for the container" % len(hangups))
        # every alert of the container carries its id, whatever the metadata
        for a in alerts:
            if fields(a).get("container.id") != cid12:
                bad.append("an alert without the container id")
        print("case %s: burst of %d syscalls from container %s made in %.2f s; vigil processed %d reads and "
              "%d writes (%d with the container's name), probe drops %d"
              % (case, 2 * BURST, cid12, dd_time, reads, writes, named, drops))
        print("FIGURE container_meta %s: %.0f events/s through vigil (a burst of %d in %.2f s), alert after "
              "the burst %.1f ms, first alert %.1f ms%s" % (
                  case, 2 * BURST / drain, 2 * BURST, drain, lat2 * 1000, lat1 * 1000,
                  ", the API request open meanwhile" if case == "hang" else ""))
        print("  API requests (s after the first event): %s" % ", ".join(
            "%+.2f %s" % (t - t_cat1, p[:30]) for t, p in api.log if cg.cid in p or p.startswith("/images")))
        print("  alerts: " + " | ".join("name=%s image=%s pod=%s ns=%s" % (
            fields(a).get("container.name"), fields(a).get("container.image.repository"),
            fields(a).get("k8s.pod.name"), fields(a).get("k8s.ns.name")) for a in alerts[:3]))
        print("  " + (cstats[0] if cstats else "no container stats line"))
        for l in v.err:
            if "container %s" % cid12 in l:
                print("  " + l)
        if bad:
            raise Fail("\n  ".join(bad))
        print("PASS")
        return 0
    except Fail as e:
        print("FAIL %s: %s" % (case, e))
        return 1
    finally:
        if v is not None and v.p.poll() is None:
            v.stop()
        if cg is not None:
            cg.remove()
        api.stop.set()
        api.release.set()
        api.shutdown()
        api.server_close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
