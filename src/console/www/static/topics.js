// topics.js -- the Topics page: partitions (leader, watermarks) and each consumer group's committed offset and lag per partition.
'use strict';
(function () {
  const { el, clear, num } = qf;
  let rates = {};

  function topicCard(t) {
    const r = rates[t.topic] || {};
    const parts = el('table', { class: 'partitions' },
      el('thead', {}, el('tr', {}, el('th', { class: 'n' }, 'partition'), el('th', { class: 'n' }, 'leader'),
        el('th', { class: 'n' }, 'low'), el('th', { class: 'n' }, 'high'), el('th', { class: 'n' }, 'messages'),
        (t.groups || []).map((g) => el('th', { class: 'n' }, `${g.group} committed / lag`)))),
      el('tbody', {}, (t.partitions || []).map((p) => el('tr', {},
        el('td', { class: 'n' }, el('a', { href: `/topics/${encodeURIComponent(t.topic)}?partition=${p.partition}` }, String(p.partition))),
        el('td', { class: 'n' }, num(p.leader)), el('td', { class: 'n' }, num(p.low)), el('td', { class: 'n' }, num(p.high)),
        el('td', { class: 'n' }, num(p.messages)),
        (t.groups || []).map((g) => {
          const gp = (g.partitions || []).find((x) => x.partition === p.partition);
          return el('td', { class: 'n' }, gp ? `${num(gp.committed)} / ${num(gp.lag)}` : '–');
        })))));
    return el('div', { class: 'card', 'data-topic': t.topic },
      el('h2', {}, el('a', { href: '/topics/' + encodeURIComponent(t.topic) }, t.topic),
        el('span', { class: 'muted' }, ` · ${(t.partitions || []).length} partitions · in ${num(r.in_per_s, 1)}/s · out ${num(r.out_per_s, 1)}/s`)),
      el('p', { class: 'muted' }, (t.groups || []).length ? (t.groups || []).map((g) => `${g.group} (${g.state}): lag ${num(g.lag)}`).join(' · ') : 'no consumer group has committed on this topic'),
      parts);
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
