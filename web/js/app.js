// lightsout dashboard: a hash router over three pages, the header's entity
// search and the status line.  No framework, no build step: ES modules served
// as they are by `lightsout dashboard` / `lightsout serve`.
import * as api from './api.js';
import { h, clear } from './dom.js';
import { isoUTC } from './format.js';
import * as overview from './pages/overview.js';
import * as entity from './pages/entity.js';
import * as attack from './pages/attack.js';

const main = document.getElementById('main');
const statusEl = document.getElementById('status');

/**
 * What tests and curious people can reach: the current page's plots (uPlot
 * instances by signal), its events and the time range shown.
 */
const hook = (window.lightsout = { charts: {}, events: [], range: null, status: null, page: null });

const routes = [
  [/^\/?$/, overview],
  [/^\/entity\/(.+)$/, entity],
  [/^\/attack\/(\d+)$/, attack],
];

/** "#/entity/country:KP?from=..." -> {path: "/entity/country:KP", query: URLSearchParams} */
function parseHash() {
  const raw = location.hash.replace(/^#/, '');
  const i = raw.indexOf('?');
  return { path: i < 0 ? raw : raw.slice(0, i), query: new URLSearchParams(i < 0 ? '' : raw.slice(i + 1)) };
}

let current = null; // {abort: AbortController, page}
let statusP = null;

function getStatus() {
  statusP = statusP || api.status().then((s) => {
    hook.status = s;
    showStatus(s);
    return s;
  }).catch((e) => {
    statusP = null;
    statusEl.textContent = `Server status unavailable: ${e.message}`;
    return null;
  });
  return statusP;
}

function showStatus(s) {
  const store = s.store || {};
  const bits = [`lightsout ${s.version || '?'}`, s.mode || ''];
  if (store.path) bits.push(`store ${store.path}`);
  if (s.now) bits.push(`server time ${isoUTC(s.now)}`);
  clear(statusEl).append(bits.filter(Boolean).join(' · '));
}

async function route(opts = {}) {
  const refresh = opts.refresh === true;
  const { path, query } = parseHash();
  if (location.hash && !location.hash.startsWith('#/')) return; // an in-page anchor
  let page = null, m = null;
  for (const [re, p] of routes) {
    m = re.exec(path);
    if (m) { page = p; break; }
  }
  if (current) {
    current.abort.abort();
    if (current.page.leave) current.page.leave();
  }
  const abort = new AbortController();
  current = { abort, page: page || overview };
  hook.charts = {};
  hook.events = [];
  hook.range = null;
  hook.page = path || '/';
  main.dataset.state = 'loading';
  main.setAttribute('aria-busy', 'true');
  clear(main);
  for (const a of document.querySelectorAll('header nav a')) {
    a.toggleAttribute('aria-current', a.getAttribute('href') === '#/' && (!path || path === '/'));
  }
  if (!page) {
    main.append(h('h1', null, 'Not found'), h('p', null, 'No page at ', h('code', null, location.hash), '. ',
      h('a', { href: '#/' }, 'Back to the overview')));
    main.dataset.state = 'ready';
    main.removeAttribute('aria-busy');
    return;
  }
  try {
    const status = await getStatus();
    if (abort.signal.aborted) return;
    await page.render(main, {
      params: m.slice(1).map(decodeURIComponent), query, status, signal: abort.signal, hook,
    });
    if (abort.signal.aborted) return;
    if (main.dataset.state !== 'error') main.dataset.state = 'ready';
  } catch (e) {
    if (e.name === 'AbortError' || abort.signal.aborted) return;
    main.append(h('div', { class: 'error', role: 'alert' }, h('strong', null, 'Could not load this page. '), e.message));
    main.dataset.state = 'error';
  } finally {
    if (!abort.signal.aborted) main.removeAttribute('aria-busy');
  }
  // move focus to the new page's heading for keyboard and screen-reader users,
  // except on the first load
  if (!abort.signal.aborted && route.count++ > 0 && !refresh) {
    const h1 = main.querySelector('h1');
    if (h1) { h1.tabIndex = -1; h1.focus({ preventScroll: false }); }
  }
}
route.count = 0;

/* the header search: suggestions from /entities as you type (a datalist),
   Enter goes to the entity, or to the overview's list of matches */
function setupSearch() {
  const form = document.getElementById('search');
  const input = form.querySelector('input');
  const list = document.getElementById('entity-options');
  let timer = 0, seq = 0;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      const my = ++seq;
      try {
        const r = await api.entities(q, 20);
        if (my !== seq) return;
        clear(list).append(...(r.entities || []).map((e) =>
          h('option', { value: e.entity }, e.events ? `${e.events} event${e.events === 1 ? '' : 's'}` : '')));
      } catch { /* suggestions are optional */ }
    }, 150);
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const q = input.value.trim();
    if (!q) return;
    let target = `#/?q=${encodeURIComponent(q)}`;
    try {
      const r = await api.entities(q, 50);
      const all = r.entities || [];
      const exact = all.find((e) => e.entity.toLowerCase() === q.toLowerCase());
      if (exact) target = `#/entity/${encodeURIComponent(exact.entity)}`;
      else if (all.length === 1) target = `#/entity/${encodeURIComponent(all[0].entity)}`;
    } catch { /* the overview will say what went wrong */ }
    location.hash = target;
  });
}

setupSearch();
// the skip link focuses <main> without touching the hash (the router's)
document.querySelector('a.skip').addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});
window.addEventListener('hashchange', () => route());
// a page asks to be drawn again with fresh data (a live daemon's overview,
// an ongoing attack): no focus move, the scroll position kept
window.addEventListener('lightsout:refresh', () => {
  const y = window.scrollY;
  route({ refresh: true }).then(() => window.scrollTo(0, y));
});
route();
