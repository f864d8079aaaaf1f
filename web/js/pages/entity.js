// Entity page (#/entity/country:KP): every signal of the entity over time,
// its events shaded on the plots and explained in a table, a time range
// (presets, from/until, drag to zoom) that refetches the series.
//
// Query: range=all|24h|7d|event|custom, event=ID (the event of "Event ±12 h"),
// from=, until= (unix seconds; range=custom).
import * as api from '../api.js';
import { h, clear, section, time, kindBadge, sevBadge, eventDuration, entityHref, KIND_LABEL } from '../dom.js';
import { toUnix, isoUTC, parseUTC, countryName, num as fmtNum } from '../format.js';
import { plot, seriesGrid, orderSignals, signalInfo, eventLine } from '../charts.js';
import { explain } from '../explain.js';

const HOUR = 3600, DAY = 86400;
const MAX_POINTS = 1500; // per plot: the bin grows with the range beyond this
const PRESETS = [
  ['event', 'Event ±12 h'],
  ['24h', '24 h'],
  ['7d', '7 d'],
  ['all', 'All'],
];

let charts = []; // {u, signal, el, height}
let resizeObs = null;
let refetchTimer = 0;

export function leave() {
  destroyCharts();
  clearTimeout(refetchTimer);
}

function destroyCharts() {
  for (const c of charts) c.u.destroy();
  charts = [];
  if (resizeObs) resizeObs.disconnect();
  resizeObs = null;
}

const EVENT_NOUN = { instability: 'instability event', 'probe down': 'probe down event' };
const plural = (n, what) => `${n} ${EVENT_NOUN[what] || what}${n === 1 ? '' : 's'}`;

/** baseline -> min; an instability's are flaps per hour (the baseline, the count when it opened) */
function baselineText(e) {
  if (e.baseline == null) return '';
  const per = e.kind === 'instability' ? '/h' : '';
  return `${fmtNum(e.baseline)}${per} → ${fmtNum(e.min)}${per}`;
}

const binText = (s) => (s % 3600 === 0 ? `${s / 3600} h` : s % 60 === 0 ? `${s / 60} min` : `${s} s`);

const binFor = (span, base) => base * Math.max(1, Math.ceil(span / base / MAX_POINTS));

/** [first, end) of the entity's data in @signal, from three small requests */
async function extentOf(entity, signal, base, abort) {
  const day = await api.series({ entity, signal, bin: DAY }, abort);
  const pts = day.points || [];
  if (!pts.length) return null;
  const firstDay = pts[0][0], lastDay = pts[pts.length - 1][0];
  const [head, tail] = await Promise.all([
    api.series({ entity, signal, from: firstDay, until: firstDay + DAY, bin: base }, abort),
    api.series({ entity, signal, from: lastDay, bin: base }, abort),
  ]);
  const first = head.points && head.points.length ? head.points[0][0] : firstDay;
  const tp = tail.points || [];
  const last = tp.length ? tp[tp.length - 1][0] : lastDay;
  return [first, last + (tail.bin || base)];
}

/** the event "Event ±12 h" shows by default: the longest outage, else the latest event */
function defaultEvent(evs, now) {
  const len = (e) => (e.endS ?? now) - e.startS;
  const outs = evs.filter((e) => e.kind === 'outage' || e.kind === 'partial_outage');
  if (outs.length) return outs.reduce((a, b) => (len(b) > len(a) ? b : a));
  return evs.length ? evs.reduce((a, b) => (b.startS > a.startS ? b : a)) : null;
}

export async function render(main, { params, query, status, signal: abort, hook }) {
  const entity = params[0];
  const base = (status && status.store && status.store.bin) || 300;
  const serve = status && status.mode === 'serve';
  const now = status && status.now ? toUnix(status.now) : Math.floor(Date.now() / 1000);

  const [sigResp, evResp] = await Promise.all([
    api.signals(entity, abort),
    api.events({ entity, limit: 1000 }, abort),
  ]);
  const signals = orderSignals(sigResp.signals || []);
  const evs = (evResp.events || []).map((e) => ({ ...e, startS: toUnix(e.start), endS: toUnix(e.end) }))
    .sort((a, b) => a.startS - b.startS || a.id - b.id);
  hook.events = evs;

  const primary = signals.find((s) => signalInfo(s).primary) || signals[0];
  let extent = primary ? await extentOf(entity, primary, base, abort) : null;
  if (!extent && evs.length) {
    extent = [Math.min(...evs.map((e) => e.startS)), Math.max(...evs.map((e) => e.endS ?? now))];
  }
  // the end presets count back from: the data's end, or now for a live daemon
  const anchor = extent ? (serve ? Math.max(extent[1], now) : extent[1]) : now;

  const state = {
    preset: query.get('range') || (query.get('from') ? 'custom' : query.get('event') ? 'event' : 'all'),
    eventId: query.get('event') ? Number(query.get('event')) : null,
    from: toUnix(query.get('from')),
    until: toUnix(query.get('until')),
    bin: base,
  };
  if (state.eventId == null || !evs.some((e) => e.id === state.eventId)) {
    const d = defaultEvent(evs, now);
    state.eventId = d ? d.id : null;
  }

  function rangeOf(preset) {
    const ev = evs.find((e) => e.id === state.eventId);
    switch (preset) {
      case 'event':
        if (ev) return [ev.startS - 12 * HOUR, (ev.endS ?? anchor) + 12 * HOUR];
        return rangeOf('all');
      case '24h': return [anchor - DAY, anchor];
      case '7d': return [anchor - 7 * DAY, anchor];
      case 'custom':
        if (state.from != null && state.until != null && state.from < state.until) return [state.from, state.until];
        return rangeOf('all');
      default: return extent ? [extent[0], Math.max(extent[1], extent[0] + HOUR)] : [anchor - DAY, anchor];
    }
  }

  // --- page skeleton ---
  const cname = countryName(entity);
  const kinds = {};
  for (const e of evs) kinds[e.kind] = (kinds[e.kind] || 0) + 1;
  const ongoing = evs.filter((e) => e.endS == null).length;
  main.append(
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/' }, 'Overview'), ' › ', entity),
    h('h1', null, entity, cname ? h('span', { class: 'sub' }, ` ${cname}`) : null),
    h('p', { class: 'lede' },
      evs.length ? `${evs.length} event${evs.length === 1 ? '' : 's'}: ` +
        Object.entries(kinds).map(([k, n]) => plural(n, KIND_LABEL[k] || k)).join(', ') +
        (ongoing ? `; ${ongoing} ongoing.` : '.') : 'No events.',
      extent ? ` Data from ${isoUTC(extent[0])} to ${isoUTC(extent[1])}.` : ''));

  // range controls
  const presetBtns = PRESETS.map(([key, label]) => h('button', {
    type: 'button', class: 'preset', dataset: { preset: key }, 'aria-pressed': 'false',
    disabled: key === 'event' && !evs.length ? true : null,
    onclick: () => { state.preset = key; commit('push'); },
  }, label));
  const timeInput = (id, name) => h('input', {
    type: 'text', id, name, required: true, size: 21, spellcheck: 'false', autocomplete: 'off',
    placeholder: 'YYYY-MM-DDTHH:MM:SSZ', 'aria-describedby': 'range-hint',
  });
  const fromIn = timeInput('range-from', 'from');
  const untilIn = timeInput('range-until', 'until');
  const rangeMsg = h('span', { class: 'range-msg', role: 'status' });
  const form = h('form', {
    class: 'fromuntil',
    onsubmit: (e) => {
      e.preventDefault();
      const f = parseUTC(fromIn.value), u = parseUTC(untilIn.value);
      if (f == null || u == null) {
        rangeMsg.textContent = 'Times as 2014-12-22T16:15:21Z, 2014-12-22 16:15 or unix seconds (UTC).';
        (f == null ? fromIn : untilIn).focus();
        return;
      }
      if (f >= u) {
        rangeMsg.textContent = 'From must be before until.';
        fromIn.focus();
        return;
      }
      Object.assign(state, { preset: 'custom', from: f, until: u });
      commit('push');
    },
  },
  h('label', { for: 'range-from' }, 'From'), fromIn,
  h('label', { for: 'range-until' }, 'Until'), untilIn,
  h('button', { type: 'submit' }, 'Show'), rangeMsg);
  main.append(h('section', { class: 'rangebar', 'aria-label': 'Time range' },
    h('div', { class: 'presets', role: 'group', 'aria-label': 'Range presets' }, presetBtns),
    form,
    h('p', { class: 'hint', id: 'range-hint' }, 'Times in UTC. Drag across a plot to zoom in, double-click it to zoom out.')));

  const kindsPresent = [...new Set(evs.map((e) => e.kind))];
  const legend = kindsPresent.length ? h('ul', { class: 'band-legend', 'aria-label': 'Shaded events' },
    kindsPresent.map((k) => h('li', null, h('span', { class: `swatch kind-${k}`, 'aria-hidden': 'true' }), KIND_LABEL[k] || k))) : null;
  const readout = h('p', { class: 'readout', 'aria-live': 'off' }, '\u00a0');
  const chartsBox = h('div', { class: 'charts' });
  main.append(section('Signals', 'signals', legend, readout, chartsBox));

  const evTable = h('div');
  main.append(section('Events', 'events', evTable));
  renderEvents();

  // --- behaviour ---
  function hashFor() {
    const p = new URLSearchParams();
    p.set('range', state.preset);
    if (state.eventId != null) p.set('event', String(state.eventId));
    if (state.preset === 'custom') {
      p.set('from', String(state.from));
      p.set('until', String(state.until));
    }
    return `${entityHref(entity)}?${p}`;
  }

  function showRange([f, u]) {
    fromIn.value = isoUTC(f);
    untilIn.value = isoUTC(u);
    rangeMsg.textContent = '';
    for (const b of presetBtns) b.setAttribute('aria-pressed', String(b.dataset.preset === state.preset));
  }

  async function commit(how) {
    if (how === 'push') history.pushState(null, '', hashFor());
    else if (how === 'replace') history.replaceState(null, '', hashFor());
    const r = rangeOf(state.preset);
    showRange(r);
    renderEvents();
    await load(r);
  }

  function renderEvents() {
    if (!evs.length) {
      clear(evTable).append(h('p', { class: 'empty' }, 'No events for this entity.'));
      return;
    }
    const cols = ['ID', 'Kind', 'Severity', 'Signal', 'Start (UTC)', 'End (UTC)', 'Duration', 'Baseline → min', 'Incident', ''];
    const num = new Set([0, 6, 7, 8]);
    const body = h('tbody');
    for (const e of evs) {
      const sel = e.id === state.eventId ? 'selected' : null;
      body.append(
        h('tr', { class: ['main', sel].filter(Boolean).join(' '), dataset: { eventId: String(e.id), kind: e.kind } },
          h('th', { scope: 'row', class: 'num' }, String(e.id)),
          h('td', null, h('span', { class: `swatch kind-${e.kind}`, 'aria-hidden': 'true' }), kindBadge(e.kind, e.severity)),
          h('td', null, sevBadge(e.severity)),
          h('td', null, h('code', null, e.signal)),
          h('td', null, time(e.start)),
          h('td', null, time(e.end)),
          h('td', { class: 'num' }, h('span', { class: 'duration' }, eventDuration(e))),
          h('td', { class: 'num' }, baselineText(e)),
          h('td', { class: 'num' }, e.incident != null ? String(e.incident) : ''),
          h('td', { class: 'act' }, h('button', {
            type: 'button', class: 'small',
            'aria-label': `Show ${eventLine(e)} ±12 h`,
            onclick: () => { state.eventId = e.id; state.preset = 'event'; commit('push'); },
          }, '±12 h'))),
        h('tr', { class: ['why', sel].filter(Boolean).join(' '), dataset: { eventId: String(e.id) } },
          h('td', { colspan: String(cols.length), class: 'explain' }, explain(e))));
    }
    clear(evTable).append(h('div', { class: 'table-wrap' }, h('table', { class: 'events' },
      h('caption', { class: 'visually-hidden' }, `Events of ${entity}, each followed by its explanation`),
      h('thead', null, h('tr', null, cols.map((c, i) =>
        h('th', { scope: 'col', class: num.has(i) ? 'num' : null }, c || h('span', { class: 'visually-hidden' }, 'Show'))))),
      body)));
  }

  let syncing = false;
  function onZoom(u) {
    if (syncing) return;
    const min = u.scales.x.min, max = u.scales.x.max;
    if (min == null || max == null) return;
    syncing = true;
    for (const c of charts) if (c.u !== u) c.u.setScale('x', { min, max });
    syncing = false;
    Object.assign(state, { preset: 'custom', from: Math.floor(min), until: Math.ceil(max) });
    showRange([state.from, state.until]);
    history.replaceState(null, '', hashFor());
    hook.range = { ...hook.range, from: state.from, until: state.until, preset: 'custom', zoomed: true };
    // a finer bin for the narrower range: fetch again
    if (binFor(max - min, base) < state.bin) {
      clearTimeout(refetchTimer);
      refetchTimer = setTimeout(() => load([state.from, state.until]), 300);
    }
  }

  function onCursor(u, t) {
    if (t == null) { readout.textContent = '\u00a0'; return; }
    const here = evs.filter((e) => e.startS <= t + state.bin && (e.endS ?? anchor) >= t);
    readout.textContent = `${isoUTC(t)}${here.length ? ' · ' + here.map(eventLine).join(' · ') : ''}`;
  }

  let loadSeq = 0;
  async function load(r) {
    try {
      await loadSeries(r);
    } catch (e) {
      if (e.name === 'AbortError' || abort.aborted) return;
      clear(chartsBox).append(h('div', { class: 'error', role: 'alert' },
        h('strong', null, 'Could not load the series. '), e.message));
      chartsBox.removeAttribute('aria-busy');
      main.dataset.state = 'error';
    }
  }

  async function loadSeries([from, until]) {
    const my = ++loadSeq;
    const bin = binFor(until - from, base);
    main.dataset.state = 'loading';
    chartsBox.setAttribute('aria-busy', 'true');
    const resps = await Promise.all(signals.map((s) =>
      api.series({ entity, signal: s, from, until, bin }, abort)));
    if (my !== loadSeq || abort.aborted) return;
    const step = (resps[0] && resps[0].bin) || bin;
    state.bin = step;
    destroyCharts();
    clear(chartsBox);
    if (!signals.length) {
      chartsBox.append(h('p', { class: 'empty' }, 'No series are stored for this entity.'));
    }
    const bandEvs = evs.filter((e) => e.startS <= until && (e.endS ?? anchor) >= from);
    resps.forEach((resp, i) => {
      const sig = signals[i];
      const info = signalInfo(sig);
      const { xs, ys } = seriesGrid(resp.points || [], resp.bin || step, from, until, info.type, extent);
      const vals = ys.filter((v) => v != null);
      const lo = vals.length ? Math.min(...vals) : null, hi = vals.length ? Math.max(...vals) : null;
      const valueEl = h('output', { class: 'value', 'aria-live': 'off' });
      const plotEl = h('div', {
        class: 'plot', role: 'img',
        'aria-label': vals.length
          ? `${info.label} from ${isoUTC(from)} to ${isoUTC(until)}: between ${fmtNum(lo)} and ${fmtNum(hi)}` +
            (bandEvs.length ? `; ${bandEvs.length} event${bandEvs.length === 1 ? '' : 's'} shaded` : '')
          : `${info.label}: no data in this range`,
      });
      const fig = h('figure', { class: `chart${i === 0 ? ' primary' : ''}`, dataset: { signal: sig } },
        h('figcaption', null, info.label, ' ', h('code', null, sig),
          info.type === 'counter' ? h('span', { class: 'sub' }, ` per ${binText(step)}`) : null,
          vals.length ? null : h('span', { class: 'sub' }, ' — no data in this range'),
          valueEl),
        plotEl);
      chartsBox.append(fig);
      const height = i === 0 ? 230 : i < resps.length - 1 ? 96 : 136;
      const u = plot(plotEl, {
        signal: sig, xs, ys, step: resp.bin || step, events: bandEvs, height, labels: i === 0, valueEl,
        bareX: i > 0 && i < resps.length - 1,
        syncKey: `entity:${entity}`, onZoom, onCursor,
      });
      charts.push({ u, signal: sig, el: plotEl, height });
    });
    hook.charts = Object.fromEntries(charts.map((c) => [c.signal, c.u]));
    hook.range = { from, until, bin: step, preset: state.preset, eventId: state.eventId };
    resizeObs = new ResizeObserver(() => {
      for (const c of charts) {
        const w = Math.max(300, c.el.clientWidth);
        if (Math.abs(w - c.u.width) > 1) c.u.setSize({ width: w, height: c.height });
      }
    });
    resizeObs.observe(chartsBox);
    chartsBox.removeAttribute('aria-busy');
    main.dataset.state = 'ready';
  }

  await commit(null);
}
