// overview.js -- the Overview page: the architecture drawn live from /api/overview (SSE, else polling).
'use strict';
(function () {
  const { el, clear, num } = qf;

  // The README's architecture, left to right; components are matched by name prefix.
  const COLUMNS = [
    { title: 'Ingest', items: [['c', 'storage'], ['c', 'postgres'], ['c', 'kafka']] },
    { title: 'Queue', items: [['t', 'questions-pending']] },
    { title: 'LLM', items: [['c', 'llm-worker'], ['c', 'llm']] },
    { title: 'LLM results', items: [['t', 'llm-responses-success'], ['t', 'llm-responses-error-overload'],
      ['c', 'retry-overload'], ['t', 'llm-responses-error-quota'], ['c', 'retry-quota']] },
    { title: 'Scoring', items: [['c', 'flink'], ['c', 'scorer']] },
    { title: 'Results', items: [['t', 'validated-responses'], ['t', 'low-quality-responses'], ['t', 'questions-failed']] },
  ];

  function componentsMatching(all, prefix) {
    return all.filter((c) => c.name === prefix || (c.name.startsWith(prefix + '-') && !COLUMNS.some(
      (col) => col.items.some(([k, n]) => k === 'c' && n !== prefix && n.startsWith(prefix) && c.name.startsWith(n)))));
  }

  function componentNode(c, ov) {
    const stats = [];
    if (c.name === 'flink' && ov.flink) {
      stats.push(el('div', { class: 'stat' }, 'job ', el('b', {}, ov.flink.job_state || '–')));
      stats.push(el('div', { class: 'stat' }, 'records in ', el('b', {}, num(ov.flink.records_in)),
        ' out ', el('b', {}, num(ov.flink.records_out))));
    }
    return el('div', { class: 'node ' + c.status, 'data-component': c.name },
      el('div', { class: 'name' }, c.name), el('div', { class: 'stat' }, c.status), stats);
  }

  function topicNode(t) {
    return el('div', { class: 'node topic', 'data-topic': t.topic },
      el('div', { class: 'name' }, el('a', { href: '/topics/' + encodeURIComponent(t.topic) }, t.topic)),
      el('div', { class: 'stat' }, 'in ', el('b', {}, num(t.in_per_s, 1)), '/s · out ', el('b', {}, num(t.out_per_s, 1)), '/s'),
      el('div', { class: 'stat', title: t.lag_group ? 'consumer group ' + t.lag_group : 'no consumer group yet' },
        'lag ', el('b', {}, num(t.lag)), ' · ', num(t.messages), ' msgs'));
  }

  function drawFlow(ov) {
    const flow = clear(qf.$('flow'));
    for (const col of COLUMNS) {
      const box = el('div', { class: 'col' }, el('div', { class: 'title' }, col.title));
      for (const [kind, name] of col.items) {
        if (kind === 't') {
          const t = (ov.topics || []).find((x) => x.topic === name);
          box.appendChild(t ? topicNode(t) : el('div', { class: 'node down' }, el('div', { class: 'name' }, name), el('div', { class: 'stat' }, 'missing')));
        } else {
          for (const c of componentsMatching(ov.components || [], name)) box.appendChild(componentNode(c, ov));
        }
      }
      flow.appendChild(box);
    }
  }

  function card(title, rows) {
    return el('div', { class: 'card' }, el('h2', {}, title),
      el('dl', { class: 'kv' }, rows.map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])));
  }

  function drawCards(ov) {
    const q = ov.questions || {};
    const f = ov.flink || {};
    const inf = ov.in_flight || {};
    const cp = f.last_checkpoint;
    clear(qf.$('cards')).append(
      card('Questions', [['pending', num(q.pending)], ['completed', num(q.completed)], ['failed', num(q.failed)]]),
      card('In flight', [['outbox backlog', num(inf.outbox_backlog)], ['waiting in retry', num(inf.retry_waiting)],
        ['LLM requests', num(inf.llm_requests_in_flight)], ['LLM jobs queued', num(inf.llm_jobs_pending)]]),
      card('Flink ScoreJob', [['state', qf.badge(f.job_state || '–')], ['records in / out', `${num(f.records_in)} / ${num(f.records_out)}`],
        ['last checkpoint', cp ? `#${cp.id} at ${qf.time(cp.completed_at ? new Date(cp.completed_at).toISOString() : null)}` : '–'],
        ['Web UI', el('a', { href: (ov.links || {}).flink_ui || f.web_ui, target: '_blank' }, 'open Flink')],
        ['metrics', el('a', { href: (ov.links || {}).prometheus, target: '_blank' }, 'open Prometheus')]]));
  }

  function drawTables(ov) {
    const tb = clear(qf.$('topics').tBodies[0]);
    // lag: the active consumer group's (largest among active ones), else the one that stopped last
    for (const t of ov.topics || []) {
      tb.appendChild(el('tr', {}, el('td', {}, el('a', { href: '/topics/' + encodeURIComponent(t.topic) }, t.topic)),
        el('td', { class: 'n' }, num(t.in_per_s, 2)), el('td', { class: 'n' }, num(t.out_per_s, 2)),
        el('td', { class: 'n' }, num(t.messages)), el('td', { class: 'n' }, num(t.lag)), el('td', { class: 'muted' }, t.lag_group || '–')));
    }
    const cb = clear(qf.$('components').tBodies[0]);
    for (const c of ov.components || []) {
      const detail = c.detail === undefined || c.detail === null ? '' : typeof c.detail === 'string' ? c.detail : JSON.stringify(c.detail);
      cb.appendChild(el('tr', {}, el('td', {}, c.name), el('td', {}, qf.badge(c.status)), el('td', {}, c.url || ''),
        el('td', { class: 'muted' }, detail)));
    }
    qf.$('stamp').textContent = `sampled at ${qf.time(ov.at)} every ${ov.interval_ms} ms`;
  }

  qf.live((ov) => {
    qf.clearError();
    drawFlow(ov);
    drawCards(ov);
    drawTables(ov);
    document.body.dataset.ready = '1';
  });
})();
