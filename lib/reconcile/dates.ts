/**
 * Dates: parsed from a source's format, interpreted in the source's IANA time
 * zone, and stored as UTC milliseconds plus the local ISO date (YYYY-MM-DD).
 * Intl only (see below why no date library).
 */

/**
 * Supported formats:
 * - 'iso': YYYY-MM-DD, YYYY-MM-DD[T ]HH:mm[:ss[.SSS]] (local to the zone), or with Z / ±HH:mm
 * - 'epoch_ms', 'epoch_s': numeric epoch
 * - a pattern of tokens separated by literal characters (see isValidDateFormat), e.g.
 *   'DD.MM.YYYY', 'MM/DD/YYYY HH:mm', 'M/D/YYYY h:mm A', 'MMMM D, YYYY', 'D MMM YYYY'
 * Hand-written rather than a date library: it runs once per distinct cell of every ingested row
 * (millions), where a general parser costs ten times as much; time zones go through Intl.
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

type TokenKind = 'YYYY' | 'MMMM' | 'MMM' | 'MM' | 'M' | 'DD' | 'D' | 'HH' | 'H' | 'hh' | 'h' | 'mm' | 'ss' | 'SSS' | 'A' | 'lit';
interface Token { kind: TokenKind; text: string }

/** Longest first, so that 'MMMM' is not read as 'MM' twice. */
const TOKEN_NAMES = ['YYYY', 'MMMM', 'MMM', 'SSS', 'MM', 'DD', 'HH', 'hh', 'mm', 'ss', 'M', 'D', 'H', 'h', 'A', 'a'] as const;

function tokenize(pattern: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < pattern.length) {
    const name = TOKEN_NAMES.find((n) => pattern.startsWith(n, i));
    if (name) {
      out.push({ kind: name === 'a' ? 'A' : name, text: name });
      i += name.length;
    } else {
      out.push({ kind: 'lit', text: pattern[i] ?? '' });
      i++;
    }
  }
  return out;
}

/** English month names and abbreviations (exports are read as their systems write them). */
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

function monthByName(text: string, from: number, full: boolean): { month: number; len: number } | null {
  for (let m = 0; m < 12; m++) {
    const name = MONTHS[m]!;
    // The full name, else the three-letter abbreviation ("Sep" and "Sept" both read as September).
    const forms = full ? [name] : m === 8 ? ['sept', 'sep'] : [name.slice(0, 3)];
    for (const f of forms) {
      if (text.length - from >= f.length && text.slice(from, from + f.length).toLowerCase() === f) return { month: m + 1, len: f.length };
    }
  }
  return null;
}

/** Reads `min`-`max` digits at `from`: the value and how many were read, or null. */
function digits(text: string, from: number, min: number, max: number): { v: number; len: number } | null {
  let v = 0;
  let len = 0;
  while (len < max && from + len < text.length) {
    const c = text.charCodeAt(from + len) - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
    len++;
  }
  return len >= min ? { v, len } : null;
}

/**
 * Returns true when `format` is one this module can parse: 'iso', 'epoch_s', 'epoch_ms', or a pattern
 * with a year (YYYY), a month (MM, M, MMM or MMMM) and a day (DD or D). Tokens: YYYY; MM (two digits),
 * M (one or two), MMM (Jan, Sep or Sept), MMMM (January); DD, D; HH, H (0-23); hh, h (1-12) with A
 * (AM/PM, any case); mm; ss; SSS. Anything else is a literal; a space matches any run of spaces.
 */
export function isValidDateFormat(format: string): boolean {
  if (format === 'iso' || format === 'epoch_ms' || format === 'epoch_s') return true;
  const t = tokenize(format);
  const has = (...kinds: TokenKind[]) => t.some((x) => kinds.includes(x.kind));
  const twelve = has('hh', 'h');
  // A 12-hour clock needs its AM/PM, and AM/PM means nothing on a 24-hour one.
  if (twelve !== has('A') || (twelve && has('HH', 'H'))) return false;
  return has('YYYY') && has('MM', 'M', 'MMM', 'MMMM') && has('DD', 'D');
}

const DAY_MONTH = /^(MM|M|DD|D)([/.-])(MM|M|DD|D)\2/;

/** Whether a numeric format writes the month or the day first ("M/D/YYYY": month), or null when it has no such order. */
export function dayMonthOrder(format: string): 'month-first' | 'day-first' | null {
  const m = DAY_MONTH.exec(format);
  if (!m || m[1]![0] === m[3]![0]) return null;
  return m[1]![0] === 'M' ? 'month-first' : 'day-first';
}

/** The same format with the day and the month in the given order ("M/D/YYYY" <-> "D/M/YYYY"). */
export function withDayMonthOrder(format: string, order: 'month-first' | 'day-first'): string {
  const now = dayMonthOrder(format);
  if (now === null || now === order) return format;
  const m = DAY_MONTH.exec(format)!;
  return `${m[3]}${m[2]}${m[1]}${m[2]}${format.slice(m[0].length)}`;
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
      const mismatch = (): DateResult => ({ ok: false, reason: `date "${input}" does not match format ${format}` });
      let i = 0;
      let y = -1, mo = -1, d = -1, h = 0, mi = 0, s = 0, ms = 0;
      let half: 'AM' | 'PM' | null = null;
      for (const tok of tokens) {
        if (tok.kind === 'lit') {
          if (tok.text === ' ') {
            // One space in the format reads any run of spaces ("Jan  7, 2025").
            if (text[i] !== ' ') return mismatch();
            while (text[i] === ' ') i++;
            continue;
          }
          if (text[i] !== tok.text) return mismatch();
          i++;
          continue;
        }
        if (tok.kind === 'MMM' || tok.kind === 'MMMM') {
          const m = monthByName(text, i, tok.kind === 'MMMM');
          if (!m) return mismatch();
          mo = m.month;
          i += m.len;
          continue;
        }
        if (tok.kind === 'A') {
          const two = text.slice(i, i + 2).toUpperCase();
          if (two !== 'AM' && two !== 'PM') return mismatch();
          half = two;
          i += 2;
          continue;
        }
        const width = tok.kind === 'YYYY' ? [4, 4] : tok.kind === 'SSS' ? [3, 3] : tok.kind.length === 1 ? [1, 2] : [2, 2];
        const r = digits(text, i, width[0]!, width[1]!);
        if (!r) return mismatch();
        i += r.len;
        switch (tok.kind) {
          case 'YYYY': y = r.v; break;
          case 'MM': case 'M': mo = r.v; break;
          case 'DD': case 'D': d = r.v; break;
          case 'HH': case 'H': case 'hh': case 'h': h = r.v; break;
          case 'mm': mi = r.v; break;
          case 'ss': s = r.v; break;
          case 'SSS': ms = r.v; break;
        }
      }
      if (i !== text.length) return mismatch();
      if (half !== null) {
        if (h < 1 || h > 12) return { ok: false, reason: `invalid hour in "${input}" (a 12-hour clock reads 1 to 12)` };
        h = (h % 12) + (half === 'PM' ? 12 : 0);
      }
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
