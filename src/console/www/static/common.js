// common.js -- shared by every console page: safe DOM building (text only, never HTML), JSON fetches, navigation, live overview.
'use strict';

const qf = {};

// el('td', {class: 'x'}, 'text', childNode, ...): every string becomes a text node, so user text and
// message contents are never parsed as HTML.
qf.el = function (tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'href') e.setAttribute('href', qf.safeHref(String(v)));
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined) continue;
    e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
};

// Only same-site paths and http(s) URLs are linked; anything else (javascript:, data:) becomes '#'.
qf.safeHref = function (h) {
  return /^(\/(?!\/)|https?:\/\/)/.test(h) ? h : '#';
};

qf.clear = function (node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
};

qf.$ = (id) => document.getElementById(id);

qf.getJSON = async function (url, opts) {
  const r = await fetch(url, Object.assign({ headers: { Accept: 'application/json' } }, opts || {}));
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  if (!r.ok) {
    const msg = body && body.error ? body.error : `HTTP ${r.status}`;
    const err = new Error(msg);
    err.status = r.status;
    throw err;
  }
  return body;
};

qf.num = function (v, digits) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (typeof v !== 'number') v = Number(v);
  return digits === undefined ? v.toLocaleString('en-US') : v.toFixed(digits);
};

qf.time = function (iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toISOString().replace('T', ' ').replace('Z', '');
};

qf.ms = function (v) {
  if (v === null || v === undefined) return '–';
  v = Number(v);
  return v >= 10000 ? (v / 1000).toFixed(1) + ' s' : v.toFixed(0) + ' ms';
};

qf.badge = function (status) {
  return qf.el('span', { class: 'badge ' + String(status).toLowerCase() }, status);
};

qf.error = function (where, err) {
  const box = qf.$('error');
  if (!box) return;
  qf.clear(box).appendChild(document.createTextNode(`${where}: ${err.message || err}`));
  box.hidden = false;
};
qf.clearError = function () {
  const box = qf.$('error');
  if (box) box.hidden = true;
};

// The navigation bar, the same on every page.
qf.nav = function (active) {
  const links = [['/', 'Overview'], ['/topics', 'Topics'], ['/questions', 'Questions'],
                 ['/analysis', 'Analysis'], ['/ask', 'Ask']];
  const nav = qf.el('nav', {},
    qf.el('a', { href: '/', class: 'brand' }, 'qaflow'),
    links.map(([href, text]) => qf.el('a', { href, class: href === active ? 'active' : null }, text)),
    qf.el('span', { class: 'live', id: 'live' }, ''));
  document.body.insertBefore(nav, document.body.firstChild);
};

qf.setLive = function (text, ok) {
  const l = qf.$('live');
  if (!l) return;
  l.textContent = text;
  l.className = 'live ' + (ok ? 'ok' : 'stale');
};

// Live overview: Server-Sent Events on /api/events; when they fail, polling /api/overview.
qf.live = function (onOverview) {
  let pollTimer = null;
  const poll = async () => {
    try {
      onOverview(await qf.getJSON('/api/overview'));
      qf.setLive('polling', true);
    } catch (e) {
      qf.setLive('offline', false);
    }
  };
  const startPolling = () => {
    if (pollTimer) return;
    qf.setLive('polling', true);
    poll();
    pollTimer = setInterval(poll, 3000);
  };
  if (!window.EventSource) { startPolling(); return; }
  const es = new EventSource('/api/events');
  let failures = 0;
  es.addEventListener('overview', (ev) => {
    failures = 0;
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
    qf.setLive('live', true);
    onOverview(JSON.parse(ev.data));
  });
  es.onerror = () => {
    failures++;
    if (failures >= 3) { es.close(); startPolling(); }
    else qf.setLive('reconnecting', false);
  };
};

window.qf = qf;

qf.nav(document.body.dataset.nav);
