// DOM helpers: elements built with createElement and text nodes only (the
// API's strings never go through innerHTML), and the small pieces every page
// uses (times, entity links, kind badges, tables).
import { isoUTC, duration } from './format.js';

/** h('a', {href, class, onclick, dataset: {...}}, child, [children], 'text') */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') for (const [dk, dv] of Object.entries(v)) { if (dv != null) el.dataset[dk] = dv; }
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  add(el, children);
  return el;
}

export function add(el, children) {
  for (const c of [children].flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export const clear = (el) => { el.replaceChildren(); return el; };

/** <time datetime="ISO">ISO</time>; '—' for null (ongoing) */
export function time(t, ongoing = 'ongoing') {
  if (t == null) return h('span', { class: 'ongoing' }, ongoing);
  const iso = isoUTC(t);
  return h('time', { datetime: iso }, iso);
}

export function entityHref(entity, params) {
  const q = params ? '?' + new URLSearchParams(params).toString() : '';
  return `#/entity/${encodeURIComponent(entity)}${q}`;
}

export const entityLink = (entity, params) => h('a', { href: entityHref(entity, params) }, entity);

export const KIND_LABEL = {
  outage: 'outage',
  partial_outage: 'partial outage',
  instability: 'instability',
  attack: 'attack',
  probe_down: 'probe down',
};

/** a coloured label: the colour repeats the text, never replaces it */
export function kindBadge(kind, severity) {
  return h('span', { class: `badge kind-${kind} sev-${severity || 'none'}` },
    KIND_LABEL[kind] || kind);
}

export function sevBadge(severity) {
  return h('span', { class: `sev sev-${severity}` }, severity);
}

export function eventDuration(ev) {
  if (ev.duration_s != null) return duration(ev.duration_s);
  return ev.end == null ? 'ongoing' : '';
}

/**
 * table({caption, columns: [{label, class?, num?}], rows: [[cell, ...]], rowAttrs?})
 * cells are nodes or strings
 */
export function table({ caption, columns, rows, rowAttrs, className, empty }) {
  if (!rows.length && empty) return h('p', { class: 'empty' }, empty);
  const thead = h('thead', null, h('tr', null, columns.map((c) =>
    h('th', { scope: 'col', class: [c.class, c.num ? 'num' : null].filter(Boolean).join(' ') || null }, c.label))));
  const tbody = h('tbody');
  rows.forEach((r, i) => {
    tbody.append(h('tr', rowAttrs ? rowAttrs(i) : null, r.map((cell, j) =>
      h(j === 0 && columns[0].rowHeader ? 'th' : 'td',
        { class: [columns[j].class, columns[j].num ? 'num' : null].filter(Boolean).join(' ') || null,
          scope: j === 0 && columns[0].rowHeader ? 'row' : null }, cell))));
  });
  const t = h('table', { class: className || null },
    caption ? h('caption', null, caption) : null, thead, tbody);
  return h('div', { class: 'table-wrap' }, t);
}

/** a section with a heading: section('Recent events', id, ...children) */
export function section(title, id, ...children) {
  const hid = `${id}-h`;
  return h('section', { id, 'aria-labelledby': hid, class: 'panel' },
    h('h2', { id: hid }, title), ...children);
}
