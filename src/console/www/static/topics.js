// topics.js -- the Topics page: partitions (leader, watermarks) and each consumer group's committed offset and lag per partition.
'use strict';
(function () {
  const { el, clear, num } = qf;
  let rates = {};

  function partitionTable(t) {
    return el('table', { class: 'partitions' },
      el('thead', {}, el('tr', {}, ['partition', 'leader', 'low', 'high', 'messages'].map((h) => el('th', { class: 'n' }, h)))),
      el('tbody', {}, (t.partitions || []).map((p) => el('tr', {},
        el('td', { class: 'n' }, el('a', { href: `/topics/${encodeURIComponent(t.topic)}?partition=${p.partition}` }, String(p.partition))),
        el('td', { class: 'n' }, num(p.leader)), el('td', { class: 'n' }, num(p.low)), el('td', { class: 'n' }, num(p.high)),
        el('td', { class: 'n' }, num(p.messages))))));
  }

  // One row per consumer group (active ones first), one column per partition: committed offset / lag.
  function groupTable(t) {
    const groups = (t.groups || []).slice().sort((a, b) => (b.active - a.active) || a.group.localeCompare(b.group));
    if (!groups.length) return el('p', { class: 'muted' }, 'no consumer group has committed on this topic');
    return el('table', { class: 'groups' },
      el('thead', {}, el('tr', {}, el('th', {}, 'consumer group'), el('th', {}, 'state'), el('th', { class: 'n' }, 'lag'),
        (t.partitions || []).map((p) => el('th', { class: 'n' }, `p${p.partition} committed / lag`)))),
      el('tbody', {}, groups.map((g) => el('tr', { class: g.active ? null : 'muted', 'data-group': g.group },
        el('td', {}, g.group), el('td', {}, qf.badge(g.state), g.active ? '' : ' idle'), el('td', { class: 'n' }, num(g.lag)),
        (t.partitions || []).map((p) => {
          const gp = (g.partitions || []).find((x) => x.partition === p.partition);
          return el('td', { class: 'n' }, gp ? `${num(gp.committed)} / ${num(gp.lag)}` : '–');
        })))));
  }

  function topicCard(t) {
    const r = rates[t.topic] || {};
    return el('div', { class: 'card', 'data-topic': t.topic },
      el('h2', {}, el('a', { href: '/topics/' + encodeURIComponent(t.topic) }, t.topic),
        el('span', { class: 'muted' }, ` · ${(t.partitions || []).length} partitions · in ${num(r.in_per_s, 1)}/s · out ${num(r.out_per_s, 1)}/s`)),
      partitionTable(t), groupTable(t));
  }

  async function refresh() {
    try {
      const topics = await qf.getJSON('/api/topics');
      qf.clearError();
      clear(qf.$('list')).append(...topics.map(topicCard));
      document.body.dataset.ready = '1';
    } catch (e) { qf.error('topics', e); }
  }

  qf.live((ov) => {
    rates = {};
    for (const t of ov.topics || []) rates[t.topic] = t;
    refresh();
  });
})();
