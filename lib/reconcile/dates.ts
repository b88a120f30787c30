/**
 * Dates: parsed from a source's format, interpreted in the source's IANA time
 * zone, and stored as UTC milliseconds plus the local ISO date (YYYY-MM-DD).
 * Intl only; no date library.
 */

/**
 * Supported formats:
 * - 'iso': YYYY-MM-DD, YYYY-MM-DD[T ]HH:mm[:ss[.SSS]] (local to the zone), or with Z / ±HH:mm
 * - 'epoch_ms', 'epoch_s': numeric epoch
 * - a pattern of tokens YYYY MM DD HH mm ss SSS separated by literal characters,
 *   e.g. 'DD.MM.YYYY', 'MM/DD/YYYY HH:mm'
 */
export type DateFormat = string;

export type DateResult = { ok: true; at: number; date: string } | { ok: false; reason: string };

const dtfCache = new Map<string, Intl.DateTimeFormat>();

function dtf(timeZone: string): Intl.DateTimeFormat {
  let f = dtfCache.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    dtfCache.set(timeZone, f);
  }
  return f;
}

/** True when the zone is accepted by Intl. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    dtf(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Offset (ms) of `timeZone` from UTC at the UTC instant `utcMs`. */
export function zoneOffset(timeZone: string, utcMs: number): number {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return 0;
  const parts = dtf(timeZone).formatToParts(new Date(utcMs));
  let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  for (const p of parts) {
    switch (p.type) {
      case 'year': y = Number(p.value); break;
      case 'month': mo = Number(p.value); break;
      case 'day': d = Number(p.value); break;
      case 'hour': h = Number(p.value); break;
      case 'minute': mi = Number(p.value); break;
      case 'second': s = Number(p.value); break;
    }
  }
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  return asUtc - (utcMs - (((utcMs % 1000) + 1000) % 1000));
}

/** Converts a wall-clock time in `timeZone` to UTC ms (DST gaps resolve forward). */
export function localToUtc(
  timeZone: string, y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0,
): number {
  const guess = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return guess;
  const off1 = zoneOffset(timeZone, guess);
  let result = guess - off1;
  const off2 = zoneOffset(timeZone, result);
  if (off2 !== off1) result = guess - off2;
  return result;
}

function isoDate(y: number, mo: number, d: number): string {
  const ys = y < 1000 ? String(y).padStart(4, '0') : String(y);
  return ys + '-' + (mo < 10 ? '0' : '') + mo + '-' + (d < 10 ? '0' : '') + d;
}

function validYMD(y: number, mo: number, d: number): boolean {
  if (mo < 1 || mo > 12 || d < 1) return false;
  const dim = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return d <= dim;
}

function num(s: string, from: number, len: number): number {
  let v = 0;
  for (let i = from; i < from + len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Local ISO date of a UTC instant in a zone. */
export function localDateOf(timeZone: string, utcMs: number): string {
  const t = utcMs + zoneOffset(timeZone, utcMs);
  const dt = new Date(t);
  return isoDate(dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate());
}

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;

function parseIso(text: string, timeZone: string): DateResult {
  const m = ISO_RE.exec(text);
  if (!m) return { ok: false, reason: `unparseable date "${text}" (expected ISO 8601)` };
  const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
  const h = m[4] ? Number(m[4]) : 0, mi = m[5] ? Number(m[5]) : 0, s = m[6] ? Number(m[6]) : 0;
  const ms = m[7] ? Number((m[7] + '00').slice(0, 3)) : 0;
  if (!validYMD(y, mo, d) || h > 23 || mi > 59 || s > 59) {
    return { ok: false, reason: `invalid date "${text}"` };
  }
  const zone = m[8];
  if (zone) {
    let off = 0;
    if (zone !== 'Z') {
      const sign = zone[0] === '-' ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      off = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0')) * 60_000;
    }
    const at = Date.UTC(y, mo - 1, d, h, mi, s, ms) - off;
    return { ok: true, at, date: localDateOf(timeZone, at) };
  }
  return { ok: true, at: localToUtc(timeZone, y, mo, d, h, mi, s, ms), date: isoDate(y, mo, d) };
}

interface Token { kind: 'YYYY' | 'MM' | 'DD' | 'HH' | 'mm' | 'ss' | 'SSS' | 'lit'; text: string }

function tokenize(pattern: string): Token[] {
  const out: Token[] = [];
  const names = ['YYYY', 'SSS', 'MM', 'DD', 'HH', 'mm', 'ss'] as const;
  let i = 0;
  while (i < pattern.length) {
    const name = names.find((n) => pattern.startsWith(n, i));
    if (name) {
      out.push({ kind: name, text: name });
      i += name.length;
    } else {
      out.push({ kind: 'lit', text: pattern[i] ?? '' });
      i++;
    }
  }
  return out;
}

/** Returns true when `format` is one this module can parse. */
export function isValidDateFormat(format: string): boolean {
  if (format === 'iso' || format === 'epoch_ms' || format === 'epoch_s') return true;
  const t = tokenize(format);
  return t.some((x) => x.kind === 'YYYY') && t.some((x) => x.kind === 'MM') && t.some((x) => x.kind === 'DD');
}

/**
 * Compiles a date parser for a format and zone. The parser caches results per
 * input string (dates repeat heavily in payment exports).
 */
export function compileDateParser(format: string, timeZone: string): (text: string) => DateResult {
  let raw: (text: string) => DateResult;
  if (format === 'iso') {
    raw = (text) => {
      // Fast path for a plain YYYY-MM-DD
      if (text.length === 10 && text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45) {
        const y = num(text, 0, 4), mo = num(text, 5, 2), d = num(text, 8, 2);
        if (y < 0 || mo < 0 || d < 0 || !validYMD(y, mo, d)) {
          return { ok: false, reason: `invalid date "${text}"` };
        }
        return { ok: true, at: localToUtc(timeZone, y, mo, d), date: isoDate(y, mo, d) };
      }
      return parseIso(text.trim(), timeZone);
    };
  } else if (format === 'epoch_ms' || format === 'epoch_s') {
    const mult = format === 'epoch_s' ? 1000 : 1;
    raw = (text) => {
      const t = text.trim();
      if (!/^-?\d+(\.\d+)?$/.test(t)) return { ok: false, reason: `unparseable epoch "${text}"` };
      const at = Math.round(Number(t) * mult);
      return { ok: true, at, date: localDateOf(timeZone, at) };
    };
  } else {
    const tokens = tokenize(format);
    raw = (input) => {
      const text = input.trim();
      let i = 0;
      let y = -1, mo = -1, d = -1, h = 0, mi = 0, s = 0, ms = 0;
      for (const tok of tokens) {
        if (tok.kind === 'lit') {
          if (text[i] !== tok.text) return { ok: false, reason: `date "${input}" does not match format ${format}` };
          i++;
          continue;
        }
        const len = tok.kind === 'YYYY' ? 4 : tok.kind === 'SSS' ? 3 : 2;
        const v = num(text, i, len);
        if (v < 0 || i + len > text.length) {
          return { ok: false, reason: `date "${input}" does not match format ${format}` };
        }
        i += len;
        switch (tok.kind) {
          case 'YYYY': y = v; break;
          case 'MM': mo = v; break;
          case 'DD': d = v; break;
          case 'HH': h = v; break;
          case 'mm': mi = v; break;
          case 'ss': s = v; break;
          case 'SSS': ms = v; break;
        }
      }
      if (i !== text.length) return { ok: false, reason: `date "${input}" does not match format ${format}` };
      if (!validYMD(y, mo, d) || h > 23 || mi > 59 || s > 59) {
        return { ok: false, reason: `invalid date "${input}"` };
      }
      return { ok: true, at: localToUtc(timeZone, y, mo, d, h, mi, s, ms), date: isoDate(y, mo, d) };
    };
  }
  const cache = new Map<string, DateResult>();
  return (text) => {
    let r = cache.get(text);
    if (r === undefined) {
      r = raw(text);
      if (cache.size >= 100_000) cache.clear();
      cache.set(text, r);
    }
    return r;
  };
}
