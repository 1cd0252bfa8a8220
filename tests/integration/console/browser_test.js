// browser_test.js -- the console's pages in headless chromium (playwright-core): no JavaScript error on any page, the
// charts draw real data, the Ask form takes a question to completed with its attempts in the journey, HTML in a
// question renders as text, the Overview falls back to polling without Server-Sent Events. Screenshots go to $CONSOLE_SHOTS. Environment: CONSOLE_URL, CONSOLE_RUN, CONSOLE_SHOTS.
'use strict';
const path = require('path');
const { chromium } = require('playwright-core');

const URL = process.env.CONSOLE_URL;
const RUN = process.env.CONSOLE_RUN;
const SHOTS = process.env.CONSOLE_SHOTS;
const REFERENCE = 'Paris is the capital and most populous city of France.';
const HTML_TEXT = `<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"> ${RUN} is this text?`;

function log(msg) { console.error(`${new Date().toISOString().slice(11, 19)} [browser] ${msg}`); }
function check(cond, msg) { if (!cond) throw new Error(msg); log(`ok  ${msg}`); }

async function main() {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu'] });
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`${page.url()}: console: ${m.text()}`); });
  page.on('dialog', (d) => { errors.push(`${page.url()}: dialog opened: ${d.message()}`); d.dismiss(); });

  // open(path): load a page and wait until its script has drawn data (body[data-ready]); no error so far.
  async function open(p, shot) {
    await page.goto(URL + p);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 60000 });
    if (shot) await page.screenshot({ path: path.join(SHOTS, shot), fullPage: true });
    check(!(await page.textContent('body')).includes('[object '), `${p} shows no unrendered object`);
    check(errors.length === 0, `${p} loads without JavaScript errors ${errors.join('; ')}`);
  }

  log('Ask: a question through the whole pipeline');
  await page.goto(URL + '/ask');
  await page.fill('#question', `${RUN} ask: which city is the capital of France?`);
  await page.fill('#reference', REFERENCE);
  await page.click('#submit');
  await page.waitForSelector('#followup[data-question]', { timeout: 30000 });
  const qid = await page.getAttribute('#followup', 'data-question');
  await page.waitForSelector('#followup[data-status="completed"]', { timeout: 300000 });
  const attempts = await page.$$eval('#timeline li[data-kind="attempt"]', (li) => li.map((x) => x.textContent));
  check(attempts.length >= 1 && attempts.every((t) => /score -?\d+\.\d{3}/.test(t)), `Ask journey shows ${attempts.length} attempt(s) with scores: ${attempts.map((t) => t.slice(0, 60)).join(" | ")}`);
  check(await page.$('#timeline li[data-kind="completed"]') !== null, 'Ask journey ends completed');
  check(await page.$('#timeline .mark') !== null, 'the accepted attempt is marked');
  await page.screenshot({ path: path.join(SHOTS, 'ask.png'), fullPage: true });
  check(errors.length === 0, `/ask without JavaScript errors ${errors.join('; ')}`);

  log('a question with HTML in it renders as text');
  await page.goto(URL + '/ask');
  await page.fill('#question', HTML_TEXT);
  await page.fill('#reference', REFERENCE);
  await page.click('#submit');
  await page.waitForSelector('#followup[data-question]', { timeout: 30000 });
  const hid = await page.getAttribute('#followup', 'data-question');
  await open('/questions/' + encodeURIComponent(hid), 'question-html.png');
  check(await page.textContent('#title') === HTML_TEXT, 'the title shows the HTML as text');
  check(await page.evaluate(() => window.__xss) === undefined, 'no script from the question ran');
  check(await page.$('main img') === null, 'no <img> element came from the question');
  await open('/questions?q=' + encodeURIComponent(RUN), 'questions.png');
  const texts = await page.$$eval('.question-text', (d) => d.map((x) => x.textContent));
  check(texts.includes(HTML_TEXT), 'the search list shows the HTML question as text');
  check(await page.evaluate(() => window.__xss) === undefined, 'no script ran on the search page');

  log('every page');
  await open('/questions/' + encodeURIComponent(qid), 'question.png');
  const kinds = await page.$$eval('#timeline li', (li) => li.map((x) => x.dataset.kind));
  check(kinds[0] === 'accepted' && kinds.includes('attempt') && kinds.includes('completed'), `journey events: ${kinds.join(',')}`);
  check((await page.$$('#stages tbody tr')).length >= 3, 'time in each stage listed');
  await open('/', null);
  await page.waitForFunction(() => document.getElementById('live').textContent === 'live', null, { timeout: 30000 });
  check((await page.$$('#flow .node.topic')).length === 7, 'overview draws the seven topics');
  check(await page.$('#flow .node[data-component="flink"].up') !== null, 'overview shows Flink up');
  await page.screenshot({ path: path.join(SHOTS, 'overview.png'), fullPage: true });
  await open('/topics', 'topics.png');
  check((await page.$$('#list .card')).length >= 7, 'topics page lists every topic');
  await open('/topics/questions-pending?key=' + encodeURIComponent(qid), 'topic.png');
  check((await page.$$('#messages tbody tr')).length >= 1, 'the question\'s message found by key');
  await open('/analysis', null);
  for (const id of ['chart-hist', 'chart-throughput', 'chart-latency', 'chart-attempts']) {
    const pts = Number(await page.getAttribute('#' + id, 'data-points'));
    check(pts > 0 && (await page.$(`#${id} canvas`)) !== null, `${id} draws ${pts} data point(s)`);
  }
  check((await page.$$('#latency tbody tr')).length >= 5, 'latency percentiles per stage');
  await page.screenshot({ path: path.join(SHOTS, 'analysis.png'), fullPage: true });
  check(errors.length === 0, `no JavaScript error anywhere ${errors.join('; ')}`);

  log('without Server-Sent Events the Overview falls back to polling');
  const page2 = await ctx.newPage();
  const jsErrors = [];
  page2.on('pageerror', (e) => jsErrors.push(e.message));
  await page2.route('**/api/events', (route) => route.abort());
  await page2.goto(URL + '/');
  await page2.waitForFunction(() => document.getElementById('live').textContent === 'polling' &&
    document.body.dataset.ready === '1', null, { timeout: 60000 });
  check((await page2.$$('#flow .node.topic')).length === 7, 'the Overview draws from polling');
  check(jsErrors.length === 0, `no JavaScript error while polling ${jsErrors.join('; ')}`);
  await browser.close();
}

main().catch((e) => { log(`FAIL: ${e.message}`); process.exit(1); });
