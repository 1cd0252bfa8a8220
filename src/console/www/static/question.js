// question.js -- one question's journey: facts, timeline of every event, time in each stage; refreshed while pending.
'use strict';
(function () {
  const { el, clear, num } = qf;
  const id = decodeURIComponent(location.pathname.replace(/^\/questions\//, ''));
  document.title = 'qaflow · ' + id;

  async function load() {
    try {
      const j = await qf.getJSON('/api/questions/' + encodeURIComponent(id));
      qf.clearError();
      const q = j.question || {};
      const r = j.result || {};
      qf.$('title').textContent = q.question_text || id;
      clear(qf.$('facts')).append(...[
        ['id', id], ['status', qf.badge(j.status)], ['reference answer', q.original_answer],
        ['created', qf.time(q.created_at)], ['updated', qf.time(q.updated_at)],
        ['final score', num(r.bert_score, 3)], ['first score', num(r.first_score, 3)],
        ['attempts', num(r.processing_attempts)], ['total time', qf.ms(r.total_processing_time_ms)],
        ['answer', r.llm_response ? el('pre', {}, r.llm_response) : '–'],
        ['failure', q.failed_reason ? `${q.failed_stage}: ${q.failed_reason}` : '–'],
        ['messages', el('a', { href: '/topics/questions-pending?key=' + encodeURIComponent(id) }, 'on questions-pending')],
      ].map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]).flat());
      qf.drawJourney(qf.$('timeline'), j);
      qf.drawStages(qf.$('stages').tBodies[0], j);
      document.body.dataset.ready = '1';
      return j.status;
    } catch (e) {
      qf.error('question', e);
      return e.status === 404 ? 'unknown' : 'error';
    }
  }

  (async function follow() {
    const st = await load();
    if (st === 'pending' || st === 'error') setTimeout(follow, 2000);
  })();
  qf.setLive('on demand', true);
})();
