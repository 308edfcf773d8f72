#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_brokers.py - one backend against its real server on 127.0.0.1,
started here: redis (redis-server; list and stream), nats (nats-server; a
raw-protocol subscriber), mqtt (mosquitto; mosquitto_sub), kafka
(librdkafka's mock cluster, read back with a consumer) and syslog (rsyslogd
parsing RFC 5424 over UDP and TCP, plus a raw TCP listener for the octet
counting framing). Each gets the alerts of a generated capture; the test
reads them back from the server and compares each payload with vigil's
--json line of the same alert, and checks routing (priority, rule, tag).

usage: check_brokers.py VIGIL GEN_ALERTS KAFKA_MOCK redis|nats|mqtt|kafka|syslog"""
import json
import os
import socket
import subprocess
import sys
import threading
import time

from outlib import Ctx, check, finish, free_port, need, stats, strip_uuid, wait_port, UUID_RE


def prio_of(e):
    return json.loads(e)["priority"]


class Resp:
    """A minimal RESP client (the Debian python3-redis is not on pyenv's python)."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.f = self.s.makefile("rb")

    def cmd(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)
        return self.read()

    def read(self):
        line = self.f.readline().rstrip(b"\r\n")
        t, rest = line[:1], line[1:]
        if t in (b"+", b"-"):
            return rest.decode()
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            d = self.f.read(n + 2)[:-2]
            return d.decode()
        if t == b"*":
            n = int(rest)
            return [self.read() for _ in range(n)] if n >= 0 else None
        raise ValueError(line)


def redis_server(ctx):
    rs = need("redis-server", "redis-server")
    port = free_port()
    ctx.spawn([rs, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
              stdout=subprocess.DEVNULL)
    check(wait_port(port), "redis-server listens on %d" % port)
    return port


def test_redis(ctx, cap, exp):
    port = redis_server(ctx)
    cfg = ctx.config("redis", """
stdout_output: {enabled: false}
outputs:
  list:
    type: redis
    address: 127.0.0.1:%d
    minimum_priority: warning
  stream:
    type: redis
    address: 127.0.0.1:%d
    storage: stream
    key: falco-stream
    tags: [audit]
""" % (port, port))
    p = ctx.replay(cap, cfg)
    check(p.returncode == 0, "vigil replay exits 0")
    r = Resp(port)
    got = r.cmd("LRANGE", "falco", 0, -1)
    want = [e for e in exp if prio_of(e) in ("Critical", "Warning")]
    check([strip_uuid(g)[0] for g in got] == want, "redis list: RPUSH of the %d Critical/Warning alerts, exact JSON" % len(want))
    check(all(UUID_RE.match(strip_uuid(g)[1] or "") for g in got), "redis list: uuids")
    xs = r.cmd("XRANGE", "falco-stream", "-", "+")
    want = [e for e in exp if "audit" in json.loads(e)["tags"]]
    ok = len(xs) == len(want)
    for (xid, fields), e in zip(xs, want):
        f = dict(zip(fields[0::2], fields[1::2]))
        ok &= strip_uuid(f["payload"])[0] == e and f["rule"] == json.loads(e)["rule"]
        ok &= f["priority"] == prio_of(e) and f["uuid"] == strip_uuid(f["payload"])[1]
    check(ok, "redis stream: XADD of the %d alerts tagged audit, payload/rule/priority/uuid fields" % len(want))


def test_nats(ctx, cap, exp):
    ns = need("nats-server", "nats-server")
    port = free_port()
    ctx.spawn([ns, "-a", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    check(wait_port(port), "nats-server listens on %d" % port)
    sub = socket.create_connection(("127.0.0.1", port))
    f = sub.makefile("rb")
    f.readline()  # INFO
    sub.sendall(b'CONNECT {"verbose":false}\r\nSUB falco.> 1\r\nPING\r\n')
    while f.readline().strip() != b"PONG":
        pass
    msgs = []

    def reader():
        while True:
            line = f.readline()
            if not line:
                return
            parts = line.split()
            if parts and parts[0] == b"MSG":
                n = int(parts[-1])
                data = f.read(n + 2)[:-2]
                msgs.append((parts[1].decode(), data.decode()))
            elif parts and parts[0] == b"PING":
                sub.sendall(b"PONG\r\n")

    threading.Thread(target=reader, daemon=True).start()
    cfg = ctx.config("nats", """
stdout_output: {enabled: false}
outputs:
  nats:
    url: nats://127.0.0.1:%d
    exclude_rules: ["Notice file opened"]
""" % port)
    p = ctx.replay(cap, cfg)
    check(p.returncode == 0, "vigil replay exits 0")
    end = time.time() + 5
    want = [e for e in exp if json.loads(e)["rule"] != "Notice file opened"]
    while len(msgs) < len(want) and time.time() < end:
        time.sleep(0.05)
    check([strip_uuid(m)[0] for _, m in msgs] == want, "nats: the %d alerts but Notice (exclude_rules), exact JSON" % len(want))
    subj = {"Critical file opened": "falco.critical.critical_file_opened",
            "Warning file opened": "falco.warning.warning_file_opened"}
    check(all(s == subj[json.loads(m)["rule"]] for s, m in msgs), "nats: subjects falco.<priority>.<rule> slugged")


def test_mqtt(ctx, cap, exp):
    mq = need("mosquitto", "mosquitto")
    msub = need("mosquitto_sub", "mosquitto-clients")
    port = free_port()
    conf = ctx.config("mosquitto", "listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n" % port)
    ctx.spawn([mq, "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    check(wait_port(port), "mosquitto listens on %d" % port)
    want = [e for e in exp if prio_of(e) == "Critical"]
    sub = ctx.spawn([msub, "-h", "127.0.0.1", "-p", str(port), "-t", "falco/#", "-v", "-q", "1", "-C", str(len(want)),
                     "-W", "30"], stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)
    cfg = ctx.config("mqtt", """
stdout_output: {enabled: false}
outputs:
  mqtt:
    address: 127.0.0.1:%d
    topic: falco/alerts
    minimum_priority: critical
""" % port)
    p = ctx.replay(cap, cfg)
    check(p.returncode == 0, "vigil replay exits 0")
    out, _ = sub.communicate(timeout=40)
    lines = [l.split(" ", 1) for l in out.splitlines() if l]
    check([t for t, _ in lines] == ["falco/alerts"] * len(want), "mqtt: %d messages on falco/alerts" % len(want))
    check([strip_uuid(m)[0] for _, m in lines] == want, "mqtt: the Critical alerts only, exact JSON")
    s = stats(p.stderr, "mqtt")
    check(s and s["sent"] == len(want), "mqtt: QoS 1, every alert acknowledged: %s" % s)


def test_kafka(ctx, cap, exp):
    mock = ctx.spawn([ctx.extra[0]], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    bootstrap = mock.stdout.readline().strip()
    check(bootstrap.startswith("127.0.0.1:"), "kafka mock cluster: %s" % bootstrap)
    cfg = ctx.config("kafka", """
stdout_output: {enabled: false}
outputs:
  kafka:
    brokers: [%s]
    topic: falco
    key: rule
    tags: [filesystem]
""" % bootstrap)
    p = ctx.replay(cap, cfg)
    check(p.returncode == 0, "vigil replay exits 0")
    mock.stdin.write("dump\n")
    mock.stdin.flush()
    got = []
    while True:
        l = mock.stdout.readline().strip()
        if l in ("end", ""):
            break
        got.append(json.loads(l))
    mock.stdout.readline()
    want = [e for e in exp if "filesystem" in json.loads(e)["tags"]]
    check(sorted(strip_uuid(g["value"])[0] for g in got) == sorted(want),
          "kafka: the %d alerts tagged filesystem, exact JSON (%d read back)" % (len(want), len(got)))
    check(all(g["key"] == json.loads(g["value"])["rule"] for g in got), "kafka: message key = rule")
    parts = {}
    for g in got:
        parts.setdefault(g["key"], set()).add(g["partition"])
    check(all(len(v) == 1 for v in parts.values()), "kafka: one partition per key (order kept per rule): %s" % parts)
    # per partition, the order of production is kept
    ok = True
    for k in parts:
        seq = [strip_uuid(g["value"])[0] for g in got if g["key"] == k]
        ok &= seq == [e for e in want if json.loads(e)["rule"] == k]
    check(ok, "kafka: alerts of one key in order")
    s = stats(p.stderr, "kafka")
    check(s and s["sent"] == len(want) and s["failed"] == 0, "kafka: acks=all delivery reports: %s" % s)


def test_syslog(ctx, cap, exp):
    rsd = need("rsyslogd", "rsyslog")
    udp, tcp, raw = free_port(socket.SOCK_DGRAM), free_port(), free_port()
    out = os.path.join(ctx.tmp, "syslog.out")
    conf = ctx.config("rsyslog", """
global(workDirectory="%(d)s")
module(load="imudp")
module(load="imtcp")
input(type="imudp" address="127.0.0.1" port="%(u)d")
input(type="imtcp" address="127.0.0.1" port="%(t)d")
template(name="t" type="string" string="%%inputname%%|%%pri%%|%%protocol-version%%|%%timestamp:::date-rfc3339%%|%%hostname%%|%%app-name%%|%%procid%%|%%msgid%%|%%structured-data%%|%%msg%%\\n")
*.* action(type="omfile" file="%(o)s" template="t")
""" % {"d": ctx.tmp, "u": udp, "t": tcp, "o": out})
    ctx.spawn([rsd, "-n", "-f", conf, "-i", os.path.join(ctx.tmp, "rsyslog.pid")], stdout=subprocess.DEVNULL,
              stderr=subprocess.DEVNULL)
    check(wait_port(tcp), "rsyslogd listens on tcp %d (and udp %d)" % (tcp, udp))
    # a raw listener: the bytes on the wire (octet counting framing)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", raw))
    ls.listen(1)
    wire = bytearray()

    def acc():
        c, _ = ls.accept()
        while True:
            d = c.recv(65536)
            if not d:
                return
            wire.extend(d)

    threading.Thread(target=acc, daemon=True).start()
    cfg = ctx.config("syslog", """
stdout_output: {enabled: false}
outputs:
  sys-udp:
    type: syslog
    mode: udp
    address: 127.0.0.1:%d
    facility: local0
    minimum_priority: warning
  sys-tcp:
    type: syslog
    mode: tcp
    address: 127.0.0.1:%d
    facility: authpriv
    message: json
  sys-raw:
    type: syslog
    mode: tcp
    address: 127.0.0.1:%d
    rules: ["Critical*"]
""" % (udp, tcp, raw))
    text = [l for l in ctx.replay(cap).stdout.splitlines() if l]
    p = ctx.replay(cap, cfg)
    check(p.returncode == 0, "vigil replay exits 0")
    time.sleep(1.0)
    rows = [l.split("|", 9) for l in open(out).read().splitlines()] if os.path.exists(out) else []
    sev = {"Critical": 2, "Warning": 4, "Notice": 5}
    u = [r for r in rows if r[0] == "imudp"]
    t = [r for r in rows if r[0] == "imtcp"]
    want_u = [(e, tx) for e, tx in zip(exp, text) if prio_of(e) in ("Critical", "Warning")]
    ok = len(u) == len(want_u)
    for r, (e, tx) in zip(u, want_u):
        d = json.loads(e)
        ok &= r[1] == str(16 * 8 + sev[d["priority"]]) and r[2] == "1" and r[4] == "test-host" and r[5] == "vigil"
        ok &= r[7] == "-" and r[8].startswith('[vigil@32473 rule="%s" priority="%s" source="syscall" uuid="' %
                                               (d["rule"], d["priority"]))
        ok &= r[9].lstrip() == tx
        ok &= r[3].startswith(d["time"][:26]) or r[3].startswith(d["time"][:19])
    check(ok, "syslog udp: rsyslog parses RFC 5424: PRI local0+severity, version 1, host, app, SD, the text line (%d)" % len(u))
    ok = len(t) == len(exp)
    for r, e in zip(t, exp):
        d = json.loads(e)
        ok &= r[1] == str(10 * 8 + sev[d["priority"]]) and strip_uuid(r[9].lstrip())[0] == e
    check(ok, "syslog tcp: octet-counted frames parsed, facility authpriv, the JSON document (%d)" % len(t))
    w = bytes(wire).decode()
    frames, i = [], 0
    while i < len(w):
        sp = w.index(" ", i)
        n = int(w[i:sp])
        frames.append(w[sp + 1:sp + 1 + n])
        i = sp + 1 + n
    crit = [tx for e, tx in zip(exp, text) if prio_of(e) == "Critical"]
    check(len(frames) == len(crit) and all(f.startswith("<10>1 ") and f.endswith("] " + tx)
                                           for f, tx in zip(frames, crit)),
          "syslog tcp wire: RFC 6587 octet counting, '<10>1 ' (user.crit), the Critical lines only")


def main():
    ctx = Ctx(sys.argv[:3] + sys.argv[3:4])
    which = sys.argv[4]
    try:
        cap = ctx.capture("brokers", crit=3, warn=2, note=2)
        exp = ctx.expected(cap)
        check(len(exp) == 7, "7 alerts expected")
        {"redis": test_redis, "nats": test_nats, "mqtt": test_mqtt, "kafka": test_kafka,
         "syslog": test_syslog}[which](ctx, cap, exp)
    finally:
        ctx.cleanup()
    finish()


if __name__ == "__main__":
    main()
