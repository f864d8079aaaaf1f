// The JSON API of `lightsout dashboard` / `lightsout serve` (GET /api/v1/...).
// URLs are relative to the page, so the dashboard also works under a prefix.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** GET api/v1/PATH?PARAMS (null and '' params left out); the parsed JSON */
export async function get(path, params = {}, signal) {
  const url = new URL(`api/v1/${path}`, document.baseURI);
  for (const [k, v] of Object.entries(params)) {
    if (v != null && v !== '') url.searchParams.set(k, String(v));
  }
  let res;
  try {
    res = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, `the server did not answer (${url.pathname})`);
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) {
    const why = body && body.error ? body.error : res.statusText;
    throw new ApiError(res.status, `${url.pathname}: ${res.status} ${why}`);
  }
  if (body == null) throw new ApiError(res.status, `${url.pathname}: not JSON`);
  return body;
}

export const status = (signal) => get('status', {}, signal);
export const entities = (q, limit, signal) => get('entities', { q, limit }, signal);
export const signals = (entity, signal) => get('signals', { entity }, signal);
export const series = (p, signal) => get('series', p, signal);
export const events = (p, signal) => get('events', p, signal);
export const attacks = (p, signal) => get('attacks', p, signal);
export const incidents = (p, signal) => get('incidents', p, signal);

/** one event by id: the API has no /events/ID, so look in attacks, then events */
export async function eventById(id, signal) {
  const a = await attacks({ limit: 1000 }, signal);
  let ev = (a.attacks || []).find((e) => e.id === id);
  if (ev) return ev;
  const b = await events({ kind: 'attack', limit: 10000 }, signal);
  ev = (b.events || []).find((e) => e.id === id);
  return ev || null;
}
