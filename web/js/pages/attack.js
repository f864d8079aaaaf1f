// Attack page (#/attack/ID): one DDoS attack event — what, on whom, how
// hard — the host group's traffic around it split by the attack's vectors,
// its top sources and source ASNs.
import * as api from '../api.js';
import { h, section, table, time, sevBadge, eventDuration, entityLink, entityHref } from '../dom.js';
import { toUnix, isoUTC, num, pct, pps, bps, bytes, si, duration } from '../format.js';
import { plot, stacked, seriesGrid, PALETTE, signalInfo } from '../charts.js';

let charts = [];
let resizeObs = null;
let refreshTimer = 0;

export function leave() {
  clearTimeout(refreshTimer);
  for (const c of charts) c.u.destroy();
  charts = [];
  if (resizeObs) resizeObs.disconnect();
  resizeObs = null;
}

const MAX_VECTORS = 6;

/** the entity's signals via /entities (no 404 for an entity without series) */
async function signalsOf(entity, abort) {
  if (!entity) return [];
  const r = await api.entities(entity, 20, abort);
  const e = (r.entities || []).find((x) => x.entity === entity);
  return e ? e.signals || [] : [];
}

function dl(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(([, v]) => v != null && v !== '' && v !== false)
    .map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v))));
}

export async function render(main, { params, status, signal: abort, hook }) {
  const id = Number(params[0]);
  const base = (status && status.store && status.store.bin) || 300;
  const now = status && status.now ? toUnix(status.now) : Math.floor(Date.now() / 1000);
  main.append(h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/' }, 'Overview'), ' › ', `attack #${id}`));

  const ev = await api.eventById(id, abort);
  if (!ev) {
    main.append(h('h1', null, `Attack #${id}`), h('p', { class: 'empty' }, 'No attack with this id in the store.'));
    return;
  }
  const d = ev.detail || {};
  const startS = toUnix(ev.start), endS = toUnix(ev.end);
  const evB = { ...ev, startS, endS };
  hook.events = [evB];
  const group = d.hostgroup ? `hostgroup:${d.hostgroup}` : ev.entity.startsWith('hostgroup:') ? ev.entity : null;

  main.append(
    h('h1', null, `Attack #${id} on `, d.target || ev.entity, ' ', sevBadge(ev.severity)),
    h('p', { class: 'lede' }, (d.vectors || []).length ? `${d.vectors.join(', ')} ` : '',
      `${d.direction || ''} flood, `, time(ev.start), ' → ', time(ev.end),
      endS == null ? ` (${duration(now - startS)} so far)` : ` (${eventDuration(ev)})`));

  const vp = Object.entries(d.vector_packets || {}).sort((a, b) => b[1] - a[1]);
  const vpTotal = vp.reduce((a, [, n]) => a + n, 0);
  main.append(section('Summary', 'summary', dl([
    ['Entity', entityLink(ev.entity)],
    ['Host group', group ? h('a', { href: entityHref(group, { event: ev.id, range: 'event' }) }, d.hostgroup || group) : null],
    ['Scope', d.scope],
    ['Vectors', (d.vectors || []).length ? h('span', null, d.vectors.map((v) => h('span', { class: 'badge vec' }, v))) : 'unclassified'],
    ['Start (UTC)', time(ev.start)],
    ['End (UTC)', time(ev.end)],
    ['Duration', eventDuration(ev)],
    ['Peak', [d.peak_pps != null ? pps(d.peak_pps) : null, d.peak_bps != null ? bps(d.peak_bps) : null,
      d.peak_flows != null ? `${si(d.peak_flows)} flows/s` : null].filter(Boolean).join(' · ')],
    ['Total', [d.packets != null ? `${si(d.packets)} packets` : null, d.bytes != null ? bytes(d.bytes) : null].filter(Boolean).join(' · ')],
    ['Threshold', d.threshold != null ? `${num(d.threshold)} (${d.reason || ev.signal}); score ${num(ev.score)}` : null],
    ['Sampling', d.sampling_rate != null ? `1:${d.sampling_rate}` : null],
    ['Exporter', d.exporter],
    ['Detected', d.detected ? `${d.detected}${d.detect_delay_ms != null ? ` (after ${num(d.detect_delay_ms)} ms)` : ''}` : null],
    ['Blackhole (RTBH)', d.blackhole == null ? null : d.blackhole ? 'announced' : 'no'],
    ['Incident', ev.incident != null ? String(ev.incident) : null],
  ])));

  // --- traffic over time ---
  const chartsBox = h('div', { class: 'charts' });
  main.append(section('Rates by vector over time', 'rates',
    h('p', { class: 'hint' }, group
      ? `Traffic of ${group}: its packet rate, split while the attack lasted by the attack's vector shares (vector_packets); outside the attack, all traffic.`
      : 'This attack names no host group: no series to show.'),
    chartsBox));

  const span = (endS ?? now) - startS;
  const pad = Math.max(1800, Math.round(span * 0.5));
  const from = startS - pad, until = endS != null ? endS + pad : now + base;
  const [gSigs, hSigs] = await Promise.all([signalsOf(group, abort), signalsOf(ev.entity === group ? null : ev.entity, abort)]);
  // per-vector series, where the store has them (flow.pps.VECTOR)
  const perVec = gSigs.filter((s) => /^flow\.pps\.[a-z0-9_]+$/.test(s));
  const flowSigs = gSigs.filter((s) => ['flow.pps', 'flow.bps', 'flow.flows'].includes(s));
  const hostSigs = hSigs.filter((s) => s.startsWith('flow.'));
  const want = [...new Set([...flowSigs, ...perVec])];
  const resps = await Promise.all(want.map((s) => api.series({ entity: group, signal: s, from, until, bin: base }, abort)));
  const hostResps = await Promise.all(hostSigs.map((s) => api.series({ entity: ev.entity, signal: s, from, until, bin: base }, abort)));
  const bySig = Object.fromEntries(want.map((s, i) => [s, resps[i]]));
  const cover = [from, until];
  const gridOf = (resp) => seriesGrid(resp.points || [], resp.bin || base, from, until, 'rate', cover);

  const made = [];
  if (bySig['flow.pps']) {
    const { xs, ys, step } = gridOf(bySig['flow.pps']);
    let layers;
    if (perVec.length) {
      layers = perVec.map((s, i) => ({ label: s.slice('flow.pps.'.length), ys: gridOf(bySig[s]).ys, color: PALETTE[i % PALETTE.length] }));
    } else {
      const top = vp.slice(0, MAX_VECTORS);
      const restShare = vpTotal ? vp.slice(MAX_VECTORS).reduce((a, [, n]) => a + n, 0) / vpTotal : 0;
      const inAttack = (t) => t + (bySig['flow.pps'].bin || base) > startS && t < (endS ?? until);
      const share = (frac) => ys.map((v, i) => (v == null ? null : inAttack(xs[i]) ? v * frac : 0));
      layers = top.map(([vec, n], i) => ({ label: vec, ys: share(vpTotal ? n / vpTotal : 0), color: PALETTE[i % PALETTE.length] }));
      if (restShare > 0) layers.push({ label: 'other vectors', ys: share(restShare), color: '#7f7f7f' });
      layers.push({
        label: vp.length ? 'outside the attack' : 'all traffic',
        ys: ys.map((v, i) => (v == null ? null : vp.length && inAttack(xs[i]) ? 0 : v)),
        color: '#9aa5b1',
      });
    }
    const plotEl = h('div', { class: 'plot', role: 'img', 'aria-label': `Packets per second of ${group} by vector, ${isoUTC(from)} to ${isoUTC(until)}` });
    chartsBox.append(h('figure', { class: 'chart primary', dataset: { signal: 'vectors' } },
      h('figcaption', null, 'Packets per second by vector ', h('code', null, 'flow.pps'),
        perVec.length ? null : h('span', { class: 'sub' }, ' (estimated from the attack\'s vector shares)')),
      plotEl));
    made.push({ key: 'vectors', el: plotEl, height: 240, u: stacked(plotEl, { xs, step, layers, events: [evB], unit: 'pps', height: 240, syncKey: `attack:${id}` }) });
  }
  const others = [...flowSigs.filter((s) => s !== 'flow.pps').map((s) => [group, s, bySig[s]]),
    ...hostSigs.map((s, i) => [ev.entity, s, hostResps[i]])];
  for (const [ent, s, resp] of others) {
    const { xs, ys, step } = gridOf(resp);
    const plotEl = h('div', { class: 'plot', role: 'img', 'aria-label': `${signalInfo(s).label} of ${ent}` });
    chartsBox.append(h('figure', { class: 'chart', dataset: { signal: `${ent} ${s}` } },
      h('figcaption', null, `${signalInfo(s).label} of ${ent} `, h('code', null, s)), plotEl));
    made.push({ key: `${ent} ${s}`, el: plotEl, height: 130, u: plot(plotEl, { signal: s, xs, ys, step, events: [evB], height: 130, syncKey: `attack:${id}` }) });
  }
  if (group && !made.length) chartsBox.append(h('p', { class: 'empty' }, `No flow series stored for ${group} around this attack.`));
  charts = made;
  hook.charts = Object.fromEntries(made.map((c) => [c.key, c.u]));
  hook.range = { from, until, bin: base };
  resizeObs = new ResizeObserver(() => {
    for (const c of charts) {
      const w = Math.max(300, c.el.clientWidth);
      if (Math.abs(w - c.u.width) > 1) c.u.setSize({ width: w, height: c.height });
    }
  });
  resizeObs.observe(chartsBox);

  // --- tables ---
  const total = d.packets || vpTotal || null;
  main.append(section('Vectors', 'vectors', table({
    columns: [{ label: 'Vector' }, { label: 'Packets', num: true }, { label: 'Share', num: true },
      { label: 'At the peak (est.)', num: true }],
    rows: vp.map(([v, n]) => [h('code', null, v), num(n), h('span', { class: 'share' },
      h('span', { class: 'bar', style: `width:${vpTotal ? ((n / vpTotal) * 5).toFixed(2) : 0}rem`, 'aria-hidden': 'true' }),
      pct(vpTotal ? n / vpTotal : null, 1)),
    d.peak_pps != null && vpTotal ? pps((d.peak_pps * n) / vpTotal) : '']),
    empty: 'No packets by vector in this event.',
  })));

  const src = d.top_sources || [];
  main.append(section('Top sources', 'sources', table({
    columns: [{ label: '#', num: true }, { label: 'Address' }, { label: 'Packets', num: true },
      { label: 'Share of the attack', num: true }, { label: 'ASN' }],
    rows: src.map((s, i) => [String(i + 1), h('code', null, s.addr), num(s.packets),
      pct(total ? s.packets / total : null, 2), s.asn != null ? `AS${s.asn}` : '–']),
    empty: 'No source stood out (spoofed sources spread evenly).',
  })));

  const asns = d.top_source_asns || [];
  main.append(section('Top source ASNs', 'asns', table({
    columns: [{ label: 'ASN' }, { label: 'Packets', num: true }, { label: 'Share of the attack', num: true }],
    rows: asns.map((a) => [`AS${a.asn}`, num(a.packets), pct(total ? a.packets / total : null, 2)]),
    empty: 'No source ASNs known.',
  })));

  if ((d.top_targets || []).length) {
    main.append(section('Top targets', 'targets', table({
      columns: [{ label: 'Address' }, { label: 'Packets', num: true }, { label: 'Share', num: true }],
      rows: d.top_targets.map((t) => [h('code', null, t.addr), num(t.packets), pct(total ? t.packets / total : null, 1)]),
    })));
  }

  if (endS == null && status && status.mode === 'serve') {
    // still going on at a live daemon: look again in 30 s
    refreshTimer = setTimeout(() => window.dispatchEvent(new Event('lightsout:refresh')), 30000);
  }

  main.append(section('Raw event', 'raw', h('details', null, h('summary', null, 'The event as the API returns it'),
    h('pre', null, JSON.stringify(ev, null, 2)))));
}
