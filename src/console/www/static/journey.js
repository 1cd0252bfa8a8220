// journey.js -- draws a question's journey (GET /api/questions/<id>) as a timeline; used by the Question and Ask pages.
'use strict';
(function () {
  const { el, clear, num } = qf;

  function describe(e) {
    switch (e.kind) {
      case 'accepted': return ['accepted by the storage API', null];
      case 'llm_error': return [`LLM error (${e.error_type}${e.http_status ? ', HTTP ' + e.http_status : ''}) on attempt ${e.attempt}`,
        [e.message ? el('div', {}, e.message) : null, el('div', { class: 'muted' }, `delay applied: ${qf.ms(e.delay_ms)}`)]];
      case 'attempt': return [`attempt ${e.attempt}: score ${num(e.score, 3)} (${e.outcome})`,
        [e.accepted ? el('div', { class: 'mark' + (e.accepted_below_threshold ? ' below' : '') },
          e.accepted_below_threshold ? '✔ accepted below the threshold (best after the last regeneration)' : '✔ accepted') : null,
        el('pre', {}, e.answer || ''),
        el('div', { class: 'muted' }, `LLM ${qf.time(e.llm_started_at)} → ${qf.time(e.llm_finished_at)}; scored ${qf.time(e.scored_at)}${e.model ? '; model ' + e.model : ''}`)]];
      case 'regeneration': return [`regeneration requested: attempt ${e.attempt} (previous score ${num(e.previous_score, 3)})`, null];
      case 'completed': return [`completed: score ${num(e.score, 3)} after ${e.attempt} attempt(s), ${qf.ms(e.total_processing_time_ms)} in total`, null];
      case 'failed': return [`failed at ${e.stage}`, el('div', {}, e.reason || '')];
      default: return [e.kind, null];
    }
  }

  qf.drawJourney = function (list, j) {
    clear(list);
    for (const e of j.events || []) {
      const [title, body] = describe(e);
      const cls = e.kind === 'attempt' && e.accepted ? 'accepted-attempt' : e.kind;
      list.appendChild(el('li', { class: cls, 'data-kind': e.kind },
        el('div', { class: 'when' }, `${qf.time(e.at)} · ${e.stage}`), el('div', { class: 'what' }, title), body));
    }
  };

  qf.drawStages = function (tbody, j) {
    clear(tbody);
    for (const s of j.stages || []) {
      tbody.appendChild(el('tr', {}, el('td', { class: 'n' }, String(s.attempt)), el('td', {}, s.stage),
        el('td', { class: 'n' }, qf.ms(s.duration_ms)), el('td', {}, qf.time(s.started_at)), el('td', {}, qf.time(s.finished_at))));
    }
    const per = j.time_per_stage || {};
    if (Object.keys(per).length) {
      tbody.appendChild(el('tr', {}, el('td', {}, ''), el('td', {}, el('b', {}, 'total per stage')),
        el('td', { colspan: 3 }, Object.entries(per).map(([k, v]) => `${k} ${qf.ms(v)}`).join(' · '))));
    }
  };
})();
