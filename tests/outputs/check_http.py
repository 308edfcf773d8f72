#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_http.py - the HTTP backends against recording receivers on
127.0.0.1: Falco's http_output, the webhook (POST and PUT, custom headers),
Slack (falcosidekick's payload, 429 + Retry-After honoured), Elasticsearch
and OpenSearch (_bulk NDJSON, daily/monthly index, ApiKey and Basic auth,
per-item 429 retried and 400 failed) and Loki (push API, bounded labels).
Every body is compared with the exact payload built from vigil's --json
line of the same alert; routing by priority, rule and tag is checked by
which alerts each receiver got.

usage: check_http.py VIGIL GEN_ALERTS"""
import base64
import json
import re
import sys
import time

from outlib import Ctx, Receiver, check, finish, stats, strip_uuid, UUID_RE

COLORS = {"Emergency": "#e20b0b", "Alert": "#ff5400", "Critical": "#ff5400", "Error": "#e20b0b",
          "Warning": "#ffc700", "Notice": "#5bffb5", "Informational": "#68c2ff", "Debug": "#ccfff2"}


def go_time(t):
    # "2026-01-01T00:00:00.001000000Z" -> "2026-01-01 00:00:00.001 +0000 UTC"
    d, rest = t[:-1].split("T")
    hms, frac = rest.split(".")
    frac = frac.rstrip("0")
    return "%s %s%s +0000 UTC" % (d, hms, "." + frac if frac else "")


def slack_expected(doc, text):
    fields = [("rule", doc["rule"], True), ("priority", doc["priority"], True), ("source", doc["source"], True),
              ("hostname", doc["hostname"], True)]
    if doc["tags"]:
        fields.append(("tags", ", ".join(doc["tags"]), True))
    for k in sorted(doc["output_fields"]):
        v = doc["output_fields"][k]
        if isinstance(v, str):
            fields.append((k, v, len(v) < 36))
    fields.append(("time", go_time(doc["time"]), False))
    att = {"fallback": doc["output"], "color": COLORS[doc["priority"]], "text": doc["output"],
           "fields": [{"title": a, "value": b, "short": c} for a, b, c in fields], "footer": "vigil"}
    return json.dumps({"text": text, "username": "vigil", "channel": "#sec", "attachments": [att]},
                      separators=(",", ":"), ensure_ascii=False)


def main():
    ctx = Ctx(sys.argv)
    try:
        run(ctx)
    finally:
        ctx.cleanup()
    finish()


def run(ctx):
    cap = ctx.capture("http", crit=3, warn=2, note=2)
    exp = ctx.expected(cap)
    exp_text = [l for l in ctx.replay(cap).stdout.splitlines() if l]
    check(len(exp) == 7 and len(exp_text) == 7, "7 alerts in the capture (%d)" % len(exp))
    by_prio = lambda *ps: [e for e in exp if json.loads(e)["priority"] in ps]

    slack_calls = []
    es_calls = {}  # per bulk path: Elasticsearch's and OpenSearch's requests race

    def handle(req):
        p = req["path"]
        if p == "/slack":
            slack_calls.append(time.time())
            if len(slack_calls) == 1:
                return 429, {"Retry-After": "1"}, "rate_limited"
            return 200, {"Content-Type": "text/plain"}, "ok"
        if p.endswith("/_bulk"):
            body = req["body"].decode()
            if not body.endswith("\n"):
                return 400, {}, '{"error":"The bulk request must be terminated by a newline [\\n]"}'
            lines = body.split("\n")[:-1]
            items = []
            es_calls[p] = es_calls.get(p, 0) + 1
            for i in range(0, len(lines), 2):
                st = 201
                if p == "/_bulk" and es_calls[p] == 1 and i == 0:
                    st = 429
                if p == "/os/_bulk" and "/os/" in p and i == 0 and not hasattr(handle, "os_failed"):
                    handle.os_failed = True
                    st = 400
                item = {"status": st}
                if st == 429:
                    item["error"] = {"type": "es_rejected_execution_exception", "reason": "queue full"}
                if st == 400:
                    item["error"] = {"type": "mapper_parsing_exception", "reason": "failed to parse"}
                items.append({"create": item})
            errors = any(i["create"]["status"] >= 300 for i in items)
            return 200, {"Content-Type": "application/json"}, json.dumps({"took": 1, "errors": errors,
                                                                            "items": items})
        if p == "/loki/api/v1/push":
            return 204, {}, ""
        return 200, {"Content-Type": "application/json"}, "{}"

    rx = Receiver(handle)
    base = "http://127.0.0.1:%d" % rx.port
    cfg = ctx.config("http", """
stdout_output:
  enabled: false
http_output:
  enabled: true
  url: %(b)s/falco
outputs:
  hook:
    type: http
    url: %(b)s/hook
    headers:
      X-Test: "yes"
      Authorization: Bearer abc
    minimum_priority: warning
  hookput:
    type: webhook
    url: %(b)s/put
    method: PUT
    rules: ["Notice*"]
  slack:
    url: %(b)s/slack
    tags: [sensitive]
    channel: "#sec"
    message_format: 'Alert: rule *{{ .Rule }}* by {{ index .OutputFields "proc.name" }}'
    retry:
      initial_backoff: 100ms
  es:
    type: elasticsearch
    url: %(b)s/
    api_key: k3y
    exclude_tags: [audit]
    batch: {size: 2, flush_interval: 300ms}
    retry: {initial_backoff: 100ms}
  os:
    type: opensearch
    url: %(b)s/os
    suffix: monthly
    username: u
    password: p
    flatten_fields: true
    minimum_priority: critical
  loki:
    url: %(b)s
    tenant: team-a
    labels: {env: test}
    fields: {cluster: prod}
""" % {"b": base})
    p = ctx.replay(cap, cfg)
    print(p.stderr)
    check(p.returncode == 0, "vigil replay exits 0")

    # Falco's http_output: the text line, text/plain, Falco's user agent
    reqs = [r for r in rx.requests if r["path"] == "/falco"]
    check([r["body"].decode() for r in reqs] == exp_text, "http_output: the 7 text lines, exactly, no newline")
    check(all(r["headers"].get("Content-Type") == "text/plain" for r in reqs), "http_output: Content-Type text/plain")
    check(all(r["headers"].get("User-Agent") == "falcosecurity/falco" for r in reqs), "http_output: Falco's User-Agent")

    # webhook: Falco's JSON + uuid; priority routing (Critical, Warning)
    reqs = [r for r in rx.requests if r["path"] == "/hook"]
    bodies = [r["body"].decode() for r in reqs]
    falco = [strip_uuid(b) for b in bodies]
    check([f for f, _ in falco] == by_prio("Critical", "Warning"),
          "webhook: minimum_priority warning: the 5 Critical/Warning alerts, Falco's JSON exactly")
    check(all(u and UUID_RE.match(u) for _, u in falco), "webhook: each has a UUIDv4")
    check(all(r["headers"].get("X-Test") == "yes" and r["headers"].get("Authorization") == "Bearer abc" for r in reqs),
          "webhook: custom headers")
    check(all(r["headers"].get("Content-Type") == "application/json" and r["method"] == "POST" for r in reqs),
          "webhook: POST application/json")
    uuids = {json.loads(b)["output_fields"]["fd.name"]: json.loads(b)["uuid"] for b in bodies}
    reqs = [r for r in rx.requests if r["path"] == "/put"]
    check([r["method"] for r in reqs] == ["PUT", "PUT"] and
          [strip_uuid(r["body"].decode())[0] for r in reqs] == by_prio("Notice"),
          "webhook: rules ['Notice*']: the 2 Notice alerts, PUT")

    # Slack: falcosidekick's payload, only tag 'sensitive' (Critical), 429 honoured
    bodies = rx.bodies("/slack")
    crit = by_prio("Critical")
    want = [slack_expected(json.loads(e), "Alert: rule *Critical file opened* by cat") for e in crit]
    check(len(bodies) == 4 and bodies[1:] == want and bodies[0] == want[0],
          "slack: tags [sensitive]: 3 alerts, falcosidekick's payload exactly (first one again after the 429)")
    check(len(slack_calls) >= 2 and slack_calls[1] - slack_calls[0] >= 0.95,
          "slack: Retry-After: 1 honoured (%.2fs between the 429 and the retry)" %
          (slack_calls[1] - slack_calls[0] if len(slack_calls) > 1 else -1))
    s = stats(p.stderr, "slack")
    check(s and s["sent"] == 3 and s["retried"] == 1 and s["failed"] == 0, "slack: counters %s" % s)

    # Elasticsearch bulk: exclude_tags [audit] -> 5 docs, daily index from the event date
    reqs = [r for r in rx.requests if r["path"] == "/_bulk"]
    docs = {}
    ok = True
    for r in reqs:
        lines = r["body"].decode().split("\n")
        ok &= r["headers"].get("Authorization") == "ApiKey k3y"
        ok &= r["headers"].get("Content-Type") == "application/x-ndjson"
        for i in range(0, len(lines) - 1, 2):
            ok &= lines[i] == '{"create":{"_index":"falco-2026.01.01"}}'
            d = json.loads(lines[i + 1])
            ok &= lines[i + 1].startswith('{"@timestamp":"%s",' % d["time"])
            falco_doc, u = strip_uuid('{' + lines[i + 1][len('{"@timestamp":"%s",' % d["time"]):])
            docs.setdefault(falco_doc, []).append(u)
    check(ok, "elasticsearch: create actions on falco-2026.01.01, @timestamp first, ApiKey auth, x-ndjson")
    check(sorted(docs) == sorted(by_prio("Critical", "Warning")), "elasticsearch: the 5 Critical/Warning alerts")
    check(max(len(r["body"].decode().split("\n")) // 2 for r in reqs) <= 2, "elasticsearch: batches of at most 2")
    check(sum(len(v) for v in docs.values()) == 6, "elasticsearch: the item answered 429 sent again (6 documents)")
    s = stats(p.stderr, "es")
    check(s and s["sent"] == 5 and s["retried"] == 1 and s["failed"] == 0, "elasticsearch: counters %s" % s)

    # OpenSearch: monthly index, Basic auth, flattened fields, a 400 item failed
    reqs = [r for r in rx.requests if r["path"] == "/os/_bulk"]
    lines = [l for r in reqs for l in r["body"].decode().split("\n") if l]
    check(all(r["headers"].get("Authorization") == "Basic " + base64.b64encode(b"u:p").decode() for r in reqs),
          "opensearch: Basic auth")
    check(lines[0::2] == ['{"create":{"_index":"falco-2026.01"}}'] * 3, "opensearch: 3 Critical, index falco-2026.01")
    check(all("proc_name" in json.loads(l)["output_fields"] and "proc.name" not in json.loads(l)["output_fields"]
              for l in lines[1::2]), "opensearch: flatten_fields turns proc.name into proc_name")
    s = stats(p.stderr, "os")
    check(s and s["sent"] == 2 and s["failed"] == 1, "opensearch: the item answered 400 failed, not retried: %s" % s)

    # Loki: one push per batch, labels bounded, values in order
    reqs = [r for r in rx.requests if r["path"] == "/loki/api/v1/push"]
    vals, ok = [], True
    for r in reqs:
        ok &= r["headers"].get("X-Scope-OrgID") == "team-a"
        body = json.loads(r["body"])
        for st in body["streams"]:
            lab = st["stream"]
            ok &= all(re.match(r"^[a-zA-Z_][a-zA-Z0-9_]*$", k) and isinstance(v, str) for k, v in lab.items())
            ok &= set(lab) <= {"rule", "source", "priority", "hostname", "tags", "env", "cluster"}
            ok &= lab["env"] == "test" and lab["cluster"] == "prod" and lab["hostname"] == "test-host"
            ts = [int(v[0]) for v in st["values"]]
            ok &= ts == sorted(ts)
            vals += [(int(v[0]), v[1], lab["rule"], lab["priority"], lab.get("tags")) for v in st["values"]]
    vals.sort()
    want = []
    for e, t in zip(exp, exp_text):
        d = json.loads(e)
        want.append((d["output_fields"]["evt.time"], t, d["rule"], d["priority"], ",".join(d["tags"])))
    check(ok, "loki: X-Scope-OrgID, label names valid, no uuid/pid labels, static and extra labels, ordered values")
    check(vals == want, "loki: the 7 text lines with their rule/priority/tags labels and event time in ns")
    rx.close()


if __name__ == "__main__":
    main()
