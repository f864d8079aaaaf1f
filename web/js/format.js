// Formatting: times in UTC (ISO 8601, as the CLI prints them), durations as
// `lightsout events` prints them, numbers and rates.

/** unix seconds of an ISO 8601 UTC string or a number; null for null */
export function toUnix(t) {
  if (t == null || t === '') return null;
  if (typeof t === 'number') return t;
  if (/^-?\d+$/.test(t)) return Number(t);
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

/** "2014-12-22T16:15:21Z" from unix seconds or an ISO string */
export function isoUTC(t) {
  const s = toUnix(t);
  if (s == null) return '';
  return new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * unix seconds of what someone typed: "2014-12-22T16:15:21Z", "2014-12-22
 * 16:15", "2014-12-22" (all UTC, with or without Z/UTC) or unix seconds;
 * null when it is none of these
 */
export function parseUTC(text) {
  const s = String(text || '').trim();
  if (/^\d{9,11}$/.test(s)) return Number(s);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?\s*(?:Z|UTC)?$/i.exec(s);
  if (!m) return null;
  const [y, mo, d, hh, mi, ss] = m.slice(1).map((v) => Number(v || 0));
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mi > 59 || ss > 59) return null;
  return Date.UTC(y, mo - 1, d, hh, mi, ss) / 1000;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n) => String(n).padStart(2, '0');

/**
 * labels of a time axis in UTC, 24-hour: "06:00", with the day under the
 * first label of each day ("00:00\nDec 22") and the year under the first one
 */
export function axisTimes(splits, incr) {
  let prevDay = null;
  return splits.map((t, i) => {
    const d = new Date(t * 1000);
    const day = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
    const year = i === 0 || (d.getUTCMonth() === 0 && d.getUTCDate() === 1) ? ` ${d.getUTCFullYear()}` : '';
    if (incr >= 86400 - 1) return `${day}${year}`;
    let lab = `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}`;
    if (incr < 60) lab += `:${p2(d.getUTCSeconds())}`;
    if (day !== prevDay) lab += `\n${day}${year}`;
    prevDay = day;
    return lab;
  });
}

/** "9h31m", "17m00s", "45s": as `lightsout events` prints durations */
export function duration(s) {
  if (s == null || !Number.isFinite(s)) return '';
  s = Math.max(0, Math.round(s));
  if (s >= 3600) {
    const m = Math.floor((s + 30) / 60);
    return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
  }
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

const nf = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export function num(v) {
  if (v == null || Number.isNaN(v)) return '–';
  return nf.format(v);
}

/** 1530000000 -> "1.53 G" (SI), for axes and rates */
export function si(v, digits = 3) {
  if (v == null || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  const units = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [f, u] of units) {
    if (a >= f) return `${Number((v / f).toPrecision(digits))} ${u}`;
  }
  return `${Number(v.toPrecision(digits))}`;
}

/** si() with a unit: "234 kpps", "800 pps" */
export function unit(v, u) {
  const s = si(v);
  return s === '–' ? s : /[kMGT]$/.test(s) ? s + u : `${s} ${u}`;
}
export const pps = (v) => unit(v, 'pps');
export const bps = (v) => unit(v, 'b/s');
export const bytes = (v) => unit(v, 'B');

export function pct(share, digits = 0) {
  if (share == null || !Number.isFinite(share)) return '–';
  return `${(share * 100).toFixed(digits)} %`;
}

/** the name of country:CC's country, or null */
let regions = null;
export function countryName(entity) {
  const m = /^country:([A-Za-z]{2})$/.exec(entity || '');
  if (!m) return null;
  try {
    regions = regions || new Intl.DisplayNames(['en'], { type: 'region' });
    const n = regions.of(m[1].toUpperCase());
    return n && n !== m[1].toUpperCase() ? n : null;
  } catch {
    return null;
  }
}
