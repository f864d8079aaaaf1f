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
// the search box and, when the store has attacks, an attack page.  With the
// probe data of add_probes.py: KP's probe.up_blocks plotted next to its
// visible /24s, and the probe:kcna page (found with the search box): its
// probe.up plot on a 0..1 axis, 1 -> 0 -> 1 over the outage, the probe_down
// event shaded at its times and listed with why it failed.  The whole run
// must make no request to a host other than 127.0.0.1 and log no console
// error.  Screenshots of the KP and kcna pages go to DIR/kp.png and
// DIR/kcna.png (their paths printed).
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
// the made-up probing of tests/web/add_probes.py: the HTTP check of probe:kcna
// fails from 16:15:40 (its first check after the withdrawal) to 01:46:40
const PROBE_ENTITY = 'probe:kcna';
const PROBE_START = Date.parse('2014-12-22T16:15:40Z') / 1000;
const PROBE_END = Date.parse('2014-12-23T01:46:40Z') / 1000;
const PROBE_BAND = { kind: 'probe_down', s: PROBE_START, e: PROBE_END };

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

/** the band of an event (by default the KP outage) on the chart of `signal`, with uPlot's own x for its times */
const bandGeometry = (signal, { kind, s, e } = { kind: 'outage', s: OUT_START, e: OUT_END }) => page.evaluate(({ signal, kind, s, e }) => {
  const u = window.lightsout.charts[signal];
  const fig = document.querySelector(`figure.chart[data-signal="${signal}"]`);
  if (!u || !fig) return { error: `no chart for ${signal}` };
  const band = fig.querySelector(`.band[data-kind="${kind}"][data-start="${s}"]`);
  if (!band) return { error: `no band element for the ${kind} starting at ${s}` };
  const over = u.over.getBoundingClientRect(), r = band.getBoundingClientRect();
  return {
    end: Number(band.dataset.end), hidden: band.hidden, severity: band.dataset.severity,
    left: r.left - over.left, right: r.right - over.left,
    x0: u.valToPos(s, 'x'), x1: u.valToPos(e, 'x'),
    top: r.top - over.top, bottom: r.bottom - over.top, height: over.height, width: over.width,
    min: u.scales.x.min, max: u.scales.x.max,
  };
}, { signal, kind, s, e });

const near = (a, b, tol = 1.5) => Math.abs(a - b) <= tol;

/**
 * rows of the line's colour in a canvas column at time t (or, with
 * `steady`, in the middle of a bin between `t` and `steady` whose neighbours
 * hold the same value: the scenario's flaps make 30 s dips), and where 0,
 * 1 and 4 are on the canvas
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
  return { t, ys, y0: u.valToPos(0, 'y', true), y1: u.valToPos(1, 'y', true), y4: u.valToPos(4, 'y', true), pr };
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

  // active probing of KP's /24 blocks, next to what BGP says
  const figs = await page.evaluate(() => [...document.querySelectorAll('figure.chart')].map((f) =>
    [f.dataset.signal, f.querySelector('figcaption').textContent]));
  const ub = figs.findIndex(([sig]) => sig === 'probe.up_blocks');
  check(ub === 1 && /Blocks answering/.test(figs[ub][1]) && figs.some(([sig]) => sig === 'probe.blocks'),
    'probe.up_blocks (blocks answering) is plotted right below the visible /24s, probe.blocks too',
    JSON.stringify(figs.map(([sig]) => sig)));
  if (ub >= 0) {
    const upB = await lineAt('probe.up_blocks', Date.parse('2014-12-22T06:00:00Z') / 1000, OUT_START);
    check(onLine(upB.ys, upB.y4) && !onLine(upB.ys, upB.y0), 'the blocks answering are 4 before the outage', JSON.stringify(upB));
    const downB = await lineAt('probe.up_blocks', (OUT_START + OUT_END) / 2);
    check(onLine(downB.ys, downB.y0) && !onLine(downB.ys, downB.y4), 'and 0 inside it', JSON.stringify(downB));
  }
  const kpProbe = await page.evaluate(() => {
    const tr = document.querySelector('table.events tbody tr.main[data-kind="probe_down"]');
    if (!tr) return null;
    const text = [...document.querySelectorAll(`table.events tr[data-event-id="${tr.dataset.eventId}"]`)].map((r) => r.textContent).join(' ');
    return {
      start: tr.querySelector('time')?.getAttribute('datetime'), text,
      bands: document.querySelectorAll(`figure.chart .band[data-event-id="${tr.dataset.eventId}"]`).length,
      charts: document.querySelectorAll('figure.chart').length,
    };
  });
  check(kpProbe && kpProbe.start === '2014-12-22T16:17:03Z' && /4 blocks down/.test(kpProbe.text) && /175\.45\.179\.0\/24/.test(kpProbe.text),
    'the blocks going dark are listed as a probe_down event (4 blocks down: 175.45.176.0/24 ...)', JSON.stringify(kpProbe));
  check(kpProbe && kpProbe.bands === kpProbe.charts, 'and shaded on every plot', JSON.stringify(kpProbe && [kpProbe.bands, kpProbe.charts]));
  const labels = await page.evaluate(() => [...document.querySelectorAll('figure.chart.primary .band-label')]
    .filter((l) => !l.hidden && !l.parentElement.hidden)
    .map((l) => { const r = l.getBoundingClientRect(); return { text: l.textContent, l: r.left, r: r.right, t: r.top, b: r.bottom }; }));
  const overlap = labels.some((a, i) => labels.some((b, j) => i < j && a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b));
  check(labels.some((l) => l.text === 'outage') && labels.some((l) => l.text === 'probe down') && !overlap,
    'the outage\'s and the probe down\'s labels both show, one under the other', JSON.stringify(labels));

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

  // ---------------------------------------------------------------- a probe target
  check(ents.some((t) => t.includes(PROBE_ENTITY)), `the overview lists ${PROBE_ENTITY} among entities with events`, ents.join(' | ').slice(0, 200));
  await page.fill('#search-input', 'kcna');
  await page.waitForSelector(`#entity-options option[value="${PROBE_ENTITY}"]`, { state: 'attached', timeout: 10000 }).catch(() => {});
  check(await page.$(`#entity-options option[value="${PROBE_ENTITY}"]`) != null, `the search box suggests ${PROBE_ENTITY}`);
  await page.press('#search-input', 'Enter');
  await page.waitForURL(/#\/entity\/probe(%3A|:)kcna/, { timeout: 10000 }).catch(() => {});
  await ready('probe page');
  check(/#\/entity\/probe(%3A|:)kcna/.test(page.url()), `and finds ${PROBE_ENTITY}`, page.url());

  const pf = await page.evaluate(() => {
    const figs = [...document.querySelectorAll('figure.chart')];
    const u = window.lightsout.charts['probe.up'];
    return {
      signals: figs.map((f) => f.dataset.signal),
      caption: figs[0]?.querySelector('figcaption').textContent,
      rtt: document.querySelector('figure.chart[data-signal="probe.rtt_ms"] figcaption')?.textContent,
      y: u ? [u.scales.y.min, u.scales.y.max] : null,
      ticks: u ? u.axes[1]._values : null,
      lede: document.querySelector('.lede')?.textContent,
    };
  });
  check(pf.signals[0] === 'probe.up' && /Answering \(share of checks\)/.test(pf.caption),
    'its first plot is probe.up, "Answering (share of checks)"', JSON.stringify(pf));
  check(pf.y && pf.y[0] < 0 && pf.y[0] > -0.1 && pf.y[1] >= 1 && pf.y[1] < 1.1 && (pf.ticks || []).includes('1') && !(pf.ticks || []).includes('2'),
    'on a 0..1 axis', JSON.stringify([pf.y, pf.ticks]));
  check(pf.signals.includes('probe.rtt_ms') && /Round-trip time/.test(pf.rtt || ''), 'the round-trip time is plotted too', JSON.stringify(pf));
  check(/4 events: 4 probe down events/.test(pf.lede || ''), 'the page counts its 4 probe down events', pf.lede);

  const upBefore = await lineAt('probe.up', Date.parse('2014-12-22T06:00:00Z') / 1000, PROBE_START);
  check(onLine(upBefore.ys, upBefore.y1) && !onLine(upBefore.ys, upBefore.y0), 'probe.up is 1 before the outage', JSON.stringify(upBefore));
  const upIn = await lineAt('probe.up', (PROBE_START + PROBE_END) / 2);
  check(onLine(upIn.ys, upIn.y0) && !onLine(upIn.ys, upIn.y1), 'and 0 inside it', JSON.stringify(upIn));
  const upAfter = await lineAt('probe.up', Date.parse('2014-12-23T03:00:00Z') / 1000, Date.parse('2014-12-23T07:00:00Z') / 1000);
  check(onLine(upAfter.ys, upAfter.y1) && !onLine(upAfter.ys, upAfter.y0), 'and 1 again after it', JSON.stringify(upAfter));

  const pg = await bandGeometry('probe.up', PROBE_BAND);
  check(!pg.error && !pg.hidden, 'the probe_down event 16:15:40 -> 01:46:40 is shaded on the probe.up plot', pg.error);
  if (!pg.error) {
    check(pg.end === PROBE_END && pg.severity === 'critical', 'the band ends at 2014-12-23T01:46:40Z, critical', JSON.stringify(pg));
    check(near(pg.left, pg.x0) && near(pg.right, pg.x1),
      `the band lies at uPlot's x of its times (${pg.x0.toFixed(1)}..${pg.x1.toFixed(1)} px)`,
      `band ${pg.left.toFixed(1)}..${pg.right.toFixed(1)}`);
    check(pg.x1 - pg.x0 > 40 && near(pg.top, 0) && near(pg.bottom, pg.height), 'and spans the plot\'s height', JSON.stringify(pg));
  }
  const pgR = await bandGeometry('probe.rtt_ms', PROBE_BAND);
  check(!pgR.error && near(pgR.left, pgR.x0) && near(pgR.right, pgR.x1), 'the round-trip time plot shades it at the same place', JSON.stringify(pgR));
  const nBands = await page.$$eval('figure.chart[data-signal="probe.up"] .band[data-kind="probe_down"]', (b) => b.length);
  check(nBands === 4, 'all four probe_down events are shaded', `${nBands} bands`);

  const probeRows = await page.evaluate(() => [...document.querySelectorAll('table.events tbody tr.main')].map((tr) => ({
    kind: tr.dataset.kind,
    start: tr.querySelector('time')?.getAttribute('datetime'),
    duration: tr.querySelector('.duration')?.textContent,
    why: document.querySelector(`table.events tr.why[data-event-id="${tr.dataset.eventId}"]`)?.textContent,
  })));
  const down = probeRows.find((r) => r.start === '2014-12-22T16:15:40Z');
  check(!!down && down.kind === 'probe_down' && down.duration === '9h31m',
    'the events table lists the probe_down from 2014-12-22T16:15:40Z, 9h31m', JSON.stringify(probeRows).slice(0, 300));
  if (down) {
    check(/Not answering: http:\/\/175\.45\.176\.71\//.test(down.why) && /timeout: no answer within 2000 ms/.test(down.why) &&
      /3 attempts; last answered 2014-12-22T16:14:40Z/.test(down.why),
    'explained: the target, why (timeout) and the detail, attempts, last answer', down.why);
  }
  const content = probeRows.find((r) => r.start === '2014-12-21T20:05:40Z');
  check(!!content && /content: body lacks "KCNA"/.test(content.why || ''), 'and the wrong page earlier (content: body lacks "KCNA")', JSON.stringify(content));

  // the bin the target came back in (01:45 .. 01:50): 4 of its 5 checks answered
  await page.fill('#range-from', '2014-12-23 01:00');
  await page.fill('#range-until', '2014-12-23 02:30');
  await page.click('form.fromuntil button[type="submit"]');
  await ready('probe page, from/until');
  {
    const over = await page.evaluate(() => {
      const u = window.lightsout.charts['probe.up'];
      const r = u.over.getBoundingClientRect();
      return { x: r.left + u.valToPos(Date.parse('2014-12-23T01:45:00Z') / 1000 + 150, 'x'), y: r.top + r.height / 2 };
    });
    await page.mouse.move(over.x, over.y);
    const value = await page.textContent('figure.chart[data-signal="probe.up"] figcaption .value');
    const readout = await page.textContent('.readout');
    check(value === '0.8' && /probe down #\d+/.test(readout), 'the cursor in the 01:45 bin reads 0.8 answering, in the probe down event',
      `${value} | ${readout}`);
  }
  await page.mouse.move(5, 5);
  await page.screenshot({ path: `${outDir}/kcna.png`, fullPage: true });
  console.log(`screenshot: ${outDir}/kcna.png`);

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
