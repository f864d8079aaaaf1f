// Overview (#/): what is dark or under attack now, the entities with events,
// recent attacks and events; with ?q=TEXT, the entities matching TEXT.
import * as api from '../api.js';
import { h, section, table, time, entityLink, entityHref, kindBadge, sevBadge, eventDuration } from '../dom.js';
import { duration, countryName, toUnix, pps } from '../format.js';

let refreshTimer = 0;

export function leave() {
  clearTimeout(refreshTimer);
}

function entityCell(entity, params) {
  const name = countryName(entity);
  return [entityLink(entity, params), name ? h('span', { class: 'sub' }, ` ${name}`) : null];
}

function eventRows(evs) {
  return evs.map((e) => [
    e.kind === 'attack' ? h('a', { href: `#/attack/${e.id}` }, String(e.id))
      : h('a', { href: entityHref(e.entity, { event: e.id }) }, String(e.id)),
    entityCell(e.entity, { event: e.id }),
    kindBadge(e.kind, e.severity),
    sevBadge(e.severity),
    h('code', null, e.signal),
    time(e.start),
    time(e.end),
    eventDuration(e),
  ]);
}

const EVENT_COLS = [
  { label: 'ID', num: true }, { label: 'Entity' }, { label: 'Kind' }, { label: 'Severity' },
  { label: 'Signal' }, { label: 'Start (UTC)' }, { label: 'End (UTC)' }, { label: 'Duration', num: true },
];

function ongoingCards(evs, now) {
  const by = new Map();
  for (const e of evs) {
    if (!by.has(e.entity)) by.set(e.entity, []);
    by.get(e.entity).push(e);
  }
  return h('ul', { class: 'cards' }, [...by].map(([entity, list]) => {
    const first = list.reduce((a, b) => (toUnix(a.start) <= toUnix(b.start) ? a : b));
    const worst = list.some((e) => e.severity === 'critical') ? 'critical' : 'warning';
    const kinds = [...new Set(list.map((e) => e.kind))];
    const attackEv = list.find((e) => e.kind === 'attack');
    return h('li', { class: `card sev-${worst}` },
      h('h3', null, entityCell(entity)),
      h('p', null, kinds.map((k) => kindBadge(k, worst)), ' since ', time(first.start),
        now ? ` (${duration(now - toUnix(first.start))})` : ''),
      attackEv && attackEv.detail && attackEv.detail.peak_pps
        ? h('p', null, h('a', { href: `#/attack/${attackEv.id}` }, `attack #${attackEv.id}`), `: peak ${pps(attackEv.detail.peak_pps)}`)
        : null);
  }));
}

export async function render(main, { query, status, signal }) {
  const q = (query.get('q') || '').trim();
  const serve = status && status.mode === 'serve';
  const [ongoing, recent, ents, atts, matches] = await Promise.all([
    api.events({ ongoing: 1, limit: 200 }, signal),
    api.events({ limit: 50 }, signal),
    api.entities('', 200, signal),
    api.attacks({ limit: 20 }, signal),
    q ? api.entities(q, 100, signal) : null,
  ]);
  const now = status && status.now ? toUnix(status.now) : null;
  const byStart = (a, b) => toUnix(b.start) - toUnix(a.start) || b.id - a.id;

  main.append(h('h1', null, 'Overview'));

  if (matches) {
    const list = matches.entities || [];
    main.append(section(`Entities matching “${q}”`, 'matches',
      table({
        columns: [{ label: 'Entity' }, { label: 'Events', num: true }, { label: 'Ongoing', num: true },
          { label: 'Last event (UTC)' }, { label: 'Signals', num: true }],
        rows: list.map((e) => [entityCell(e.entity), String(e.events), String(e.ongoing),
          time(e.last_event_start, '–'), String((e.signals || []).length)]),
        empty: `No entity matches “${q}”.`,
      })));
  }

  const on = (ongoing.events || []).sort(byStart);
  main.append(section('Now: in outage or under attack', 'ongoing',
    on.length ? ongoingCards(on, now)
      : h('p', { class: 'empty' }, 'No ongoing events.')));

  const withEv = (ents.entities || []).filter((e) => e.events > 0)
    .sort((a, b) => (b.ongoing - a.ongoing) || (toUnix(b.last_event_start) - toUnix(a.last_event_start)));
  main.append(section('Entities with events', 'entities',
    table({
      columns: [{ label: 'Entity' }, { label: 'Events', num: true }, { label: 'Ongoing', num: true },
        { label: 'Last event (UTC)' }, { label: 'Signals', num: true }],
      rows: withEv.slice(0, 30).map((e) => [entityCell(e.entity), String(e.events), String(e.ongoing),
        time(e.last_event_start, '–'), String((e.signals || []).length)]),
      empty: 'No entity has events yet.',
    })));

  const at = (atts.attacks || []).sort(byStart);
  if (at.length) {
    main.append(section('Recent attacks', 'attacks',
      table({
        columns: [{ label: 'ID', num: true }, { label: 'Target' }, { label: 'Vectors' }, { label: 'Severity' },
          { label: 'Start (UTC)' }, { label: 'Duration', num: true }, { label: 'Peak', num: true }],
        rows: at.map((e) => {
          const d = e.detail || {};
          return [h('a', { href: `#/attack/${e.id}` }, String(e.id)), entityLink(e.entity),
            (d.vectors || []).join(', '), sevBadge(e.severity), time(e.start), eventDuration(e),
            d.peak_pps != null ? pps(d.peak_pps) : ''];
        }),
      })));
  }

  const ev = (recent.events || []).sort(byStart);
  main.append(section('Recent events', 'recent',
    table({ columns: EVENT_COLS, rows: eventRows(ev), className: 'events', empty: 'No events in the store.' })));

  if (serve) {
    // a live daemon: look again every 30 s (the router cancels this on leaving)
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => window.dispatchEvent(new Event('lightsout:refresh')), 30000);
  }
}
