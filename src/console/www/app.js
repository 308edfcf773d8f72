// app.js - the alert console's page logic (no framework): the filter state
// lives in the URL's hash (a deep link reproduces the view), the table and
// the charts come from /api/alerts and /api/stats, new alerts arrive over
// /api/stream (Server-Sent Events) and join the table when they match.
'use strict';

const FILTERS = ['priority', 'rule', 'tag', 'source', 'container', 'image', 'ns', 'pod', 'q', 'since', 'until'];
const PRIO_COLORS = {
  Emergency: '#7a0019', Alert: '#a3001b', Critical: '#d7263d', Error: '#f46036', Warning: '#f4a236',
  Notice: '#2e86ab', Informational: '#5c9ead', Debug: '#8d99ae',
};
const PAGE = 100;

const $ = (sel) => document.querySelector(sel);
const form = $('#filters');
const tbody = $('#alerts tbody');
let state = {};        // filter name -> value
let cursor = null;     // next page of the current list
let shown = new Set(); // alert ids in the table
let rules = new Map(); // rule name -> {desc, tags, priority}
let statsTimer = null;
let stream = null;     // the EventSource, opened after the first list

// ===== URL <-> state =====

function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  const s = {};
  for (const k of FILTERS) if (p.get(k)) s[k] = p.get(k);
  return s;
}

function hashOf(s) {
  const p = new URLSearchParams();
  for (const k of FILTERS) if (s[k]) p.set(k, s[k]);
  return '#' + p.toString();
}

// datetime-local (local time) <-> RFC 3339 UTC, as the API takes
function toLocalInput(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return '';
  const off = d.getTimezoneOffset() * 60000;
  return new Date(d - off).toISOString().slice(0, 19);
}

function fromLocalInput(v) {
  if (!v) return '';
  const d = new Date(v);
  return isNaN(d) ? '' : d.toISOString().replace('.000Z', 'Z');
}

function stateToForm() {
  for (const k of FILTERS) {
    const el = form.elements[k];
    const v = state[k] || '';
    el.value = (k === 'since' || k === 'until') ? toLocalInput(v) : v;
  }
  $('#permalink').href = location.pathname + hashOf(state);
}

function formToState() {
  const s = {};
  for (const k of FILTERS) {
    let v = form.elements[k].value.trim();
    if (k === 'since' || k === 'until') v = fromLocalInput(v);
    if (v) s[k] = v;
  }
  return s;
}

function apiQuery(extra) {
  const p = new URLSearchParams();
  for (const k of FILTERS) if (state[k]) p.set(k, state[k]);
  for (const [k, v] of Object.entries(extra || {})) p.set(k, v);
  return p.toString();
}

// ===== Fetching =====

async function getJSON(url) {
  const r = await fetch(url, { headers: { Accept: 'application/json' } });
  const body = await r.json().catch(() => ({ error: 'HTTP ' + r.status }));
  if (!r.ok) throw new Error(body.error || ('HTTP ' + r.status));
  return body;
}

function showError(msg) {
  const e = $('#error');
  e.textContent = msg || '';
  e.hidden = !msg;
}

async function loadList(more) {
  const extra = { limit: PAGE };
  if (more && cursor) extra.cursor = cursor;
  try {
    const res = await getJSON('/api/alerts?' + apiQuery(extra));
    if (!more) {
      tbody.textContent = '';
      shown.clear();
    }
    for (const a of res.alerts) tbody.appendChild(row(a));
    cursor = res.next_cursor;
    $('#more').hidden = !cursor;
    $('#total').textContent = res.total + (res.total_capped ? '+' : '') + ' alert' + (res.total === 1 ? '' : 's');
    $('#total').dataset.total = res.total;
    document.body.dataset.loaded = '1';
    if (!stream) connect(res.last_id);
    showError('');
  } catch (e) {
    showError(e.message);
  }
}

async function loadStats() {
  try {
    const s = await getJSON('/api/stats?' + apiQuery());
    drawTime($('#chart-time'), s);
    drawBars($('#chart-rules'), s.top_rules.map((r) => [r.name, r.count]), 'rule');
    drawBars($('#chart-containers'), s.top_containers.map((r) => [r.name, r.count]), 'container');
    drawBars($('#chart-namespaces'), s.top_namespaces.map((r) => [r.name, r.count]), 'ns');
    drawBars($('#chart-mitre'), s.mitre.map((r) => [r.tactic, r.count]), 'tag');
    fillList('#ns-list', s.top_namespaces.map((r) => r.name));
  } catch (e) {
    showError(e.message);
  }
}

async function loadRules() {
  try {
    const res = await getJSON('/api/rules');
    const tags = new Set();
    for (const r of res.rules) {
      rules.set(r.name, r);
      for (const t of r.tags) tags.add(t);
    }
    fillList('#rules-list', [...rules.keys()]);
    fillList('#tags-list', [...tags].sort());
  } catch (e) { /* no rules stored: the lists stay empty */ }
}

function fillList(sel, values) {
  const dl = $(sel);
  dl.textContent = '';
  for (const v of values) {
    const o = document.createElement('option');
    o.value = v;
    dl.appendChild(o);
  }
}

// ===== Table and details =====

function cell(tr, text, cls) {
  const td = document.createElement('td');
  td.textContent = text == null ? '' : text;
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}

function row(a) {
  const tr = document.createElement('tr');
  tr.className = 'alert-row';
  tr.dataset.id = a.id;
  tr.dataset.rule = a.rule;
  tr.dataset.ns = a.k8s_ns || '';
  cell(tr, a.time.replace('T', ' ').replace('Z', ''), 'time');
  const p = cell(tr, a.priority, 'prio');
  p.style.setProperty('--c', PRIO_COLORS[a.priority] || '#888');
  cell(tr, a.rule);
  cell(tr, a.container_name && a.container_name !== 'host' ? a.container_name : (a.container_id || ''));
  cell(tr, a.k8s_ns ? a.k8s_ns + '/' + (a.k8s_pod || '') : '');
  cell(tr, a.output, 'output');
  tr.addEventListener('click', () => showDetails(a.id));
  shown.add(a.id);
  return tr;
}

async function showDetails(id) {
  try {
    const d = await getJSON('/api/alerts/' + encodeURIComponent(id));
    const a = d.alert, ev = d.event || {};
    for (const tr of tbody.querySelectorAll('tr.selected')) tr.classList.remove('selected');
    const tr = tbody.querySelector('tr[data-id="' + a.id + '"]');
    if (tr) tr.classList.add('selected');
    $('#d-rule').textContent = a.rule;
    $('#d-meta').textContent = a.priority + ' · ' + a.time + ' · ' + (a.source || '') + ' · ' + (a.hostname || '');
    $('#d-desc').textContent = d.rule ? d.rule.desc : '(rule not in the loaded ruleset)';
    $('#d-tags').textContent = '';
    for (const t of a.tags) {
      const b = document.createElement('a');
      b.className = 'tag';
      b.textContent = t;
      b.href = location.pathname + hashOf({ ...state, tag: t });
      $('#d-tags').appendChild(b);
    }
    $('#d-output').textContent = a.output || '';
    const fb = $('#d-fields tbody');
    fb.textContent = '';
    for (const [k, v] of Object.entries(ev.output_fields || {})) {
      const r = document.createElement('tr');
      cell(r, k, 'key');
      cell(r, v === null ? '<NA>' : String(v));
      fb.appendChild(r);
    }
    $('#d-json').textContent = JSON.stringify(ev, null, 2);
    $('#details').hidden = false;
    $('#details').dataset.id = a.id;
  } catch (e) {
    showError(e.message);
  }
}

// ===== Live stream =====

// The API's filters, applied to one new alert.
function matches(a) {
  const s = state;
  if (s.priority && s.priority.toLowerCase() !== a.priority.toLowerCase()) return false;
  if (s.rule && s.rule !== a.rule) return false;
  if (s.tag && !a.tags.includes(s.tag)) return false;
  if (s.source && s.source !== a.source) return false;
  if (s.container && s.container !== a.container_id && s.container !== a.container_name) return false;
  if (s.image && s.image !== a.image && s.image !== a.image_repo) return false;
  if (s.ns && s.ns !== a.k8s_ns) return false;
  if (s.pod && s.pod !== a.k8s_pod) return false;
  if (s.q && !(a.output || '').toLowerCase().includes(s.q.toLowerCase())) return false;
  const ms = a.ts / 1e6;
  if (s.since && ms < Date.parse(s.since)) return false;
  if (s.until && ms >= Date.parse(s.until)) return false;
  return true;
}

// The stream starts after the newest alert the first list saw (none falls
// in between); a reconnect resumes from the last event (Last-Event-ID).
function connect(after) {
  const es = stream = new EventSource('/api/stream?after=' + encodeURIComponent(after || 0));
  const live = $('#live');
  es.onopen = () => { live.dataset.state = 'open'; live.textContent = 'live'; };
  es.onerror = () => { live.dataset.state = 'reconnecting'; live.textContent = 'reconnecting'; };
  es.addEventListener('alert', (ev) => {
    const a = JSON.parse(ev.data);
    if (shown.has(a.id) || !matches(a)) return;
    const tr = row(a);
    tr.classList.add('new');
    tr.dataset.arrived = String(Date.now());
    tbody.insertBefore(tr, tbody.firstChild);
    const t = $('#total');
    t.dataset.total = String(Number(t.dataset.total || 0) + 1);
    t.textContent = t.dataset.total + ' alerts';
    clearTimeout(statsTimer);
    statsTimer = setTimeout(loadStats, 1000);
  });
}

// ===== Charts (SVG) =====

const SVGNS = 'http://www.w3.org/2000/svg';

function el(name, attrs, text) {
  const e = document.createElementNS(SVGNS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}

function drawTime(svg, s) {
  svg.textContent = '';
  const W = 600, H = 160, L = 40, B = 20;
  const buckets = new Map();
  for (const [t, prio, c] of s.series) {
    if (!buckets.has(t)) buckets.set(t, {});
    buckets.get(t)[prio] = c;
  }
  if (!buckets.size) {
    svg.appendChild(el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'empty' }, 'no alerts'));
    return;
  }
  const step = s.bucket_ns, t0 = Math.floor(s.from / step) * step;
  const n = Math.max(1, Math.floor((s.to - t0) / step) + 1);
  let max = 1;
  for (const v of buckets.values()) max = Math.max(max, Object.values(v).reduce((x, y) => x + y, 0));
  const bw = (W - L) / n;
  for (const [t, v] of buckets) {
    const x = L + ((t - t0) / step) * bw;
    let y = H - B;
    for (const prio of Object.keys(PRIO_COLORS)) {
      if (!v[prio]) continue;
      const h = (v[prio] / max) * (H - B - 10);
      y -= h;
      const r = el('rect', { x: x + 0.5, y, width: Math.max(1, bw - 1), height: h, fill: PRIO_COLORS[prio] });
      r.appendChild(el('title', {}, new Date(t / 1e6).toISOString() + ' ' + prio + ': ' + v[prio]));
      svg.appendChild(r);
    }
  }
  svg.appendChild(el('text', { x: L - 4, y: 14, 'text-anchor': 'end' }, String(max)));
  svg.appendChild(el('text', { x: L - 4, y: H - B, 'text-anchor': 'end' }, '0'));
  svg.appendChild(el('text', { x: L, y: H - 4 }, new Date(t0 / 1e6).toISOString().replace('.000Z', 'Z')));
  svg.appendChild(el('text', { x: W, y: H - 4, 'text-anchor': 'end' },
                     new Date(s.to / 1e6).toISOString().replace('.000Z', 'Z')));
  let lx = L + 4;
  for (const p of s.priorities) {
    svg.appendChild(el('rect', { x: lx, y: 2, width: 8, height: 8, fill: PRIO_COLORS[p.name] || '#888' }));
    svg.appendChild(el('text', { x: lx + 11, y: 10, class: 'legend' }, p.name + ' ' + p.count));
    lx += 16 + (p.name.length + String(p.count).length + 1) * 6;
  }
}

// Horizontal bars; clicking one filters on it.
function drawBars(svg, items, key) {
  svg.textContent = '';
  const W = 300, rowH = 16;
  if (!items.length) {
    svg.appendChild(el('text', { x: W / 2, y: 80, 'text-anchor': 'middle', class: 'empty' }, 'none'));
    return;
  }
  const max = Math.max(...items.map((i) => i[1]));
  items.slice(0, 10).forEach(([name, count], i) => {
    const g = el('g', { class: 'bar', 'data-name': name });
    const w = Math.max(2, (count / max) * (W - 180));
    g.appendChild(el('rect', { x: 140, y: i * rowH + 2, width: w, height: rowH - 4 }));
    g.appendChild(el('text', { x: 136, y: i * rowH + 12, 'text-anchor': 'end' },
                     name.length > 22 ? name.slice(0, 21) + '…' : name));
    g.appendChild(el('text', { x: 144 + w, y: i * rowH + 12 }, String(count)));
    g.appendChild(el('title', {}, name + ': ' + count));
    g.addEventListener('click', () => { location.hash = hashOf({ ...state, [key]: name }); });
    svg.appendChild(g);
  });
}

// ===== Wiring =====

function apply() {
  state = readHash();
  stateToForm();
  cursor = null;
  loadList(false);
  loadStats();
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const h = hashOf(formToState());
  if (h === location.hash || (h === '#' && !location.hash)) apply();
  else location.hash = h;
});
$('#clear').addEventListener('click', () => { location.hash = ''; });
$('#more').addEventListener('click', () => loadList(true));
$('#close-details').addEventListener('click', () => { $('#details').hidden = true; });
window.addEventListener('hashchange', apply);

loadRules();
apply();
