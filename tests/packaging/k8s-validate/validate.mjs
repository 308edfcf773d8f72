// validate.mjs - checks Kubernetes manifests (multi-document YAML files) as
// kubeconform -strict would, offline, with schemas from npm packages pinned
// in package-lock.json:
//  1. each document against the JSON schema of its apiVersion/kind, generated
//     from the Kubernetes OpenAPI (kubernetes-models; the prometheus-operator
//     CRDs for ServiceMonitor): required fields, types, formats, enums;
//  2. strictly: every field must be one the API knows (the attribute maps of
//     @kubernetes/client-node's models, also generated from the OpenAPI), so a
//     misspelt key is an error instead of being dropped by the API server;
//  3. the references inside a workload the API server or the kubelet resolve:
//     the selector matches the pod labels, every volumeMount names a volume,
//     port names are valid and a Service's named targetPort exists.
// usage: node validate.mjs FILE...   (exit 1 if any document fails)
import fs from "node:fs";
import yaml from "js-yaml";
import * as k8s from "@kubernetes/client-node";

const failures = [];
let checked = 0;
const fail = (where, msg) => failures.push(`${where}: ${msg}`);

async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const path = group === "monitoring.coreos.com"
    ? `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`
    : group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
  try {
    return (await import(path))[kind];
  } catch {
    return null;
  }
}

// client-node's model of a top-level kind: V1DaemonSet, V1Service...
function clientModel(apiVersion, kind) {
  const version = apiVersion.split("/").pop();
  const cls = k8s[version.charAt(0).toUpperCase() + version.slice(1) + kind];
  return cls && cls.getAttributeTypeMap ? `${version.charAt(0).toUpperCase() + version.slice(1)}${kind}` : null;
}

// Walk `v` against client-node's type `type`; report unknown fields.
function strict(v, type, path, where) {
  if (v === null || v === undefined) return;
  let m;
  if ((m = /^Array<(.+)>$/.exec(type))) {
    if (Array.isArray(v)) v.forEach((e, i) => strict(e, m[1], `${path}[${i}]`, where));
    return;
  }
  if ((m = /^\{ \[key: string\]: (.+); \}$/.exec(type))) {
    if (typeof v === "object" && !Array.isArray(v)) for (const [k, e] of Object.entries(v)) strict(e, m[1], `${path}.${k}`, where);
    return;
  }
  const cls = k8s[type];
  if (!cls || !cls.getAttributeTypeMap || typeof v !== "object" || Array.isArray(v)) return;
  const attrs = cls.getAttributeTypeMap();
  const known = new Map(attrs.map((a) => [a.baseName, a.type]));
  for (const [k, e] of Object.entries(v)) {
    if (!known.has(k)) {
      const near = [...known.keys()].find((n) => n.toLowerCase() === k.toLowerCase());
      fail(where, `${path}.${k}: unknown field${near ? ` (did you mean '${near}'?)` : ""}`);
    } else strict(e, known.get(k), `${path}.${k}`, where);
  }
}

const IANA_SVC_NAME = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/;

function podChecks(doc, where) {
  const tpl = doc.spec?.template;
  const sel = doc.spec?.selector?.matchLabels ?? {};
  const labels = tpl?.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(sel))
    if (labels[k] !== v) fail(where, `spec.selector.matchLabels.${k}=${v} does not match the pod template's labels`);
  const pod = tpl?.spec ?? {};
  const volumes = new Set((pod.volumes ?? []).map((v) => v.name));
  const containers = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
  for (const c of containers) {
    for (const vm of c.volumeMounts ?? [])
      if (!volumes.has(vm.name)) fail(where, `container ${c.name}: volumeMount '${vm.name}' names no volume`);
    const ports = new Set();
    for (const p of c.ports ?? []) {
      if (p.name !== undefined && !IANA_SVC_NAME.test(p.name)) fail(where, `container ${c.name}: port name '${p.name}' is not a valid port name`);
      ports.add(p.name);
    }
    for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
      const port = c[probe]?.httpGet?.port;
      if (typeof port === "string" && !ports.has(port)) fail(where, `container ${c.name}: ${probe} port '${port}' is not a container port`);
    }
  }
  const mounted = new Set(containers.flatMap((c) => (c.volumeMounts ?? []).map((v) => v.name)));
  for (const v of volumes) if (!mounted.has(v)) fail(where, `volume '${v}' is mounted by no container`);
  return containers.flatMap((c) => (c.ports ?? []).map((p) => p.name));
}

const docs = [];
for (const file of process.argv.slice(2)) {
  let parsed;
  try {
    parsed = yaml.loadAll(fs.readFileSync(file, "utf8"));
  } catch (e) {
    fail(file, `invalid YAML: ${e.message}`);
    continue;
  }
  parsed.forEach((doc, i) => { if (doc !== null && doc !== undefined) docs.push({ doc, where: `${file}#${i + 1}` }); });
}

const podPorts = new Map(); // workload selector labels -> named container ports
for (const { doc, where: w } of docs) {
  const where = `${w} ${doc?.kind ?? "?"}/${doc?.metadata?.name ?? "?"}`;
  if (typeof doc !== "object" || !doc.apiVersion || !doc.kind) {
    fail(where, "not a Kubernetes object (apiVersion and kind are required)");
    continue;
  }
  checked++;
  const Model = await modelFor(doc.apiVersion, doc.kind);
  if (!Model) {
    fail(where, `no schema for ${doc.apiVersion} ${doc.kind}`);
    continue;
  }
  try {
    new Model(doc).validate();
  } catch (e) {
    fail(where, `schema: ${e.message}`);
  }
  if (!doc.metadata?.name) fail(where, "metadata.name is required");
  const cm = clientModel(doc.apiVersion, doc.kind);
  if (cm) strict(doc, cm, doc.kind, where);
  if (doc.spec?.template?.spec) podPorts.set(doc, { labels: doc.spec.template.metadata?.labels ?? {}, ports: podChecks(doc, where) });
}
// Services: a named targetPort must be a port of the pods they select;
// ServiceMonitors: the endpoint port must be a named port of a selected Service
const services = docs.filter((d) => d.doc?.kind === "Service").map((d) => d.doc);
for (const svc of services) {
  const sel = svc.spec?.selector ?? {};
  const pods = [...podPorts.values()].filter((p) => Object.entries(sel).every(([k, v]) => p.labels[k] === v));
  if (Object.keys(sel).length && !pods.length) fail(`Service/${svc.metadata.name}`, "its selector matches no workload in these manifests");
  for (const p of svc.spec?.ports ?? [])
    if (typeof p.targetPort === "string" && !pods.some((w) => w.ports.includes(p.targetPort)))
      fail(`Service/${svc.metadata.name}`, `targetPort '${p.targetPort}' is no named port of the selected pods`);
}
for (const { doc } of docs.filter((d) => d.doc?.kind === "ServiceMonitor")) {
  const sel = doc.spec?.selector?.matchLabels ?? {};
  const match = services.filter((s) => Object.entries(sel).every(([k, v]) => s.metadata?.labels?.[k] === v));
  if (!match.length) fail(`ServiceMonitor/${doc.metadata.name}`, "its selector matches no Service");
  for (const ep of doc.spec?.endpoints ?? [])
    if (ep.port && !match.some((s) => (s.spec?.ports ?? []).some((p) => p.name === ep.port)))
      fail(`ServiceMonitor/${doc.metadata.name}`, `endpoint port '${ep.port}' is no port name of the selected Services`);
}

for (const f of failures) console.log(`FAIL ${f}`);
console.log(`${checked} documents checked, ${failures.length} problems`);
process.exit(failures.length || !checked ? 1 : 0);
