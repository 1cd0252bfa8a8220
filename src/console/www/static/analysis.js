// analysis.js -- the seed's four charts (score histogram, throughput, latency percentiles, regeneration rate) plus errors and attempts, from /api/analysis, drawn with uPlot.
'use strict';
(function () {
  const { el, clear, num } = qf;
  const charts = {};
  const PRESETS = { '15m': 15 * 60e3, '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3 };
  const params = new URLSearchParams(location.search);
  if (params.get('since') || params.get('until')) {
    qf.$('preset').value = 'custom';
    qf.$('since').value = (params.get('since') || '').replace(/Z$/, '').slice(0, 19);
    qf.$('until').value = (params.get('until') || '').replace(/Z$/, '').slice(0, 19);
  } else if (params.get('preset')) {
    qf.$('preset').value = params.get('preset');
  }

  // The period as query arguments (datetime-local inputs are read as UTC).
  function period() {
    const q = new URLSearchParams();
    const p = qf.$('preset').value;
    if (PRESETS[p]) q.set('since', new Date(Date.now() - PRESETS[p]).toISOString());
    if (p === 'custom') {
      if (qf.$('since').value) q.set('since', qf.$('since').value + 'Z');
      if (qf.$('until').value) q.set('until', qf.$('until').value + 'Z');
    }
    return q;
  }

  function width(id) { return Math.max(320, qf.$(id).clientWidth || 520); }

  // A uPlot chart in div id; x values and series [{label, values, color, bars}]. Replaces the previous one.
  function plot(id, x, series, opts) {
    if (charts[id]) { charts[id].destroy(); delete charts[id]; }
    const div = clear(qf.$(id));
    const points = series.reduce((n, s) => n + s.values.filter((v) => v !== null && v !== 0).length, 0);
    div.dataset.points = String(points);
    if (!x.length) { div.appendChild(el('p', { class: 'muted' }, 'no data in this period')); return; }
    if (!window.uPlot) { div.appendChild(el('p', { class: 'muted' }, 'chart library missing (run ./qaflow setup)')); return; }
    // one bar series: centred on its x; two: side by side (left, right)
    const nbars = series.filter((s) => s.bars).length;
    const barPath = (i) => window.uPlot.paths.bars({ size: [nbars > 1 ? 0.4 : 0.8, 60], align: nbars > 1 ? (i === 0 ? -1 : 1) : 0 });
    // bars and single points get half a step of room on each side (one step: the smallest x gap, else opts.step)
    let step = (opts && opts.step) || 1;
    for (let i = 1; i < x.length; i++) step = Math.min(step, x[i] - x[i - 1]);
    const padded = series.some((s) => s.bars) || x.length === 1 || !!(opts && opts.pad);
    const u = new window.uPlot({
      width: width(id), height: 240,
      scales: { x: { time: !!(opts && opts.time), range: padded ? () => [x[0] - step / 2, x[x.length - 1] + step / 2] : undefined },
        y: opts && opts.log ? { distr: 3 } : {} },
      axes: [opts && opts.names ? { label: opts.xlabel, splits: () => opts.names.map((n, i) => i), values: (self, ticks) => ticks.map((t) => opts.names[t] || '') }
        : opts && opts.discrete ? { label: opts.xlabel, splits: () => x, values: (self, ticks) => ticks.map(String) }
          : { label: opts && opts.xlabel },
        { label: opts && opts.ylabel }],
      series: [{ label: opts && opts.xlabel }].concat(series.map((s, i) => ({
        label: s.label, stroke: s.color, fill: s.bars ? s.color + '99' : (s.fill === false ? undefined : s.color + '22'), width: 1.5,
        paths: s.bars ? barPath(i) : undefined, points: { show: !s.bars, size: 7 },
      }))),
    }, [x].concat(series.map((s) => s.values)), div);
    charts[id] = u;
  }

  function drawSummary(s) {
    s = s || {};
    const pct = (v) => (v === null || v === undefined ? '–' : (100 * v).toFixed(1) + ' %');
    clear(qf.$('summary')).append(...[
      ['questions', num(s.questions)], ['completed', num(s.completed)], ['failed', num(s.failed)],
      ['success rate', pct(s.success_rate)], ['regenerated', pct(s.share_regenerated)],
      ['LLM calls / question', num(s.llm_calls_per_question, 2)], ['mean first score', num(s.mean_first_score, 3)],
      ['mean final score', num(s.mean_final_score, 3)],
    ].map(([k, v]) => el('div', { class: 'card' }, el('div', { class: 'muted' }, k), el('div', { class: 'big' }, v))));
  }

  function draw(a) {
    const h = a.score_histogram || {};
    const mids = (h.bins || []).map((b) => (b.low + b.high) / 2);
    plot('chart-hist', mids, [{ label: 'first attempt', values: h.first || [], color: '#f79009', bars: true },
      { label: 'final attempt', values: h.final || [], color: '#2e6be6', bars: true }], { xlabel: 'BERTScore', step: 0.05, ylabel: 'questions' });
    const tp = a.throughput || [];
    plot('chart-throughput', tp.map((r) => Date.parse(r.minute) / 1000), [
      { label: 'completed', values: tp.map((r) => r.completed), color: '#12b76a' },
      { label: 'failed', values: tp.map((r) => r.failed), color: '#f04438' }], { time: true, step: 60, ylabel: 'per minute' });
    // the stages as categories 0..n-1 on a log scale (end to end is 100x the LLM stage); no samples: no bar
    const lat = (a.latency || []).filter((r) => r.samples > 0);
    const pos = (v) => (v === null || v === undefined || Number(v) <= 0 ? null : Number(v));
    plot('chart-latency', lat.map((r, i) => i), [
      { label: 'p50 ms', values: lat.map((r) => pos(r.p50)), color: '#12b76a', fill: false },
      { label: 'p95 ms', values: lat.map((r) => pos(r.p95)), color: '#f79009', fill: false },
      { label: 'p99 ms', values: lat.map((r) => pos(r.p99)), color: '#f04438', fill: false }],
    { names: lat.map((r) => r.stage.replace('end_to_end_', 'e2e ')), log: true, ylabel: 'ms (log)', pad: true });
    const rg = a.regeneration_per_hour || [];
    plot('chart-regen', rg.map((r) => Date.parse(r.hour) / 1000), [
      { label: 'regenerated %', values: rg.map((r) => (r.rate === null ? null : 100 * r.rate)), color: '#7a5af8', bars: true }],
    { time: true, step: 3600, ylabel: '% of completed' });
    const at = a.attempts || [];
    plot('chart-attempts', at.map((r) => r.processing_attempts), [
      { label: 'questions', values: at.map((r) => r.questions), color: '#2e6be6', bars: true }], { xlabel: 'attempts', ylabel: 'questions', discrete: true });
    const lt = clear(qf.$('latency').tBodies[0]);
    for (const r of a.latency || []) {
      lt.appendChild(el('tr', {}, el('td', {}, r.stage), el('td', { class: 'n' }, num(r.samples)),
        el('td', { class: 'n' }, qf.ms(r.p50)), el('td', { class: 'n' }, qf.ms(r.p95)), el('td', { class: 'n' }, qf.ms(r.p99)),
        el('td', { class: 'n' }, qf.ms(r.avg)), el('td', { class: 'n' }, qf.ms(r.max))));
    }
    const et = clear(qf.$('errors').tBodies[0]);
    for (const r of a.errors || []) {
      et.appendChild(el('tr', {}, el('td', {}, r.error_type), el('td', { class: 'n' }, r.http_status === null ? '–' : String(r.http_status)),
        el('td', { class: 'n' }, num(r.occurrences)), el('td', { class: 'n' }, num(r.questions)),
        el('td', { class: 'n' }, num(Number(r.percentage), 1)), el('td', { class: 'n' }, qf.ms(r.avg_delay_ms))));
    }
    if (!(a.errors || []).length) et.appendChild(el('tr', {}, el('td', { colspan: 6, class: 'muted' }, 'no LLM error in this period')));
    drawSummary(a.summary);
  }

  async function load() {
    const q = period();
    const shown = new URLSearchParams(q);
    if (PRESETS[qf.$('preset').value] || qf.$('preset').value === 'all') { shown.delete('since'); shown.set('preset', qf.$('preset').value); }
    history.replaceState(null, '', `/analysis?${shown}`);
    try {
      draw(await qf.getJSON(`/api/analysis?${q}`));
      qf.clearError();
      document.body.dataset.ready = '1';
    } catch (e) { qf.error('analysis', e); }
  }

  qf.$('range').addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  qf.$('preset').addEventListener('change', () => { if (qf.$('preset').value !== 'custom') load(); });
  load();
  // new samples refresh the charts, at most every 10 s
  let last = Date.now();
  qf.live(() => { if (Date.now() - last >= 10000) { last = Date.now(); load(); } });
})();
