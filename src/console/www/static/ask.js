// ask.js -- the Ask form: POST /api/ask (the storage API's POST /query), then the question's journey live until it ends.
'use strict';
(function () {
  const { el } = qf;
  let timer = null;

  async function follow(id) {
    try {
      const j = await qf.getJSON('/api/questions/' + encodeURIComponent(id));
      qf.$('qstatus').textContent = j.status;
      qf.$('followup').dataset.status = j.status;
      qf.drawJourney(qf.$('timeline'), j);
      if (j.status !== 'pending') return;
    } catch (e) {
      if (e.status !== 404) qf.error('journey', e);
    }
    timer = setTimeout(() => follow(id), 1000);
  }

  qf.$('ask').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (timer) clearTimeout(timer);
    const btn = qf.$('submit');
    btn.disabled = true;
    try {
      const body = JSON.stringify({ question_text: qf.$('question').value, original_answer: qf.$('reference').value });
      const res = await qf.getJSON('/api/ask', { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
      qf.clearError();
      const id = res.question_id || (res.result || {}).question_id;
      const link = qf.$('qlink');
      link.textContent = id;
      link.setAttribute('href', '/questions/' + encodeURIComponent(id));
      qf.$('qstatus').textContent = res.status;
      qf.$('followup').hidden = false;
      qf.$('followup').dataset.question = id;
      follow(id);
    } catch (e) {
      qf.error('ask', e);
    } finally {
      btn.disabled = false;
    }
  });
  qf.setLive('on demand', true);
})();
