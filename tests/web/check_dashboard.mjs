// check_dashboard.mjs — the web dashboard (web/) in headless Chromium
// (Debian's chromium, driven by playwright-core), against a server holding
// the North Korea scenario's store (tests/web/check_dashboard.sh starts it).
//
//   node check_dashboard.mjs --url http://127.0.0.1:PORT/ --out DIR
//
// On country:KP's page it checks that the visibility plot is drawn (canvas
// pixels: the line at 4 before the outage and at 0 inside it), that the
// 16:15:21 -> 01:46:18 outage is shaded where uPlot's x scale puts those
// times (on every plot, and again after a zoom), that the events table lists
// it (start, end, 9h31m, its explanation), that the range presets refetch
// the series, that times are UTC in a browser that is not; then the overview,
// the search box and, when the store has attacks, an attack page.  The whole
// run must make no request to a host other than 127.0.0.1 and log no console
// error.  A screenshot of the KP page goes to DIR/kp.png (its path printed).
//
// Environment: LO_CHROMIUM (default /usr/bin/chromium).
// Exit status: 0 all passed, 1 a check failed, 2 usage or the browser failed.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { url: { type: 'string' }, out: { type: 'string', default: '.' }, headed: { type: 'boolean', default: false } },
});
if (!args.url) {
  console.error('usage: node check_dashboard.mjs --url http://127.0.0.1:PORT/ --out DIR');
  process.exit(2);
}
const base = args.url.endsWith('/') ? args.url : `${args.url}/`;
const outDir = resolve(args.out);
mkdirSync(outDir, { recursive: true });

// the outage of the scenario (scenarios/nk2014/spec, tests/e2e/check_nk2014.sh)
const OUT_START = Date.parse('2014-12-22T16:15:21Z') / 1000;
const OUT_END = Date.parse('2014-12-23T01:46:18Z') / 1000;
const PRIMARY = 'bgp.visible_slash24';

let passed = 0, failed = 0;
function check(ok, what, extra) {
  if (ok) {
    passed++;
    console.log(`ok - ${what}`);
  } else {
    failed++;
    console.log(`not ok - ${what}${extra ? `: ${extra}` : ''}`);
  }
  return ok;
}

const consoleErrors = [], pageErrors = [], foreign = [], badResponses = [], seriesRequests = [];

let browser;
try {
  browser = await chromium.launch({
    executablePath: process.env.LO_CHROMIUM || '/usr/bin/chromium',
    headless: !args.headed,
    // root (as in CI) cannot use Chromium's sandbox
    args: [...(process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : []), '--disable-gpu', '--no-first-run'],
  });
} catch (e) {
  console.error(`cannot start Chromium: ${e.message}`);
  process.exit(2);
}

// a browser that is not on UTC: what the page shows must be UTC anyway
const context = await browser.newContext({
  viewport: { width: 1400, height: 1000 },
  deviceScaleFactor: 1,
  timezoneId: 'America/Los_Angeles',
  locale: 'en-US',
  colorScheme: 'light',
});
// every request: to 127.0.0.1 only (no CDN, no fonts, no telemetry)
await context.route('**/*', (route) => {
  const u = new URL(route.request().url());
  if ((u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '127.0.0.1') {
    foreign.push(u.href);
    return route.abort('blockedbyclient');
  }
  return route.continue();
});
const page = await context.newPage();
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url || ''})`); });
page.on('pageerror', (e) => pageErrors.push(String(e)));
page.on('response', (r) => { if (r.status() >= 400) badResponses.push(`${r.status()} ${r.url()}`); });
page.on('request', (r) => { if (r.url().includes('/api/v1/series')) seriesRequests.push(r.url()); });

const ready = async (what) => {
  await page.waitForFunction(() => {
    const m = document.getElementById('main');
    return m && (m.dataset.state === 'ready' || m.dataset.state === 'error');
  }, null, { timeout: 30000 });
  const state = await page.getAttribute('#main', 'data-state');
  if (state !== 'ready') {
    const msg = await page.textContent('#main .error').catch(() => '');
    throw new Error(`${what}: page state ${state}: ${msg}`);
  }
};

/** the band of the KP outage on the chart of `signal`, with uPlot's own x for its times */
const bandGeometry = (signal) => page.evaluate(({ signal, s, e }) => {
  const u = window.lightsout.charts[signal];
  const fig = document.querySelector(`figure.chart[data-signal="${signal}"]`);
  if (!u || !fig) return { error: `no chart for ${signal}` };
  const band = fig.querySelector(`.band[data-kind="outage"][data-start="${s}"]`);
  if (!band) return { error: 'no band element for the outage' };
  const over = u.over.getBoundingClientRect(), r = band.getBoundingClientRect();
  return {
    end: Number(band.dataset.end), hidden: band.hidden,
    left: r.left - over.left, right: r.right - over.left,
    x0: u.valToPos(s, 'x'), x1: u.valToPos(e, 'x'),
    top: r.top - over.top, bottom: r.bottom - over.top, height: over.height, width: over.width,
    min: u.scales.x.min, max: u.scales.x.max,
  };
}, { signal, s: OUT_START, e: OUT_END });

const near = (a, b, tol = 1.5) => Math.abs(a - b) <= tol;

/**
 * rows of the line's colour in a canvas column at time t (or, with
 * `steady`, in the middle of a bin between `t` and `steady` whose neighbours
 * hold the same value: the scenario's flaps make 30 s dips), and where 0 and
 * 4 are on the canvas
 */
const lineAt = (signal, t, steady) => page.evaluate(({ signal, t, steady }) => {
  const u = window.lightsout.charts[signal];
  const ctx = u.ctx, pr = u.pxRatio || window.devicePixelRatio || 1;
  const [xs, vs] = u.data;
  if (steady) {
    const step = xs[1] - xs[0];
    for (let i = 3; i < xs.length - 3; i++) {
      if (xs[i] >= t && xs[i] < steady && [-3, -2, -1, 0, 1, 2, 3].every((k) => vs[i + k] === vs[i])) {
        t = xs[i] + step / 2;
        break;
      }
    }
  }
  const x = Math.round(u.valToPos(t, 'x', true));
  const top = u.bbox.top - 3, height = u.bbox.height + 6;
  const col = ctx.getImageData(x, top, 1, height).data;
  const want = getComputedStyle(document.documentElement).getPropertyValue('--plot-line').trim();
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(want);
  const [R, G, B] = m ? [1, 2, 3].map((i) => parseInt(m[i], 16)) : [31, 95, 168];
  const ys = [];
  for (let i = 0; i < height; i++) {
    const [r, g, b, a] = col.subarray(i * 4, i * 4 + 4);
    if (a > 200 && Math.abs(r - R) + Math.abs(g - G) + Math.abs(b - B) < 60) ys.push(top + i);
  }
  return { t, ys, y0: u.valToPos(0, 'y', true), y4: u.valToPos(4, 'y', true), pr };
}, { signal, t, steady });

const onLine = (ys, y, tol = 3) => ys.some((v) => Math.abs(v - y) <= tol);

let exitCode = 0;
try {
  // ---------------------------------------------------------------- KP page
  await page.goto(`${base}#/entity/${encodeURIComponent('country:KP')}`);
  await ready('country:KP page');

  const canvas = await page.evaluate((sig) => {
    const c = document.querySelector(`figure.chart[data-signal="${sig}"] canvas`);
    if (!c) return null;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    const colours = new Set();
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] > 0) {
        painted++;
        if (colours.size < 64) colours.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
      }
    }
    return { w: c.width, h: c.height, painted, colours: colours.size, charts: document.querySelectorAll('figure.chart canvas').length };
  }, PRIMARY);
  check(canvas && canvas.w > 300 && canvas.h > 100, `the ${PRIMARY} plot has a canvas`, JSON.stringify(canvas));
  check(canvas && canvas.painted > 2000 && canvas.colours > 3, 'the canvas is drawn (non-blank pixels)', JSON.stringify(canvas));
  check(canvas && canvas.charts >= 4, 'a plot per signal (visible /24s, prefixes, origin ASNs, updates, flaps)', `${canvas && canvas.charts} canvases`);

  // the line: at 4 at noon on the 22nd, at 0 in the middle of the outage
  const noon = await lineAt(PRIMARY, Date.parse('2014-12-22T06:00:00Z') / 1000, OUT_START);
  check(onLine(noon.ys, noon.y4) && !onLine(noon.ys, noon.y0), 'the line is at 4 /24s before the outage', JSON.stringify(noon));
  const mid = await lineAt(PRIMARY, (OUT_START + OUT_END) / 2);
  check(onLine(mid.ys, mid.y0) && !onLine(mid.ys, mid.y4), 'the line is at 0 inside the outage', JSON.stringify(mid));

  // the outage band, where uPlot puts its start and end, on every plot
  const g = await bandGeometry(PRIMARY);
  check(!g.error && !g.hidden, 'the 16:15:21 -> 01:46:18 outage is shaded on the visibility plot', g.error);
  if (!g.error) {
    check(g.end === OUT_END, 'the band ends at 2014-12-23T01:46:18Z', `data-end ${g.end}`);
    check(near(g.left, g.x0) && near(g.right, g.x1),
      `the band lies at uPlot's x of its times (${g.x0.toFixed(1)}..${g.x1.toFixed(1)} px)`,
      `band ${g.left.toFixed(1)}..${g.right.toFixed(1)}`);
    check(g.x1 - g.x0 > 40 && g.min < OUT_START && g.max > OUT_END, 'the band is inside the shown range and wide', JSON.stringify(g));
    check(near(g.top, 0) && near(g.bottom, g.height), 'the band spans the plot\'s height', JSON.stringify(g));
  }
  const allBands = await page.evaluate((s) => [...document.querySelectorAll('figure.chart')].map((f) =>
    !!f.querySelector(`.band[data-kind="outage"][data-start="${s}"]`)), OUT_START);
  check(allBands.length > 1 && allBands.every(Boolean), 'every plot shades the outage', JSON.stringify(allBands));
  const inst = await page.$$('figure.chart.primary .band[data-kind="instability"]');
  check(inst.length === 1, 'the instability before it is shaded too', `${inst.length} bands`);

  // the events table
  const row = await page.evaluate(() => {
    for (const tr of document.querySelectorAll('table.events tbody tr')) {
      const times = [...tr.querySelectorAll('time')].map((t) => [t.getAttribute('datetime'), t.textContent]);
      if (times.length && times[0][0] === '2014-12-22T16:15:21Z') {
        // the row and its explanation (rows of the same event)
        const text = [...document.querySelectorAll(`table.events tr[data-event-id="${tr.dataset.eventId}"]`)].map((r) => r.textContent).join(' ');
        return { id: tr.dataset.eventId, kind: tr.dataset.kind, times, text, duration: tr.querySelector('.duration')?.textContent };
      }
    }
    return null;
  });
  check(!!row, 'the events table lists the outage starting 2014-12-22T16:15:21Z');
  if (row) {
    check(row.kind === 'outage' && /outage/.test(row.text), 'as an outage', row.kind);
    check(row.times[0][1] === '2014-12-22T16:15:21Z', 'start shown 2014-12-22T16:15:21Z (UTC, in a Los Angeles browser)', row.times[0][1]);
    check(row.times[1] && row.times[1][0] === '2014-12-23T01:46:18Z' && row.times[1][1] === '2014-12-23T01:46:18Z',
      'end 2014-12-23T01:46:18Z', JSON.stringify(row.times[1]));
    check(row.duration === '9h31m', 'duration 9h31m', row.duration);
    check(/AS4837/.test(row.text) && /175\.45\.176\.0\/24/.test(row.text) && /4 prefixes lost/.test(row.text),
      'explained: 4 prefixes lost (175.45.176.0/24 ...), upstream AS4837 lost', row.text.slice(0, 300));
  }
  const instRow = await page.evaluate(() => [...document.querySelectorAll('table.events tbody tr[data-kind="instability"]')].map((tr) =>
    [...document.querySelectorAll(`table.events tr[data-event-id="${tr.dataset.eventId}"]`)].map((r) => r.textContent).join(' ')));
  check(instRow.length === 1 && /Rising/.test(instRow[0]) && /visibility flaps/.test(instRow[0]),
    'the instability is explained (flaps, rising trend)', instRow.join(' | ').slice(0, 300));

  await page.mouse.move(5, 5);
  await page.screenshot({ path: `${outDir}/kp.png`, fullPage: true });
  console.log(`screenshot: ${outDir}/kp.png`);

  // presets: event ±12 h refetches the series for that range
  const before = seriesRequests.length;
  await page.click('button.preset[data-preset="event"]');
  await ready('event ±12 h');
  const rng = await page.evaluate(() => window.lightsout.range);
  check(rng.from === OUT_START - 43200 && rng.until === OUT_END + 43200,
    'Event ±12 h shows the outage ±12 h', JSON.stringify(rng));
  check(seriesRequests.length > before && seriesRequests.slice(before).every((u) => u.includes(`from=${OUT_START - 43200}`)),
    'and fetches the series of that range', seriesRequests.slice(before).join(' ').slice(0, 300));
  const fromVal = await page.inputValue('#range-from');
  check(fromVal === '2014-12-22T04:15:21Z', 'the from input shows 2014-12-22T04:15:21Z', fromVal);
  const g2 = await bandGeometry(PRIMARY);
  check(!g2.error && near(g2.left, g2.x0) && near(g2.right, g2.x1), 'the band follows the new range', JSON.stringify(g2));
  // the cursor's time is UTC too: hover in the outage's first bin (16:15 .. 16:20)
  {
    const over = await page.evaluate((sig) => {
      const u = window.lightsout.charts[sig];
      const r = u.over.getBoundingClientRect();
      return { x: r.left + u.valToPos(1419264900 + 150, 'x'), y: r.top + r.height / 2 };
    }, PRIMARY);
    await page.mouse.move(over.x, over.y);
    const readout = await page.textContent('.readout');
    check(/^2014-12-22T16:15:00Z/.test(readout), 'the cursor readout shows the bin in UTC (2014-12-22T16:15:00Z)', readout);
    check(/outage #\d+/.test(readout), 'and names the outage under the cursor', readout);
    const value = await page.textContent(`figure.chart[data-signal="${PRIMARY}"] figcaption .value`);
    check(value === '0', 'the plot\'s value there is 0', value);
  }

  await page.mouse.move(5, 5);
  await page.screenshot({ path: `${outDir}/kp-event.png`, fullPage: false });

  // from/until inputs
  await page.fill('#range-from', '2014-12-22 14:00');
  await page.fill('#range-until', '2014-12-22T20:00:00Z');
  await page.click('form.fromuntil button[type="submit"]');
  await ready('from/until');
  const rng2 = await page.evaluate(() => window.lightsout.range);
  check(rng2.from === Date.parse('2014-12-22T14:00:00Z') / 1000 && rng2.until === Date.parse('2014-12-22T20:00:00Z') / 1000,
    'from/until (UTC) set the range', JSON.stringify(rng2));
  const g3 = await bandGeometry(PRIMARY);
  check(!g3.error && near(g3.left, g3.x0) && near(g3.right, g3.width), 'an outage running past the range is cut at the edge', JSON.stringify(g3));

  // drag to zoom: 7 d back to all first, then drag from 12:00 to 06:00 next day
  await page.click('button.preset[data-preset="all"]');
  await ready('all');
  const pts = await page.evaluate((sig) => {
    const u = window.lightsout.charts[sig];
    const r = u.over.getBoundingClientRect();
    return {
      x0: r.left + u.valToPos(Date.parse('2014-12-22T12:00:00Z') / 1000, 'x'),
      x1: r.left + u.valToPos(Date.parse('2014-12-23T06:00:00Z') / 1000, 'x'),
      y: r.top + r.height / 2,
    };
  }, PRIMARY);
  await page.mouse.move(pts.x0, pts.y);
  await page.mouse.down();
  await page.mouse.move((pts.x0 + pts.x1) / 2, pts.y, { steps: 4 });
  await page.mouse.move(pts.x1, pts.y, { steps: 4 });
  await page.mouse.up();
  await page.waitForTimeout(700);
  await ready('zoom');
  const z = await page.evaluate(() => Object.entries(window.lightsout.charts).map(([k, u]) => [k, u.scales.x.min, u.scales.x.max]));
  const zmin = z[0][1], zmax = z[0][2];
  check(Math.abs(zmin - Date.parse('2014-12-22T12:00:00Z') / 1000) < 1800 && Math.abs(zmax - Date.parse('2014-12-23T06:00:00Z') / 1000) < 1800,
    'dragging zooms the plot to 12:00 .. 06:00', JSON.stringify(z[0]));
  check(z.every(([, a, b]) => Math.abs(a - zmin) < 301 && Math.abs(b - zmax) < 301), 'every plot follows the zoom', JSON.stringify(z));
  const g4 = await bandGeometry(PRIMARY);
  check(!g4.error && near(g4.left, g4.x0) && near(g4.right, g4.x1) && g4.x1 - g4.x0 > g.x1 - g.x0,
    'the band is redrawn at the zoomed scale', JSON.stringify(g4));
  check(/range=custom/.test(page.url()), 'the zoom is kept in the address', page.url());

  // ---------------------------------------------------------------- overview
  await page.goto(`${base}#/`);
  await ready('overview');
  const recent = await page.evaluate(() => [...document.querySelectorAll('#recent table tbody tr')].map((tr) => tr.textContent));
  check(recent.some((t) => /country:KP/.test(t) && /2014-12-22T16:15:21Z/.test(t) && /9h31m/.test(t)),
    'the overview lists the KP outage among recent events', `${recent.length} rows`);
  const ents = await page.evaluate(() => [...document.querySelectorAll('#entities table tbody tr')].map((tr) => tr.textContent));
  check(ents.some((t) => /country:KP/.test(t)) && ents.some((t) => /country:SY/.test(t)), 'and KP and SY among entities with events', ents.join(' | ').slice(0, 200));
  await page.fill('#search-input', 'country:kp');
  await page.press('#search-input', 'Enter');
  await page.waitForURL(/#\/entity\/country(%3A|:)KP/, { timeout: 10000 }).catch(() => {});
  await ready('search');
  check(/#\/entity\/country(%3A|:)KP/.test(page.url()), 'the search box finds country:KP', page.url());

  // ---------------------------------------------------------------- attacks
  const attacks = await page.evaluate(async () => (await (await fetch('api/v1/attacks?limit=20')).json()).attacks || []);
  if (attacks.length) {
    const a = attacks.find((x) => x.detail && (x.detail.top_sources || []).length) || attacks[0];
    await page.goto(`${base}#/attack/${a.id}`);
    await ready('attack page');
    const h1 = await page.textContent('h1');
    check(h1.includes(`Attack #${a.id}`), `the attack page of #${a.id}`, h1);
    const vec = await page.$$('#vectors tbody tr');
    check(vec.length === Object.keys(a.detail.vector_packets || {}).length, 'lists its vectors', `${vec.length} rows`);
    const src = await page.$$('#sources tbody tr');
    check(src.length === (a.detail.top_sources || []).length, 'and its top sources', `${src.length} rows`);
    const c = await page.$$('figure.chart canvas');
    check(c.length >= 1, 'and plots the host group\'s traffic by vector', `${c.length} canvases`);
    await page.screenshot({ path: `${outDir}/attack.png`, fullPage: true });
  } else {
    console.log('# no attacks in this store: the attack page is not checked');
  }
} catch (e) {
  check(false, 'the run', e.stack || String(e));
  await page.screenshot({ path: `${outDir}/failure.png`, fullPage: true }).catch(() => {});
  console.log(`screenshot of the failure: ${outDir}/failure.png`);
}

check(foreign.length === 0, 'no request left 127.0.0.1', foreign.join(' '));
check(consoleErrors.length === 0 && pageErrors.length === 0, 'no console errors', [...consoleErrors, ...pageErrors].join(' | '));
check(badResponses.length === 0, 'no failed responses', badResponses.join(' '));
await browser.close();
console.log(`${passed} passed, ${failed} failed`);
exitCode = failed ? 1 : 0;
process.exit(exitCode);
