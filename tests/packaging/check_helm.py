#!/usr/bin/env python3
"""check_helm.py - renders the Helm chart deploy/helm/vigil with Go's
text/template and sprig (tools/helm-template, built from Debian's Go
packages), validates the manifests strictly against the Kubernetes schemas
(k8s-validate/validate.mjs, npm packages pinned in its package-lock.json),
and checks what they say: the DaemonSet's privileges and host mounts, the
outputs and custom rules vigil itself accepts, the metrics Service and the
ServiceMonitor. Also: deploy/manifests match the chart, and broken manifests
and missing required values are refused.
usage: check_helm.py SOURCE_DIR BUILD_DIR VIGIL"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

src, build, vigil = sys.argv[1:4]
chart = os.path.join(src, "deploy/helm/vigil")
work = os.path.join(build, "packaging-helm")
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


for tool, pkg in (("go", "golang-go"), ("node", "nodejs"), ("npm", "npm (nodejs)")):
    if not shutil.which(tool):
        skip(f"{tool} is not installed ({pkg})")
gopath = "/usr/share/gocode"
for lib in ("github.com/Masterminds/sprig", "github.com/ghodss/yaml", "github.com/xeipuuv/gojsonschema"):
    if not os.path.isdir(os.path.join(gopath, "src", lib)):
        skip(f"{lib} is not installed (Debian golang-*-dev packages, see the Makefile's DEPS)")
os.makedirs(work, exist_ok=True)

# --- the renderer ---
renderer = os.path.join(work, "helm-template")
env = dict(os.environ, GO111MODULE="off", GOPATH=gopath, GOCACHE=os.path.join(work, "gocache"), GOFLAGS="")
r = run(["go", "build", "-o", renderer, "."], cwd=os.path.join(src, "tools/helm-template"), env=env)
if r.returncode:
    print(r.stderr)
    sys.exit(1)

# --- the validator: npm ci from the lock file, once per lock content ---
vdir = os.path.join(work, "k8s-validate")
lock_src = os.path.join(src, "tests/packaging/k8s-validate/package-lock.json")
stamp = hashlib.sha256(open(lock_src, "rb").read()).hexdigest()
os.makedirs(vdir, exist_ok=True)
for f in ("package.json", "package-lock.json", "validate.mjs"):
    shutil.copy(os.path.join(src, "tests/packaging/k8s-validate", f), vdir)
stamp_file = os.path.join(vdir, "node_modules/.vigil-lock-sha256")
if not os.path.exists(stamp_file) or open(stamp_file).read() != stamp:
    r = run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=vdir)
    if r.returncode:
        skip(f"npm ci could not install the pinned validator packages (registry unreachable?): {r.stderr.strip()[-300:]}")
    open(stamp_file, "w").write(stamp)


def render(*args):
    return run([renderer, *args, chart])


def validate(*files):
    return run(["node", os.path.join(vdir, "validate.mjs"), *files])


def docs_of(text):
    """{(kind, name): document text} of a rendered stream."""
    out = {}
    for d in text.split("\n---\n"):
        k = re.search(r"^kind: (\S+)", d, re.M)
        n = re.search(r"^  name: (\S+)", d, re.M)
        if k and n:
            out[(k.group(1), n.group(1))] = d
    return out


def block(doc, key):
    """The literal block `key: |-` of a ConfigMap/Secret, dedented."""
    m = re.search(r"^  " + re.escape(key) + r": \|-\n((?:    .*\n?|\n)*)", doc, re.M)
    return "\n".join(l[4:] for l in m.group(1).split("\n")) if m else None


tmp = tempfile.mkdtemp(prefix="vigil-helm.")
try:
    # --- default values ---
    r = render("--name", "vigil", "--namespace", "vigil")
    check(r.returncode == 0, f"chart renders with its default values {r.stderr.strip()}")
    default = r.stdout
    dpath = os.path.join(tmp, "default.yaml")
    open(dpath, "w").write(default)
    v = validate(dpath)
    check(v.returncode == 0, f"default render passes schema validation: {v.stdout.strip().splitlines()[-1:]}")
    if v.returncode:
        print(v.stdout)
    d = docs_of(default)
    check(set(d) == {("ConfigMap", "vigil"), ("ConfigMap", "vigil-rules"), ("DaemonSet", "vigil"), ("Secret", "vigil-credentials"),
                     ("Service", "vigil-metrics"), ("ServiceAccount", "vigil")},
          f"default objects: {sorted(d)}")
    ds = d.get(("DaemonSet", "vigil"), "")
    check("hostPID: true" in ds and "privileged: true" in ds, "DaemonSet: hostPID and privileged")
    for path in ("/sys/kernel/btf", "/sys/fs/cgroup", "/etc", "/run/containerd", "/run/crio/crio.sock",
                 "/run/containers/storage", "/var/lib/containers/storage"):
        check(re.search(r"hostPath:\n\s+path: " + re.escape(path) + r"\n", ds) is not None, f"DaemonSet mounts host {path}")
    check("/var/run/docker.sock" not in ds, "docker socket not mounted by default (containerEngines.docker.enabled=false)")
    check(re.search(r"- name: http-metrics\n\s+containerPort: 8765", ds) is not None, "container port http-metrics")
    check("node-role.kubernetes.io/control-plane" in ds, "tolerates control-plane nodes")
    check("ServiceMonitor" not in default, "no ServiceMonitor unless serviceMonitor.enabled")
    svc = d.get(("Service", "vigil-metrics"), "")
    check(re.search(r"- name: http-metrics\n\s+port: 8765\n\s+targetPort: http-metrics", svc) is not None,
          "metrics Service port named http-metrics")

    # --- every option on ---
    r = render("--name", "vigil", "--namespace", "security", "-f", os.path.join(src, "tests/packaging/helm-values-full.yaml"))
    check(r.returncode == 0, f"chart renders with every option on {r.stderr.strip()}")
    full = r.stdout
    fpath = os.path.join(tmp, "full.yaml")
    open(fpath, "w").write(full)
    v = validate(fpath)
    check(v.returncode == 0, f"full render passes schema validation: {v.stdout.strip().splitlines()[-1:]}")
    if v.returncode:
        print(v.stdout)
    f = docs_of(full)
    sm = f.get(("ServiceMonitor", "vigil"), "")
    check("apiVersion: monitoring.coreos.com/v1" in sm and "- port: http-metrics" in sm and "release: prometheus" in sm,
          "ServiceMonitor scrapes http-metrics, with its labels")
    fds = f.get(("DaemonSet", "vigil"), "")
    check("privileged: false" in fds and re.search(r"add:\n(\s+- \w+\n)*\s+- BPF\n", fds) and "- PERFMON" in fds,
          "capabilities mode: not privileged, CAP_BPF and CAP_PERFMON added")
    check("path: /var/run/docker.sock" in fds and "image: \"registry.example.com/vigil:0.1.0-test\"" in fds,
          "docker socket mounted, image from registry/repository:tag")
    conf = block(f.get(("ConfigMap", "vigil"), ""), "vigil.yaml")
    creds = block(f.get(("Secret", "vigil-credentials"), ""), "credentials.yaml")
    rules = block(f.get(("ConfigMap", "vigil-rules"), ""), "local_rules.yaml")
    check(conf is not None and "type: kafka" in conf and "type: elasticsearch" in conf and "type: loki" in conf,
          "vigil.yaml has the kafka, elasticsearch and loki outputs")
    check(conf is not None and "s3cret" not in conf and "lokikey" not in conf, "no credential in the ConfigMap")
    check(creds is not None and "password: s3cret" in creds and "api_key: lokikey" in creds, "credentials in the Secret")
    check(rules is not None and "Chart custom rule" in rules, "custom rules in the rules ConfigMap")

    # vigil itself accepts the rendered configuration (outputs included) and
    # the custom rules; paths of the pod are mapped into a scratch tree
    if conf and creds and rules:
        cdir = os.path.join(tmp, "pod")
        os.makedirs(os.path.join(cdir, "rules.custom.d"))
        open(os.path.join(cdir, "rules.custom.d/local_rules.yaml"), "w").write(rules)
        conf_local = conf.replace("/etc/vigil/rules.d", os.path.join(src, "rules")) \
                         .replace("/etc/vigil/rules.custom.d", os.path.join(cdir, "rules.custom.d")) \
                         .replace("/var/lib/vigil/spool", os.path.join(cdir, "spool"))
        open(os.path.join(cdir, "vigil.yaml"), "w").write(conf_local)
        open(os.path.join(cdir, "credentials.yaml"), "w").write(creds)
        r = run([vigil, "rules", "check", os.path.join(cdir, "rules.custom.d")])
        check(r.returncode == 0, f"vigil rules check accepts the custom rules: {r.stderr.strip()[-200:]}")
        # no rule enabled (-t none): outputs are built and started, nothing is sent
        r = run([vigil, "replay", os.path.join(src, "captures/demo-alpine.scap.gz"), "-c", os.path.join(cdir, "vigil.yaml"),
                 "-c", os.path.join(cdir, "credentials.yaml"), "-t", "no-such-tag"], timeout=120)
        # webserver.* are vigil's HTTP server keys: warned about by builds without it
        warnings = [l for l in r.stderr.splitlines() if ("warning" in l or "error" in l) and "'webserver." not in l]
        check(r.returncode == 0 and not warnings, f"vigil loads the rendered vigil.yaml + credentials.yaml: rc {r.returncode} {warnings[:3]}")
        bad = conf_local.replace("type: kafka", "type: kafak")
        open(os.path.join(cdir, "bad.yaml"), "w").write(bad)
        r = run([vigil, "replay", os.path.join(src, "captures/demo-alpine.scap.gz"), "-c", os.path.join(cdir, "bad.yaml"),
                 "-t", "no-such-tag"], timeout=120)
        check(r.returncode != 0 and "kafak" in r.stderr, "negative: vigil refuses a rendered config with a broken output type")

    check("appArmorProfile:\n                type: Unconfined" in fds or re.search(r"appArmorProfile:\n\s+type: Unconfined", fds) is not None,
          "Kubernetes >= 1.30: AppArmor unconfined through securityContext.appArmorProfile")
    r = render("--kube-version", "v1.28.3", "-f", os.path.join(src, "tests/packaging/helm-values-full.yaml"))
    old = r.stdout
    opath = os.path.join(tmp, "k128.yaml")
    open(opath, "w").write(old)
    v = validate(opath)
    check(r.returncode == 0 and v.returncode == 0 and "appArmorProfile" not in old
          and "container.apparmor.security.beta.kubernetes.io/vigil: unconfined" in old,
          f"Kubernetes 1.28: the AppArmor annotation instead, and the render validates ({v.stdout.strip().splitlines()[-1:]})")

    # --- required values ---
    r = render("--set", "outputs.kafka.enabled=true")
    check(r.returncode != 0 and "outputs.kafka.brokers is required" in r.stderr,
          f"kafka without brokers is refused: {r.stderr.strip()[-120:]}")
    # --- values.schema.json: misspelt or mistyped values are refused ---
    r = render("--set", "outputs.kafak.enabled=true", "--set", "metrics.port=metrics",
               "--set", "podSecurity.privileged=yes", "--set", "serviceMonitor.interval=30")
    for want in ("outputs: Additional property kafak is not allowed", "metrics.port: Invalid type. Expected: integer",
                 "podSecurity.privileged: Invalid type. Expected: boolean", "serviceMonitor.interval: Invalid type"):
        check(r.returncode != 0 and want in r.stderr, f"values schema: {want}")
    r = render("--set", "customRules.notyaml=x")
    check(r.returncode != 0 and "customRules" in r.stderr, f"values schema: a custom rules file must be *.yaml ({r.stderr.strip()[-100:]})")

    # --- the plain manifests are the chart's default render ---
    mdir = os.path.join(src, "deploy/manifests")
    regen = os.path.join(tmp, "manifests-check")
    shutil.copytree(os.path.join(src, "deploy"), regen, ignore=shutil.ignore_patterns("manifests"))
    os.makedirs(os.path.join(regen, "manifests"))
    os.makedirs(os.path.join(tmp, "tools"), exist_ok=True)
    r = run(["sh", os.path.join(regen, "render-manifests.sh"), renderer])
    fresh = sorted(os.listdir(os.path.join(regen, "manifests")))
    check(r.returncode == 0 and fresh == sorted(os.listdir(mdir)), f"deploy/manifests has the files of a fresh render: {fresh}")
    same = all(open(os.path.join(mdir, n)).read() == open(os.path.join(regen, "manifests", n)).read() for n in fresh
               if os.path.exists(os.path.join(mdir, n)))
    check(same, "deploy/manifests match the chart (run deploy/render-manifests.sh after changing it)")
    v = validate(*[os.path.join(mdir, n) for n in sorted(os.listdir(mdir))])
    check(v.returncode == 0, f"deploy/manifests pass schema validation: {v.stdout.strip().splitlines()[-1:]}")

    # --- negative cases: the validator rejects broken manifests ---
    cases = {
        "unknown field": (default.replace("hostPID: true", "hostPid: true"), "unknown field (did you mean 'hostPID'?)"),
        "wrong type": (default.replace("containerPort: 8765", "containerPort: \"8765x\""), "must be integer"),
        "missing required": (re.sub(r"  selector:\n    matchLabels:\n(      .*\n)+(?=  updateStrategy)", "", default, count=1),
                             "must have required property 'selector'"),
        "dangling mount": (default.replace("- name: btf\n          hostPath", "- name: btf-renamed\n          hostPath"),
                           "volumeMount 'btf' names no volume"),
        "service port": (default.replace("targetPort: http-metrics", "targetPort: metrics"), "targetPort 'metrics'"),
    }
    for name, (text, expect) in cases.items():
        p = os.path.join(tmp, f"neg-{name.replace(' ', '-')}.yaml")
        open(p, "w").write(text)
        check(text != default, f"negative case '{name}' changes the manifest")
        v = validate(p)
        check(v.returncode == 1 and expect.replace("'", "") in v.stdout.replace("'", ""),
              f"negative: {name} is rejected ({v.stdout.strip().splitlines()[0] if v.stdout.strip() else v.stderr.strip()[-200:]})")
finally:
    shutil.rmtree(tmp, ignore_errors=True)

print(f"{len(failures)} failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
