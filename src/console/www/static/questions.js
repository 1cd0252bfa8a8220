// questions.js -- search questions by id or text, newest first.
'use strict';
(function () {
  const { el, clear, num } = qf;
  const params = new URLSearchParams(location.search);
  qf.$('q').value = params.get('q') || '';
  qf.$('status').value = params.get('status') || '';

  async function search() {
    const q = new URLSearchParams();
    if (qf.$('q').value.trim()) q.set('q', qf.$('q').value.trim());
    if (qf.$('status').value) q.set('status', qf.$('status').value);
    history.replaceState(null, '', `/questions?${q}`);
    try {
      const rows = await qf.getJSON(`/api/questions?${q}`);
      qf.clearError();
      const tb = clear(qf.$('results').tBodies[0]);
      for (const r of rows) {
        tb.appendChild(el('tr', {},
          el('td', {}, el('a', { href: '/questions/' + encodeURIComponent(r.question_id) }, r.question_id),
            el('div', { class: 'question-text' }, r.question_text)),
          el('td', {}, qf.badge(r.status)), el('td', { class: 'n' }, num(r.bert_score, 3)),
          el('td', { class: 'n' }, num(r.processing_attempts)), el('td', {}, qf.time(r.created_at))));
      }
      if (!rows.length) tb.appendChild(el('tr', {}, el('td', { colspan: 5, class: 'muted' }, 'no question matches')));
      document.body.dataset.ready = '1';
    } catch (e) { qf.error('search', e); }
  }
  qf.$('search').addEventListener('submit', (ev) => { ev.preventDefault(); search(); });
  search();
  qf.setLive('on demand', true);
})();
