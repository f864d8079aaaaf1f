// An event's `detail`, told in words: what went dark and who withdrew it
// (outages), how often and how fast the flapping grew (instability), what hit
// whom from where (attacks), which target or blocks stopped answering and why
// (probe down).  Unknown fields are listed as they are.
import { h } from './dom.js';
import { isoUTC, num, pct, pps, bps, si } from './format.js';

const asn = (n) => `AS${n}`;

/** a list that shows the first few items and folds the rest */
function foldList(items, shown = 6, total = null, what = 'more') {
  const head = items.slice(0, shown).join(', ');
  const more = (total ?? items.length) - Math.min(shown, items.length);
  if (items.length <= shown) {
    return h('span', null, head, total != null && total > items.length ? ` and ${total - items.length} ${what} not listed` : '');
  }
  return h('details', { class: 'fold' },
    h('summary', null, `${head} and ${more} ${what}`),
    h('span', null, items.join(', '),
      total != null && total > items.length ? ` (${total - items.length} not listed)` : ''));
}

function peerText(p) {
  if (!p) return '';
  const who = [p.peer, p.asn != null ? asn(p.asn) : null].filter(Boolean).join(' ');
  const where = p.collector ? ` via ${p.collector}` : '';
  return `${who}${where} at ${isoUTC(p.time)}`;
}

function outage(ev, d) {
  const parts = [];
  const lost = d.prefixes_lost || [];
  const count = d.prefixes_lost_count ?? lost.length;
  if (count) {
    parts.push(h('p', null,
      h('strong', null, `${num(count)} prefix${count === 1 ? '' : 'es'} lost`), ': ',
      foldList(lost, 6, count, 'more')));
  }
  const ups = d.upstreams_lost || [];
  if (ups.length) {
    parts.push(h('p', null, h('strong', null, `Upstream${ups.length === 1 ? '' : 's'} lost`), ': ',
      ups.map(asn).join(', ')));
  }
  const peers = [];
  if (d.full_feed_peers_lost_share != null) {
    peers.push(`${pct(d.full_feed_peers_lost_share)} of full-feed peers no longer announce them`);
  }
  if (d.peers_withdrawing != null) peers.push(`${num(d.peers_withdrawing)} peers withdrew them`);
  if (peers.length) parts.push(h('p', null, h('strong', null, 'Peers'), ': ', peers.join('; ')));
  if (d.first_withdrawal || d.last_withdrawal) {
    parts.push(h('p', { class: 'minor' },
      d.first_withdrawal ? `First withdrawal: ${peerText(d.first_withdrawal)}. ` : '',
      d.last_withdrawal ? `Last: ${peerText(d.last_withdrawal)}.` : ''));
  }
  if (ev.baseline != null && ev.min != null) {
    parts.push(h('p', { class: 'minor' },
      `Visible blocks fell from a baseline of ${num(ev.baseline)} to ${num(ev.min)}.`));
  }
  return parts;
}

/** an inline bar chart of hourly counts, with a text alternative */
function sparkBars(values, label) {
  const w = Math.max(60, Math.min(240, values.length * 5)), hgt = 28;
  const max = Math.max(1, ...values);
  const bw = w / values.length;
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${hgt}`);
  svg.setAttribute('width', String(w));
  svg.setAttribute('height', String(hgt));
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.classList.add('spark');
  values.forEach((v, i) => {
    const r = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    const bh = (v / max) * (hgt - 2);
    r.setAttribute('x', (i * bw).toFixed(1));
    r.setAttribute('y', (hgt - bh).toFixed(1));
    r.setAttribute('width', Math.max(1, bw - 1).toFixed(1));
    r.setAttribute('height', bh.toFixed(1));
    svg.append(r);
  });
  return svg;
}

function instability(ev, d) {
  const parts = [];
  const rate = [];
  if (d.peak_per_hour != null) rate.push(`peak ${num(d.peak_per_hour)}/h`);
  if (d.threshold_per_hour != null) rate.push(`threshold ${num(d.threshold_per_hour)}/h`);
  if (d.baseline_per_hour != null) rate.push(`baseline ${num(d.baseline_per_hour)}/h`);
  if (d.rate_at_start_per_hour != null) rate.push(`${num(d.rate_at_start_per_hour)}/h when it opened`);
  parts.push(h('p', null, h('strong', null, `${num(d.flaps)} visibility flaps`),
    rate.length ? ` (${rate.join(', ')})` : ''));
  if (d.trend_per_hour != null) {
    const sign = d.trend_per_hour > 0 ? '+' : '';
    parts.push(h('p', null, h('strong', null, d.rising ? 'Rising' : 'Not rising'),
      `: trend ${sign}${num(d.trend_per_hour)} flaps/h per hour`));
  }
  if (Array.isArray(d.hourly) && d.hourly.length) {
    parts.push(h('p', { class: 'minor' }, 'Flaps per hour since the start: ',
      sparkBars(d.hourly, `Flaps per hour: ${d.hourly.join(', ')}`)));
  }
  if (d.prefixes && d.prefixes.length) {
    parts.push(h('p', null, h('strong', null, 'Prefixes'), ': ', foldList(d.prefixes, 6)));
  }
  return parts;
}

function attack(ev, d) {
  const parts = [];
  const vec = (d.vectors || []).join(', ') || 'unclassified';
  parts.push(h('p', null, h('strong', null, `${vec}`), ` ${d.direction || ''} flood on `,
    h('strong', null, d.target || ev.entity),
    d.hostgroup ? ` (host group ${d.hostgroup})` : ''));
  const peak = [];
  if (d.peak_pps != null) peak.push(pps(d.peak_pps));
  if (d.peak_bps != null) peak.push(bps(d.peak_bps));
  if (d.peak_flows != null) peak.push(`${si(d.peak_flows)} flows/s`);
  if (peak.length) {
    parts.push(h('p', null, h('strong', null, 'Peak'), `: ${peak.join(', ')}`,
      d.threshold != null ? ` (threshold ${num(d.threshold)} ${d.reason || ''})` : ''));
  }
  const src = d.top_sources || [];
  if (src.length) {
    parts.push(h('p', null, h('strong', null, 'Top sources'), ': ',
      foldList(src.map((s) => `${s.addr}${s.asn != null ? ` (${asn(s.asn)})` : ''}`), 3)));
  }
  const asns = d.top_source_asns || [];
  if (asns.length) {
    parts.push(h('p', null, h('strong', null, 'Source ASNs'), ': ',
      foldList(asns.map((a) => asn(a.asn)), 5)));
  }
  const extra = [];
  if (d.sampling_rate != null && d.sampling_rate !== 1) extra.push(`sampling 1:${d.sampling_rate}`);
  if (d.blackhole) extra.push('blackholed (RTBH)');
  if (d.detect_delay_ms != null) extra.push(`detected after ${num(d.detect_delay_ms)} ms`);
  if (extra.length) parts.push(h('p', { class: 'minor' }, extra.join('; ')));
  parts.push(h('p', null, h('a', { href: `#/attack/${ev.id}` }, `Attack #${ev.id} in detail`)));
  return parts;
}

/** a target that stopped answering its checks, or /24 blocks that stopped answering pings */
function probeDown(ev, d) {
  const parts = [];
  const { target, why, detail, last_ok: lastOk, attempts, blocks_down: down, blocks_down_count: downCount, probes, ...rest } = d;
  if (target != null) {
    parts.push(h('p', null, h('strong', null, 'Not answering'), ': ', h('code', null, String(target))));
  }
  if (why != null || detail != null) {
    parts.push(h('p', null, why != null ? h('strong', null, String(why)) : null,
      why != null && detail != null ? ': ' : '', detail != null ? String(detail) : ''));
  }
  if (Array.isArray(down)) {
    const n = downCount ?? down.length;
    parts.push(h('p', null, h('strong', null, `${num(n)} block${n === 1 ? '' : 's'} down`), ': ', foldList(down, 6, n, 'more')));
  }
  const how = [];
  if (attempts != null) how.push(`${num(attempts)} attempt${attempts === 1 ? '' : 's'}`);
  if (probes != null) how.push(`${num(probes)} probe${probes === 1 ? '' : 's'}`);
  if (lastOk) how.push(`last answered ${isoUTC(lastOk)}`);
  else if (lastOk === null && target != null) how.push('never answered');
  if (how.length) parts.push(h('p', { class: 'minor' }, `${how.join('; ')}.`));
  return [...parts, ...generic(ev, rest)];
}

function generic(ev, d) {
  const rows = Object.entries(d).filter(([, v]) => v == null || typeof v !== 'object');
  if (!rows.length) return [];
  return [h('p', null, rows.map(([k, v], i) => [i ? '; ' : '', h('strong', null, k.replace(/_/g, ' ')), `: ${v}`]))];
}

/** the explanation of an event, as nodes */
export function explain(ev) {
  const d = ev.detail || {};
  switch (ev.kind) {
    case 'outage':
    case 'partial_outage':
      return outage(ev, d);
    case 'instability':
      return instability(ev, d);
    case 'attack':
      return attack(ev, d);
    case 'probe_down':
      return probeDown(ev, d);
    default:
      return generic(ev, d);
  }
}
