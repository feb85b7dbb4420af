// Drives Debian's headless Chromium through playwright-core against a running
// Vigil server (started by browser_test.sh) and checks the web UI as a person
// would use it: type `up`, see the table, switch to the graph and read the
// chart's pixels, see an API error, see healthy targets, open every page.
//
// Environment: BASE_URL (http://127.0.0.1:PORT), CHROMIUM (executable),
// USER_DATA_DIR (fresh profile dir), OUT_DIR (screenshots), EXPECT_POOLS
// (comma-separated scrape pools that must show healthy targets).
'use strict';

const path = require('path');
const {chromium} = require('playwright-core');

const BASE = process.env.BASE_URL;
const OUT = process.env.OUT_DIR || '.';
const POOLS = (process.env.EXPECT_POOLS || 'vigil').split(',').filter(Boolean);

let passed = 0;
let failed = 0;
const t0 = Date.now();
function check(ok, what, detail) {
  if (ok) {
    passed++;
    console.log('PASS: ' + what + ' [' + ((Date.now() - t0) / 1000).toFixed(1) + 's]');
  } else {
    failed++;
    console.log('FAIL: ' + what + (detail !== undefined ? ' -- ' + detail : ''));
  }
}

async function shot(page, name) {
  const file = path.join(OUT, name + '.png');
  await page.screenshot({path: file, fullPage: true});
  console.log('screenshot: ' + file);
}

// Counts the chart canvas's pixels: all drawn ones, and "coloured" ones
// (the series' strokes; axes, grid and text are grey or black).
function canvasStats() {
  const canvas = document.querySelector('#chart canvas');
  if (!canvas) return null;
  const ctx = canvas.getContext('2d');
  const {width, height} = canvas;
  const px = ctx.getImageData(0, 0, width, height).data;
  let drawn = 0;
  let coloured = 0;
  for (let i = 0; i < px.length; i += 4) {
    const a = px[i + 3];
    if (a === 0) continue;
    drawn++;
    const r = px[i];
    const g = px[i + 1];
    const b = px[i + 2];
    if (a > 100 && Math.max(r, g, b) - Math.min(r, g, b) > 80) coloured++;
  }
  return {width, height, drawn, coloured};
}

async function main() {
  const context = await chromium.launchPersistentContext(process.env.USER_DATA_DIR, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    timeout: 120000,
    viewport: {width: 1280, height: 900},
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  console.log('chromium started in ' + ((Date.now() - t0) / 1000).toFixed(1) + 's');
  try {
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(45000);
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    // The bad query below gets a 400 on purpose; Chromium logs that
    // response as a console error, which is expected only then.
    let expect400 = false;
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      if (expect400 && /status of 400/.test(m.text())) return;
      pageErrors.push('console: ' + m.text() + ' at ' + JSON.stringify(m.location()));
    });
    // Only the server under test: nothing leaves 127.0.0.1.
    await page.route('**/*', (route) => {
      const u = new URL(route.request().url());
      if (u.hostname === '127.0.0.1' || u.protocol === 'data:') return route.continue();
      return route.abort();
    });

    // 1. "/" redirects to the expression browser.
    await page.goto(BASE + '/');
    check(new URL(page.url()).pathname === '/query', '/ redirects to /query', page.url());
    await page.waitForSelector('#expr');

    // 2. Type a query, Enter: the table lists the `up` series.
    await page.fill('#expr', 'up');
    await page.press('#expr', 'Enter');
    await page.waitForSelector('#result-table tbody tr');
    const rows = await page.$$eval('#result-table tbody tr', (trs) =>
      trs.map((tr) => Array.from(tr.cells).map((td) => td.textContent)));
    check(rows.length >= POOLS.length, 'table shows one row per target', JSON.stringify(rows));
    // The server scraping itself must be up; other targets (node-exporter
    // on a loaded machine may miss a 1s timeout once) must be listed.
    for (const pool of POOLS) {
      const row = rows.find((r) => r[0].startsWith('up{') && r[0].includes('job="' + pool + '"'));
      if (pool === POOLS[0]) {
        check(row !== undefined && row[1] === '1', 'table row up{job="' + pool + '"} = 1', JSON.stringify(rows));
      } else {
        check(row !== undefined && (row[1] === '1' || row[1] === '0'), 'table row up{job="' + pool + '"} listed',
          JSON.stringify(rows));
      }
    }
    const history = await page.evaluate(() => localStorage.getItem('vigil.queryHistory'));
    check(history !== null && JSON.parse(history)[0] === 'up', 'query saved in history (localStorage)', history);
    await shot(page, 'table');

    // 3. Graph tab with a 1m range: a real line on the canvas.
    await page.click('#tab-graph');
    await page.fill('#range', '1m');
    await page.fill('#step', '2s');
    await page.click('#execute');
    await page.waitForSelector('#chart canvas');
    await page.waitForFunction(() => /Result series: [1-9]/.test(document.getElementById('query-status').textContent));
    const graphStatus = await page.textContent('#query-status');
    check(graphStatus.includes('Resolution: 2s'), 'graph uses the step control', graphStatus);
    await page.waitForTimeout(300);  // let uPlot finish its animation frame
    const stats = await page.evaluate(canvasStats);
    console.log('canvas: ' + JSON.stringify(stats));
    check(stats !== null && stats.width > 200 && stats.height > 100, 'chart canvas present', JSON.stringify(stats));
    check(stats !== null && stats.drawn > 1000, 'chart canvas is not blank (axes/grid drawn)', JSON.stringify(stats));
    check(stats !== null && stats.coloured > 100, 'chart canvas shows the series lines (coloured pixels)', JSON.stringify(stats));
    const legend = await page.$$eval('#chart .u-legend .u-series', (s) => s.map((x) => x.textContent));
    check(legend.some((l) => l.includes('up{') && l.includes('job="' + POOLS[0] + '"')), 'graph legend names the series', JSON.stringify(legend));
    check(new URL(page.url()).searchParams.get('tab') === 'graph', 'URL keeps the graph state', page.url());
    await shot(page, 'graph');

    // The input parsers behind the range/end/step/time controls.
    const parsed = await page.evaluate(() => {
      const u = window.vigilUi;
      return [u.parseDuration('1h30m'), u.parseDuration('90'), u.parseDuration('1x'), u.parseDuration('5m1'),
        u.parseTime('2024-01-02 03:04:05'), u.parseTime('2024-01-02T03:04:05+01:00'), u.parseTime('1700000000'),
        u.parseTime('yesterday'), u.formatDuration(5400000), u.formatTime(Date.UTC(2024, 0, 2, 3, 4, 5))];
    });
    const want = [5400000, 90000, null, null, Date.UTC(2024, 0, 2, 3, 4, 5), Date.UTC(2024, 0, 2, 2, 4, 5),
      1700000000000, null, '1h30m', '2024-01-02 03:04:05'];
    check(JSON.stringify(parsed) === JSON.stringify(want), 'duration and time inputs parse as documented',
      JSON.stringify(parsed));

    // 4. A bad query: the API's error is shown.
    expect400 = true;
    await page.fill('#expr', 'sum(up');
    await page.press('#expr', 'Enter');
    await page.waitForSelector('#query-messages .error');
    const err = await page.textContent('#query-messages .error');
    await page.waitForTimeout(200);
    expect400 = false;
    check(/bad_data/.test(err), 'API error shown with its type', err);
    check((await page.$('#chart canvas')) === null, 'the failed query leaves no stale graph');
    await shot(page, 'error');

    // 5. Targets page: every expected pool has a healthy target.
    await page.goto(BASE + '/targets');
    await page.waitForSelector('tr.target');
    for (const pool of POOLS) {
      const listed = await page.$$eval('details.pool[data-pool="' + pool + '"] tr.target', (trs) =>
        trs.map((tr) => ({cls: tr.className, text: tr.textContent})));
      const healthy = listed.filter((t) => t.cls.includes('health-up') && t.text.includes('UP'));
      if (pool === POOLS[0]) {
        check(healthy.length >= 1, 'targets page lists a healthy target for ' + pool, JSON.stringify(listed));
      } else {
        check(listed.length >= 1, 'targets page lists the ' + pool + ' target', JSON.stringify(listed));
        if (healthy.length === 0) console.log('note: ' + pool + ' target not healthy right now: ' + JSON.stringify(listed));
      }
    }
    const summary = await page.textContent('details.pool[data-pool="' + POOLS[0] + '"] summary');
    check(summary.includes('(1/1 up)'), 'pool summary counts healthy targets', summary);
    await shot(page, 'targets');

    // 6. The other pages render their data without errors.
    const pages = [
      ['alerts', '#alert-list details.alert-rule', 'VigilUp'],
      ['rules', 'table.data', 'job:up:sum'],
      ['service-discovery', 'details.pool', 'DROPPED'],
      ['config', '#config-yaml', 'scrape_configs'],
      ['flags', '#flags-table', '--config.file'],
      ['tsdb-status', '#head-stats', 'Number of series'],
      ['status', 'table.data', 'storageRetention'],
    ];
    for (const [name, selector, text] of pages) {
      await page.goto(BASE + '/' + name);
      let ok = true;
      try {
        await page.waitForSelector(selector);
      } catch (e) {
        ok = false;
      }
      const body = await page.textContent('#main');
      const hasError = (await page.$('#main .error')) !== null;
      check(ok && body.includes(text) && !hasError, name + ' page shows "' + text + '"', body.slice(0, 300));
      await shot(page, name);
    }
    check(pageErrors.length === 0, 'no JavaScript errors', JSON.stringify(pageErrors));
  } finally {
    await context.close();
  }
}

const deadline = setTimeout(() => {
  console.log('FAIL: browser test did not finish within 400s');
  process.exit(1);
}, 400000);

main().then(() => {
  clearTimeout(deadline);
  console.log(passed + ' passed, ' + failed + ' failed');
  process.exit(failed === 0 ? 0 : 1);
}, (e) => {
  clearTimeout(deadline);
  console.log('FAIL: ' + (e && e.stack ? e.stack : e));
  console.log(passed + ' passed, ' + (failed + 1) + ' failed');
  process.exit(1);
});
