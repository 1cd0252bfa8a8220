// topic.js -- one topic's last messages (key, timestamp, headers, value as pretty JSON), by partition, filtered by key.
'use strict';
(function () {
  const { el, clear } = qf;
  const topic = decodeURIComponent(location.pathname.replace(/^\/topics\//, ''));
  const params = new URLSearchParams(location.search);
  qf.$('title').textContent = topic;
  document.title = 'qaflow · ' + topic;
  qf.$('limit').value = params.get('limit') || '50';
  qf.$('key').value = params.get('key') || '';

  function pretty(v) {
    return typeof v === 'string' ? v : JSON.stringify(v, null, 2);
  }

  async function partitions() {
    const topics = await qf.getJSON('/api/topics');
    const t = topics.find((x) => x.topic === topic);
    const sel = qf.$('partition');
    for (const p of (t ? t.partitions : [])) sel.appendChild(el('option', { value: p.partition }, String(p.partition)));
    sel.value = params.get('partition') || '';
  }

  async function load() {
    const q = new URLSearchParams();
    if (qf.$('partition').value !== '') q.set('partition', qf.$('partition').value);
    q.set('limit', qf.$('limit').value || '50');
    if (qf.$('key').value.trim()) q.set('key', qf.$('key').value.trim());
    history.replaceState(null, '', `${location.pathname}?${q}`);
    const tb = clear(qf.$('messages').tBodies[0]);
    try {
      const msgs = await qf.getJSON(`/api/topics/${encodeURIComponent(topic)}/messages?${q}`);
      qf.clearError();
      for (const m of msgs) {
        const key = m.key === null ? '' : m.key;
        tb.appendChild(el('tr', {}, el('td', { class: 'n' }, String(m.partition)), el('td', { class: 'n' }, String(m.offset)),
          el('td', {}, key ? el('a', { href: '/questions/' + encodeURIComponent(key) }, key) : '–'),
          el('td', {}, qf.time(m.timestamp)),
          el('td', {}, Object.keys(m.headers || {}).length ? el('pre', {}, pretty(m.headers)) : '–'),
          el('td', {}, el('pre', {}, pretty(m.value)))));
      }
      qf.$('count').textContent = `${msgs.length} message(s), newest first`;
      document.body.dataset.ready = '1';
    } catch (e) { qf.error('messages', e); }
  }

  qf.$('filter').addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  partitions().catch((e) => qf.error('topics', e)).then(load);
  qf.setLive('on demand', true);
})();
