#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_config.py - bad output configuration is refused at start, each
problem at its file:line:col (unknown keys with a suggestion, bad URLs,
unreadable certificates, bad values, unknown types, librdkafka options),
-o outputs.NAME.KEY=VALUE overrides a key, and a falco.yaml with Falco's
output sections still loads.

usage: check_config.py VIGIL GEN_ALERTS"""
import os
import re
import sys

from outlib import Ctx, check, finish

BAD = """outputs:
  hook:
    type: http
    url: http://127.0.0.1:1/
    minimum_priorty: warning
  badurl:
    type: webhook
    url: "htp//nohost"
  cert:
    type: http
    url: https://127.0.0.1:1/
    ca_cert: %(dir)s
  nocert:
    type: elasticsearch
    url: https://127.0.0.1:1/
    client_cert: /nonexistent/client.pem
  dur:
    type: redis
    address: 127.0.0.1:6379
    timeout: soon
  what:
    type: rabbitmq
  k:
    type: kafka
    brokers: [127.0.0.1:9092]
    options:
      no.such.property: 1
"""


def main():
    ctx = Ctx(sys.argv)
    try:
        cap = ctx.capture("cfg", crit=1, warn=1)
        cfg = ctx.config("bad", BAD % {"dir": ctx.tmp})
        p = ctx.replay(cap, cfg, check_rc=False)
        print(p.stderr)
        check(p.returncode != 0 and not p.stdout.strip(), "a bad configuration is refused before any alert (exit %d)"
              % p.returncode)
        want = [
            (5, 5, "unknown key 'minimum_priorty' for a http output (did you mean 'minimum_priority'?)"),
            (8, 5, "url: 'htp//nohost' is not a valid URL"),
            (12, 5, "ca_cert: cannot read %s: Is a directory" % ctx.tmp),
            (16, 5, "client_cert: cannot read /nonexistent/client.pem: No such file or directory"),
            (20, 5, "timeout: 'soon' is not a duration"),
            (22, 5, "outputs.what: unknown type 'rabbitmq'"),
            (27, 7, "librdkafka: No such configuration property: \"no.such.property\""),
        ]
        for line, col, msg in want:
            pat = "%s:%d:%d: error: " % (cfg, line, col)
            hit = [l for l in p.stderr.splitlines() if l.startswith(pat) and msg in l]
            check(bool(hit), "%s%s" % (pat, msg))
        check(re.search(r"\n +minimum_priorty: warning\n +\^", p.stderr) is not None, "the source line and a caret")
        typo = ctx.config("typo", "json_output: true\nstdout_outptu:\n  enabled: true\n")
        p = ctx.replay(cap, typo, check_rc=False)
        check(p.returncode != 0 and "%s:2:1: error: unknown configuration key 'stdout_outptu' (did you mean "
              "'stdout_output'?)" % typo in p.stderr, "an unknown top-level key is refused at 2:1, with a suggestion")

        good = ctx.config("good", """
json_output: true
stdout_output:
  enabled: true
outputs:
  f:
    type: file
    path: %s
    minimum_priority: critical
""" % os.path.join(ctx.tmp, "f.txt"))
        p = ctx.replay(cap, good, args=["-o", "outputs.f.minimum_priority=warning"])
        lines = open(os.path.join(ctx.tmp, "f.txt")).read().splitlines()
        check(p.returncode == 0 and len(lines) == 2, "-o outputs.f.minimum_priority=warning overrides the file (%d)"
              % len(lines))
        p = ctx.replay(cap, good, args=["-o", "outputs.f.timeout=abc"], check_rc=False)
        check(p.returncode != 0 and "-o outputs.f.timeout: timeout: 'abc' is not a duration" in p.stderr,
              "a bad -o value is refused, naming the option")
        p = ctx.replay(cap, good, args=["-o", "outputs.f.frobnicate=1"], check_rc=False)
        check(p.returncode != 0 and "unknown key 'frobnicate'" in p.stderr, "an unknown -o key is refused")

        falco = ctx.config("falco", """
json_output: false
buffered_outputs: false
outputs_queue:
  capacity: 0
output_timeout: 2000
outputs:
  rate: 1
  max_burst: 1000
stdout_output:
  enabled: true
syslog_output:
  enabled: false
file_output:
  enabled: true
  keep_alive: false
  filename: %s
program_output:
  enabled: false
  keep_alive: false
  program: "jq '{text: .output}' | curl -d @- -X POST https://hooks.slack.com/services/XXX"
http_output:
  enabled: false
  url: ""
  user_agent: "falcosecurity/falco"
  insecure: false
  ca_cert: ""
  ca_bundle: ""
  ca_path: "/etc/ssl/certs"
  mtls: false
  client_cert: "/etc/ssl/certs/client.crt"
  client_key: "/etc/ssl/certs/client.key"
  echo: false
  compress_uploads: false
  keep_alive: false
""" % os.path.join(ctx.tmp, "events.txt"))
        p = ctx.replay(cap, falco)
        ev = open(os.path.join(ctx.tmp, "events.txt")).read().splitlines()
        check(p.returncode == 0 and ev == [l for l in p.stdout.splitlines() if l],
              "Falco's output sections load as they are: file_output gets the stdout lines")
    finally:
        ctx.cleanup()
    finish()


if __name__ == "__main__":
    main()
