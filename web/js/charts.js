// Time-series plots with uPlot (web/vendor/, from npm): a stepped line per
// signal, events shaded as bands, drag to zoom, cursors and zoom kept in step
// across the plots of a page.
import uPlot from '../vendor/uPlot.esm.js';
import { h } from './dom.js';
import { isoUTC, num, si, unit, duration, axisTimes } from './format.js';

/** what each known signal is; counters are counts per bin, levels a value */
export const SIGNALS = {
  'bgp.visible_slash24': { label: 'Visible /24 blocks', type: 'level', primary: true },
  'bgp.visible_slash48': { label: 'Visible /48 blocks', type: 'level' },
  // active probing, next to what BGP says: a target's checks, a region's /24 blocks
  'probe.up': { label: 'Answering (share of checks)', type: 'level', primary: true, share: true },
  'probe.rtt_ms': { label: 'Round-trip time', type: 'level', unit: 'ms' },
  'probe.up_blocks': { label: 'Blocks answering (/24s)', type: 'level' },
  'probe.blocks': { label: 'Blocks measurable (/24s)', type: 'level' },
  'bgp.prefixes': { label: 'Visible prefixes', type: 'level' },
  'bgp.origin_asns': { label: 'Origin ASNs', type: 'level' },
  'bgp.announcements': { label: 'Announcements', type: 'counter' },
  'bgp.withdrawals': { label: 'Withdrawals', type: 'counter' },
  'bgp.flaps': { label: 'Flaps (per peer)', type: 'counter' },
  'bgp.visibility_flaps': { label: 'Visibility flaps', type: 'counter' },
  'flow.pps': { label: 'Packets per second', type: 'rate', unit: 'pps' },
  'flow.bps': { label: 'Bits per second', type: 'rate', unit: 'b/s' },
  'flow.flows': { label: 'Flows per second', type: 'rate', unit: 'flows/s' },
};
const ORDER = Object.keys(SIGNALS);

export function signalInfo(name) {
  return SIGNALS[name] || { label: name, type: /flap|announce|withdraw|count/.test(name) ? 'counter' : 'level' };
}

/** known signals in a fixed order, then the others by name */
export function orderSignals(list) {
  return [...list].sort((a, b) => {
    const ia = ORDER.indexOf(a), ib = ORDER.indexOf(b);
    if (ia >= 0 || ib >= 0) return (ia < 0 ? 1e3 : ia) - (ib < 0 ? 1e3 : ib);
    return a.localeCompare(b);
  });
}

const cssVar = (name, fallback) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

const utcDate = (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');

/** the cursor is on the bin it is in (the bin starting at or before it), not the nearest bin start */
const binIdx = (u, si_, closest, x) => {
  const xs = u.data[0];
  let i = closest;
  while (i > 0 && xs[i] > x) i--;
  return i;
};

/**
 * A path builder for binned series: each bin's value drawn from the bin's
 * start to its end (start + step), joined to the next bin when it follows
 * without a gap, filled down to 0.  uPlot's own stepped paths need the next
 * point to draw a bin, so a lone bin or the last one before a gap would not
 * show.
 */
function binSteps(step) {
  return (u, sidx, idx0, idx1) => {
    const xs = u.data[0], ys = u.data[sidx];
    const stroke = new Path2D(), fill = new Path2D();
    const X = (v) => Math.round(u.valToPos(v, 'x', true));
    const Y = (v) => Math.round(u.valToPos(v, 'y', true));
    const base = Y(0);
    let prevEnd = null;
    for (let i = Math.max(0, idx0 - 1); i <= idx1 && i < xs.length; i++) {
      const v = ys[i];
      if (v == null) {
        prevEnd = null;
        continue;
      }
      const xa = X(xs[i]), xb = X(xs[i] + step), y = Y(v);
      if (prevEnd === xs[i]) stroke.lineTo(xa, y);
      else stroke.moveTo(xa, y);
      stroke.lineTo(xb, y);
      fill.rect(xa, Math.min(y, base), xb - xa, Math.abs(base - y));
      prevEnd = xs[i] + step;
    }
    return { stroke, fill, clip: null, band: null, gaps: null, flags: 0 };
  };
}

/** a round number at or above v: 4.2 -> 5, 46 -> 50, 130 -> 200 */
export function niceCeil(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  const m = v / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
}

/** y from 0 (a little below, so a line at 0 is not cut by the edge) to a round top */
const yRange = (u, min, max) => {
  const top = niceCeil((max ?? 0) * 1.04);
  const bottom = min != null && min < 0 ? -niceCeil(-min * 1.04) : -top * 0.03;
  return [bottom, top];
};

/** a share (0..1) on a fixed 0..1 axis, whatever the range holds */
const shareRange = () => [-0.03, 1.04];

/** axes: time in UTC below (its labels left out with `bare`: plots in step share the first one's), values left */
function axes(yFmt, bare) {
  const axis = cssVar('--plot-axis', '#555');
  const grid = cssVar('--plot-grid', 'rgba(0,0,0,0.08)');
  return [
    {
      stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, size: 4 }, space: 60,
      values: bare ? (u, splits) => splits.map(() => '') : (u, splits, ai, space, incr) => axisTimes(splits, incr),
      size: bare ? 8 : 44,
    },
    {
      stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, size: 4 }, size: 52, space: 22,
      values: (u, vals) => vals.map((v) => (v < 0 ? '' : yFmt(v))),
    },
  ];
}

/**
 * Bands over the plot area, one element per event, placed with the x scale's
 * valToPos on every redraw (zoom, resize).  Each element carries the event's
 * id, kind, severity, start and end (unix seconds), so what is drawn can be
 * checked against the data.
 */
function bandsPlugin(events, { labels }) {
  let layer;
  const place = (u) => {
    const min = u.scales.x.min, max = u.scales.x.max;
    const width = u.over.clientWidth;
    const rows = []; // labels: the right edge of the last one in each row
    for (const el of layer.children) {
      const s = Number(el.dataset.start);
      const e = el.dataset.end ? Number(el.dataset.end) : max;
      if (min == null || max == null || e < min || s > max) {
        el.hidden = true;
        continue;
      }
      const x0 = Math.max(0, u.valToPos(s, 'x'));
      const x1 = Math.min(width, u.valToPos(e, 'x'));
      el.hidden = false;
      el.style.left = `${x0}px`;
      el.style.width = `${Math.max(2, x1 - x0)}px`;
      el.classList.toggle('cut-left', s < min);
      el.classList.toggle('cut-right', e > max);
      const lab = el.firstElementChild;
      if (!lab) continue;
      lab.hidden = x1 - x0 < 34;
      if (lab.hidden) continue;
      // bands are in order of start: a label that would cover an earlier
      // one's (an outage and the probes' event a minute later) goes a row lower
      let row = rows.findIndex((right) => right < x0);
      if (row < 0) row = rows.push(0) - 1;
      rows[row] = x0 + lab.offsetLeft + lab.offsetWidth + 2;
      lab.style.top = row ? `${2 + row * (lab.offsetHeight + 2)}px` : '';
    }
  };
  return {
    hooks: {
      init: (u) => {
        layer = h('div', { class: 'bands', 'aria-hidden': 'true' });
        for (const ev of events) {
          const el = h('div', {
            class: `band kind-${ev.kind} sev-${ev.severity}${ev.end == null ? ' ongoing' : ''}`,
            dataset: {
              eventId: String(ev.id), kind: ev.kind, severity: ev.severity,
              start: String(ev.startS), end: ev.endS == null ? '' : String(ev.endS),
            },
          }, labels ? h('span', { class: 'band-label' }, ev.kind === 'partial_outage' ? 'partial' : ev.kind.replace('_', ' ')) : null);
          layer.append(el);
        }
        u.over.prepend(layer);
      },
      draw: place,
    },
  };
}

/**
 * plot(el, {signal, xs, ys, events, height, syncKey, onZoom, onCursor})
 * xs: unix seconds (a bin grid), ys: values (null = no data)
 */
export function plot(el, opts) {
  const info = signalInfo(opts.signal);
  const fmtVal = (v) => (v == null ? '–' : info.unit ? unit(v, info.unit) : num(v));
  let ready = false;
  const o = {
    width: Math.max(300, el.clientWidth),
    height: opts.height || 160,
    tzDate: utcDate,
    cursor: {
      sync: opts.syncKey ? { key: opts.syncKey, setSeries: false } : undefined,
      drag: { x: true, y: false, setScale: true },
      points: { size: 7 },
      dataIdx: binIdx,
    },
    select: { show: true },
    scales: { x: { time: true }, y: { range: info.share ? shareRange : yRange } },
    axes: axes((v) => si(v), !!opts.bareX),
    series: [
      { label: 'UTC', value: (u, v) => (v == null ? '–' : isoUTC(v)) },
      {
        label: info.label,
        stroke: cssVar('--plot-line', '#1f5fa8'),
        width: 2,
        fill: info.type === 'level' ? cssVar('--plot-fill', 'rgba(31,95,168,0.12)')
          : cssVar('--plot-fill-counter', 'rgba(31,95,168,0.35)'),
        paths: binSteps(opts.step),
        points: { show: false },
        value: (u, v) => fmtVal(v),
      },
    ],
    legend: { show: false },
    plugins: [bandsPlugin(opts.events || [], { labels: !!opts.labels })],
    hooks: {
      ready: [() => { ready = true; }],
      setScale: [(u, key) => { if (ready && key === 'x' && opts.onZoom) opts.onZoom(u); }],
      setCursor: [(u) => {
        const idx = u.cursor.idx;
        if (opts.valueEl) opts.valueEl.textContent = idx == null ? '' : fmtVal(u.data[1][idx]);
        if (opts.onCursor) opts.onCursor(u, idx == null ? null : u.data[0][idx]);
      }],
    },
  };
  return new uPlot(o, [opts.xs, opts.ys], el);
}

/**
 * seriesGrid(points, step, from, until, type, cover): the response's points
 * on a bin grid from `from` to `until`, plus a closing point (no value) at the
 * end of the last bin; counters are 0 where a bin has no row (the store keeps no empty
 * counter bins) inside `cover` ([first, last] of the entity's data), levels
 * null (a gap).
 */
export function seriesGrid(points, step, from, until, type, cover) {
  const g0 = Math.floor(from / step) * step;
  const xs = [], ys = [];
  const byT = new Map(points.map(([t, v]) => [t - (t % step), v]));
  for (let t = g0; t < until; t += step) {
    xs.push(t);
    let v = byT.has(t) ? byT.get(t) : null;
    if (v == null && type === 'counter' && cover && t >= cover[0] && t < cover[1]) v = 0;
    ys.push(v);
  }
  // the end of the last bin, so the x scale reaches it (no value of its own)
  xs.push(Math.max(until, (xs.length ? xs[xs.length - 1] : g0) + step));
  ys.push(null);
  return { xs, ys, step };
}

/** a one-line text of an event for captions and cursor readouts */
export function eventLine(ev) {
  const d = ev.duration_s != null ? duration(ev.duration_s) : 'ongoing';
  return `${ev.kind.replace('_', ' ')} #${ev.id} (${ev.severity}, ${d})`;
}

export { uPlot };

export const PALETTE = ['#d94f30', '#2a7fba', '#e0a100', '#6a3d9a', '#1b9e77', '#e7298a', '#66a61e', '#8c6d31'];

/**
 * stacked(el, {xs, layers: [{label, ys, color}], events, height, unit, syncKey})
 * layers stacked bottom to top in the order given; the legend shows each
 * layer's own value, not the running sum
 */
export function stacked(el, opts) {
  const n = opts.xs.length;
  const sums = [];
  let acc = new Array(n).fill(0);
  const has = new Array(n).fill(false);
  for (const l of opts.layers) {
    acc = acc.map((a, i) => {
      if (l.ys[i] == null) return a;
      has[i] = true;
      return a + l.ys[i];
    });
    sums.push(acc.slice());
  }
  for (const sum of sums) for (let i = 0; i < n; i++) if (!has[i]) sum[i] = null;
  // draw the tallest first so each smaller sum is painted over it
  const order = opts.layers.map((l, i) => i).reverse();
  const fmt = (v) => (v == null ? '–' : opts.unit ? unit(v, opts.unit) : num(v));
  let ready = false;
  const o = {
    width: Math.max(300, el.clientWidth),
    height: opts.height || 240,
    tzDate: utcDate,
    cursor: {
      sync: opts.syncKey ? { key: opts.syncKey, setSeries: false } : undefined,
      drag: { x: true, y: false, setScale: true },
      points: { show: false },
      dataIdx: binIdx,
    },
    scales: { x: { time: true }, y: { range: yRange } },
    axes: axes((v) => si(v)),
    series: [
      { label: 'UTC', value: (u, v) => (v == null ? '–' : isoUTC(v)) },
      ...order.map((i) => ({
        label: opts.layers[i].label,
        stroke: opts.layers[i].color,
        fill: opts.layers[i].color + 'b0',
        width: 1,
        paths: binSteps(opts.step),
        points: { show: false },
        value: (u, v, si_, idx) => fmt(idx == null ? null : opts.layers[i].ys[idx]),
      })),
    ],
    legend: { live: true },
    plugins: [bandsPlugin(opts.events || [], { labels: true })],
    hooks: {
      ready: [() => { ready = true; }],
      setScale: [(u, key) => { if (ready && key === 'x' && opts.onZoom) opts.onZoom(u); }],
    },
  };
  return new uPlot(o, [opts.xs, ...order.map((i) => sums[i])], el);
}
