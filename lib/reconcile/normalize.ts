import { buildStatusLookup, type Status } from './glossary';
import { compileDateParser, type DateResult } from './dates';
import { currencyDigits, parseAmount } from './money';
import { SourceProfileSchema, type SourceProfile, type SourceProfileInput, type SourceKind } from './schemas';

/** One record of one source after normalisation. Money in integer minor units. */
export interface NormalizedRecord {
  /** Match key: key columns trimmed, upper-cased unless case-sensitive, joined by '|'. */
  key: string;
  /** 1-based line (or row number) in the source, when known. */
  line?: number;
  /** UTC milliseconds with the source's time zone applied; null without a date column. */
  at: number | null;
  /** Local ISO date (YYYY-MM-DD) in the source's zone; null without a date column. */
  date: string | null;
  /** Signed integer minor units. */
  amount: number;
  /** ISO 4217 code, '' when the source gives none. */
  currency: string;
  status: Status;
  /** The source's own status code, as given (trimmed). */
  code: string;
}

/** A precise normalisation error. `column` is the raw column name. */
export interface NormalizeError {
  line?: number;
  column: string;
  reason: string;
}

export type NormalizeResult =
  | { ok: true; record: NormalizedRecord }
  | { ok: false; error: NormalizeError };

export interface SourceInfo {
  name: string;
  kind: SourceKind;
}

/** A raw record: column name -> value (strings from CSV, anything from a database). */
export type RawRecord = Readonly<Record<string, unknown>>;

/** A profile compiled for fast repeated use. */
export interface CompiledProfile {
  readonly profile: SourceProfile;
  /** Columns the profile reads (for header checks). */
  readonly requiredColumns: readonly string[];
  fromRecord(raw: RawRecord, line?: number): NormalizeResult;
  /**
   * Binds to a header (array of column names). Returns an error naming the
   * first missing column, or a function normalising a row of fields.
   */
  bindHeader(
    header: readonly string[],
  ): { ok: true; fromFields: (fields: readonly string[], line?: number) => NormalizeResult } | { ok: false; error: NormalizeError };
  /** The compiled pieces, for fast paths that must behave exactly like fromRecord. */
  readonly internals: {
    lookupStatus: (code: string) => Status;
    /** Date parser of the profile (null without a date column). */
    parseDate: ((text: string) => DateResult) | null;
    keyColumns: readonly string[];
    fixedCurrency: string;
    fixedDigits: number;
  };
}

function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return String(v);
}

function fail(column: string, reason: string, line?: number): NormalizeResult {
  return line === undefined ? { ok: false, error: { column, reason } } : { ok: false, error: { line, column, reason } };
}

/** Compiles a (validated or raw) profile. Throws a ZodError on an invalid profile. */
export function compileProfile(input: SourceProfileInput | SourceProfile): CompiledProfile {
  const profile = SourceProfileSchema.parse(input);
  const cols = profile.columns;
  const lookup = buildStatusLookup(profile.statusMap, profile.useDefaultGlossary);
  const parseDate = cols.date ? compileDateParser(profile.date.format, profile.date.timeZone) : null;
  const keyCols = profile.key.columns ?? [cols.id];
  const upper = !profile.key.caseSensitive;
  const fixedCurrency = profile.currency ?? '';
  const fixedDigits = currencyDigits(fixedCurrency || undefined);
  const fmt = profile.amount;

  const required = [
    cols.id, cols.status, cols.date, cols.amount, cols.debit, cols.credit, cols.currency, ...keyCols,
  ].filter((c): c is string => c !== undefined);
  const requiredColumns = [...new Set(required)];

  // Core: `get(column)` returns the raw string or undefined.
  function core(get: (col: string) => string | undefined, line: number | undefined): NormalizeResult {
    // currency first: it decides the amount's minor digits
    let currency = fixedCurrency;
    let digits = fixedDigits;
    if (cols.currency) {
      const c = get(cols.currency);
      const cu = c === undefined ? '' : c.trim().toUpperCase();
      if (cu !== '') {
        if (!/^[A-Z]{3}$/.test(cu)) return fail(cols.currency, `invalid currency "${c}"`, line);
        currency = cu;
        digits = currencyDigits(cu);
      } else if (!fixedCurrency) {
        return fail(cols.currency, 'empty currency', line);
      }
    }
    let amount = 0;
    if (cols.amount) {
      const a = get(cols.amount);
      if (a === undefined) return fail(cols.amount, 'missing amount', line);
      const r = parseAmount(a, fmt, digits);
      if (!r.ok) return fail(cols.amount, r.reason, line);
      amount = r.value;
    } else {
      // amount = credit - debit; an empty cell counts as zero, but one of them must be set
      let seen = false;
      for (const [col, sign] of [[cols.credit, 1], [cols.debit, -1]] as const) {
        if (!col) continue;
        const v = get(col);
        if (v === undefined || v.trim() === '') continue;
        const r = parseAmount(v, { ...fmt, sign: 'absolute' }, digits);
        if (!r.ok) return fail(col, r.reason, line);
        amount += sign * r.value;
        seen = true;
      }
      if (!seen) return fail(cols.credit ?? cols.debit ?? 'amount', 'neither debit nor credit is set', line);
      if (fmt.sign === 'invert') amount = -amount;
      else if (fmt.sign === 'absolute') amount = Math.abs(amount);
    }
    let at: number | null = null;
    let date: string | null = null;
    if (parseDate && cols.date) {
      const d = get(cols.date);
      if (d === undefined || d.trim() === '') return fail(cols.date, 'empty date', line);
      const r = parseDate(d);
      if (!r.ok) return fail(cols.date, r.reason, line);
      at = r.at;
      date = r.date;
    }
    let key = '';
    for (let i = 0; i < keyCols.length; i++) {
      const col = keyCols[i] as string;
      let part: string;
      if (col === cols.date && date !== null) part = date;
      else {
        const v = get(col);
        part = v === undefined ? '' : v.trim();
        if (upper) part = part.toUpperCase();
      }
      if (part === '') return fail(col, 'empty key', line);
      key = i === 0 ? part : key + '|' + part;
    }
    const rawCode = get(cols.status);
    const code = rawCode === undefined ? '' : rawCode.trim();
    const status = lookup(code);
    const record: NormalizedRecord = { key, line, at, date, amount, currency, status, code };
    if (line === undefined) delete record.line;
    return { ok: true, record };
  }

  return {
    profile,
    requiredColumns,
    internals: { lookupStatus: lookup, parseDate, keyColumns: keyCols, fixedCurrency, fixedDigits },
    fromRecord(raw, line) {
      return core((c) => str(raw[c]), line);
    },
    bindHeader(header) {
      const index = new Map<string, number>();
      header.forEach((h, i) => {
        if (!index.has(h)) index.set(h, i);
      });
      for (const c of requiredColumns) {
        if (!index.has(c)) return { ok: false, error: { line: 1, column: c, reason: `missing column "${c}"` } };
      }
      let fields: readonly string[] = [];
      const get = (c: string) => {
        const i = index.get(c);
        return i === undefined ? undefined : fields[i];
      };
      return {
        ok: true,
        fromFields(f, line) {
          fields = f;
          return core(get, line);
        },
      };
    },
  };
}

const compiledCache = new WeakMap<object, CompiledProfile>();

/**
 * Normalises one raw record with a profile. Returns the record or a precise
 * error {line?, column, reason}. The compiled profile is cached per profile object.
 */
export function normalizeRecord(
  raw: RawRecord,
  profile: SourceProfileInput | SourceProfile,
  line?: number,
): NormalizeResult {
  let c = compiledCache.get(profile);
  if (!c) {
    c = compileProfile(profile);
    compiledCache.set(profile, c);
  }
  return c.fromRecord(raw, line);
}
