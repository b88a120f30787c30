/**
 * Ingest profile: how to read one source's export file into records. Stored as
 * JSON per source profile version. Normalisation itself is the reconciliation
 * engine's (compileProfile: keys, amounts in integer minor units, dates in the
 * source's zone, status glossary); this layer adds what files need on top:
 * datasets without a status (ad spend), the currency read from a header
 * ("Amount spent (USD)"), an id extracted from a text column, currency symbols
 * in amounts ("$3,200.00"), tolerant header binding, extra attributes, and
 * error messages a finance user can act on.
 */
import { z } from 'zod';
import { CanonicalStatusSchema, STATUSES } from '@/lib/reconcile/glossary';
import { compileProfile, type NormalizeResult } from '@/lib/reconcile/normalize';
import { AmountFormatSchema, type SourceProfileInput } from '@/lib/reconcile/schemas';
import { isValidDateFormat, isValidTimeZone } from '@/lib/reconcile/dates';
import { extractId, isValidPattern } from '@/lib/reconcile/id-pattern';
import type { AmountFormat } from '@/lib/reconcile/money';

export const SOURCE_KINDS = ['gateway', 'bank', 'crm', 'erp', 'ads', 'other'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export { DATASETS, type Dataset, type IngestRecord } from '@/lib/domain/records';
import { DATASETS, type IngestRecord } from '@/lib/domain/records';

export const ATTRIBUTE_NAMES = [
  'campaign', 'channel', 'email', 'dealId', 'invoiceId', 'paymentRef', 'customer', 'description',
  'leadSource', 'utmSource', 'utmMedium', 'utmCampaign', 'clicks', 'impressions', 'reportingEnd',
] as const;
export type AttributeName = (typeof ATTRIBUTE_NAMES)[number];

export const FileFormatSchema = z.object({
  type: z.enum(['csv', 'xlsx', 'json']),
  /** One character; auto-detected when absent. */
  delimiter: z.string().length(1).refine((d) => d !== '"' && d !== '\n' && d !== '\r', 'delimiter cannot be a quote or a line break').optional(),
  /** 1-based physical line (CSV) or row (XLSX) of the header; auto-detected when absent. */
  headerRow: z.number().int().positive().optional(),
  /** XLSX sheet name (default: the first sheet). */
  sheet: z.string().min(1).optional(),
});
export type FileFormat = z.output<typeof FileFormatSchema>;

const col = z.string().min(1);


export const IngestProfileSchema = z.object({
  dataset: z.enum(DATASETS),
  format: FileFormatSchema.partial().prefault({}),
  columns: z.object({
    /** Transaction / deal / campaign id column. */
    id: col,
    status: col.optional(),
    date: col.optional(),
    /** Signed amount; or debit and/or credit (amount = credit - debit). */
    amount: col.optional(),
    debit: col.optional(),
    credit: col.optional(),
    currency: col.optional(),
  }).refine((c) => c.amount !== undefined || c.debit !== undefined || c.credit !== undefined, {
    message: 'an amount column or debit/credit columns are required',
  }),
  /**
   * Key columns (default: the id column). For spend, e.g. campaign + day. The
   * date column contributes its ISO date.
   */
  keyColumns: z.array(col).min(1).optional(),
  /**
   * Optional regular expression (case-insensitive) applied to the id column:
   * its first capture group (or the whole match) is the transaction id. When it
   * does not match, the whole trimmed cell is the id. Used by the bank preset to
   * pull a payment reference out of a statement description. (Addition to the
   * brief's API.)
   */
  idPattern: z.string().min(1).refine(isValidPattern, 'invalid regular expression').optional(),
  /**
   * Where the id comes from when the id column is empty, tried in order: a column and an optional
   * pattern (case-insensitive; its first capture group, or the whole match, is the id; a cell it does
   * not match counts as empty). A bank statement's Reference is often empty while its Description
   * reads "STRIPE A-20451": { column: 'Description', pattern: '(A-\\d+)' }.
   */
  idFallbacks: z.array(z.object({ column: col, pattern: z.string().min(1).max(200).refine(isValidPattern, 'invalid regular expression').optional() })).max(5).default([]),
  /** Fixed ISO 4217 code when there is no currency column. */
  currency: z.string().regex(/^[A-Z]{3}$/).optional(),
  /** Read the currency from the amount column's name, e.g. "Amount spent (USD)". */
  currencyFromHeader: z.boolean().default(false),
  statusMap: z.record(z.string().min(1), CanonicalStatusSchema).default({}),
  /**
   * A file with no status column whose every row has one status (a bank statement lists money that
   * arrived: Paid). Used only when no status column is mapped.
   */
  fixedStatus: CanonicalStatusSchema.optional(),
  useDefaultGlossary: z.boolean().default(true),
  amount: AmountFormatSchema.prefault({}),
  date: z.object({
    format: z.string().default('iso').refine(isValidDateFormat, 'unsupported date format'),
    timeZone: z.string().default('UTC').refine(isValidTimeZone, 'unknown time zone'),
  }).prefault({}),
  /**
   * Fields kept with each row, by name: the known ones (ATTRIBUTE_NAMES: channel, campaign, lead source,
   * e-mail...) have their meaning; any other name is the company's own reference or field ("Order Number",
   * "Payment Status"), which ROMI can join payments to deals by or put conditions on.
   */
  attributes: z.record(z.string().trim().min(1, 'a field name is empty').max(60, 'field names are at most 60 characters').refine((n) => !/[\u0000-\u001f]/.test(n), 'a field name has a control character'), col).default({}),
  /** The header the profile was made from (drift detection). */
  expectedColumns: z.array(z.string()).default([]),
}).superRefine((p, ctx) => {
  if (p.dataset !== 'spend' && p.columns.status === undefined && p.fixedStatus === undefined) {
    ctx.addIssue({ code: 'custom', path: ['columns', 'status'], message: `a status column (or one status for every row) is required for ${p.dataset}` });
  }
  if (p.currencyFromHeader && p.columns.currency !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['currencyFromHeader'], message: 'use either a currency column or currencyFromHeader' });
  }
});
export type IngestProfile = z.output<typeof IngestProfileSchema>;
export type IngestProfileInput = z.input<typeof IngestProfileSchema>;

export interface IngestRowError { line: number; column: string; reason: string }

/** The largest amount accepted: 10^15 minor units (ten trillion in a two-decimal currency). */
export const MAX_ABS_AMOUNT_MINOR = 1e15;

/**
 * The last gate for every row, whatever parsed it: a normalized record must make sense
 * before it is stored (an absurd amount, a date outside 1970-2100, an over-long key...).
 */
export const IngestRecordSchema = z.object({
  key: z.string().min(1, 'the transaction id is empty').max(512, 'the transaction id is longer than 512 characters'),
  txId: z.string().min(1, 'the transaction id is empty').max(512, 'the transaction id is longer than 512 characters'),
  amount: z
    .number()
    .refine(Number.isSafeInteger, 'the amount is not a whole number of minor units')
    .refine((v) => Math.abs(v) <= MAX_ABS_AMOUNT_MINOR, 'the amount is implausibly large (over 10^15 minor units)'),
  currency: z.union([z.literal(''), z.string().regex(/^[A-Z]{3}$/, 'the currency is not a three-letter ISO code')]),
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .refine((d) => d >= '1970-01-01' && d <= '2100-12-31', 'the date is outside 1970-2100')
    .nullable(),
  status: z.union([z.literal(''), z.enum(STATUSES as unknown as [string, ...string[]])]),
  attrs: z.record(z.string(), z.string().max(1000, 'a mapped field is longer than 1000 characters')),
});

export type FromFieldsResult = { ok: true; record: IngestRecord } | { ok: false; error: IngestRowError };

const STATUS_SET: ReadonlySet<string> = new Set(STATUSES);
const CURRENCY_CODE = /^[A-Z]{3}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Whether IngestRecordSchema accepts a record, by plain checks of the same rules: true only where
 * the schema succeeds (test: record-gate.test.ts compares both on every kind of row). A row it
 * refuses goes through the schema for its message. Every row of an upload passes this gate: the
 * schema's own parse cost 3.5 s of a 1M-row ingestion, and a copy of every record to collect.
 */
export function passesRecordGate(r: IngestRecord): boolean {
  if (typeof r.key !== 'string' || r.key.length < 1 || r.key.length > 512) return false;
  if (typeof r.txId !== 'string' || r.txId.length < 1 || r.txId.length > 512) return false;
  if (typeof r.amount !== 'number' || !Number.isSafeInteger(r.amount) || Math.abs(r.amount) > MAX_ABS_AMOUNT_MINOR) return false;
  if (typeof r.currency !== 'string' || (r.currency !== '' && !CURRENCY_CODE.test(r.currency))) return false;
  if (r.date !== null && (typeof r.date !== 'string' || !ISO_DATE.test(r.date) || r.date < '1970-01-01' || r.date > '2100-12-31')) return false;
  if (typeof r.status !== 'string' || (r.status !== '' && !STATUS_SET.has(r.status))) return false;
  const attrs: unknown = r.attrs;
  if (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs) || Object.getPrototypeOf(attrs) !== Object.prototype) return false;
  for (const k in attrs) {
    const v = (attrs as Record<string, unknown>)[k];
    if (typeof v !== 'string' || v.length > 1000) return false;
  }
  return true;
}

export type BindResult =
  | { ok: true; columns: Record<string, string>; fromFields(fields: readonly string[], line: number): FromFieldsResult }
  | { ok: false; missing: string[]; message: string };

export interface CompiledIngestProfile {
  readonly profile: IngestProfile;
  /** Header names the profile needs (attributes are optional and not listed). */
  readonly requiredColumns: string[];
  bindHeader(header: readonly string[]): BindResult;
}

/** Case-, space- and punctuation-insensitive form of a header name. */
export function headerKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

const CURRENCY_IN_NAME = /\(\s*([A-Za-z]{3})\s*\)/;

/** The ISO code in a column name such as "Amount spent (USD)", or null. */
export function currencyInName(name: string): string | null {
  const m = CURRENCY_IN_NAME.exec(name);
  return m && m[1] ? m[1].toUpperCase() : null;
}

/** An example of a number written in an amount format, for messages. */
export function amountExample(f: AmountFormat): string {
  if (f.units === 'minor') return '123456 (minor units, no decimals)';
  const th = f.thousandsSeparator === '\u00a0' ? ' ' : f.thousandsSeparator;
  return `1${th}234${f.decimalSeparator}56`;
}

/** Resolves profile column names against a header: exact, then by headerKey. */
export function resolveColumn(name: string, header: readonly string[], keys?: readonly string[]): string | null {
  if (header.includes(name)) return name;
  const k = headerKey(name);
  const ks = keys ?? header.map(headerKey);
  const i = ks.indexOf(k);
  return i >= 0 ? (header[i] as string) : null;
}

/** Matches "Amount spent (USD)" to "Amount spent (EUR)" (currencyFromHeader). */
function resolveCurrencyColumn(name: string, header: readonly string[]): string | null {
  const exact = resolveColumn(name, header);
  if (exact) return exact;
  const base = headerKey(name.replace(CURRENCY_IN_NAME, ''));
  for (const h of header) {
    if (currencyInName(h) && headerKey(h.replace(CURRENCY_IN_NAME, '')) === base) return h;
  }
  return null;
}

const SYMBOLS = /^([-+(]?)\s*[$€£¥₹₽₩₺₪₴]\s*/;
const SYMBOL_SUFFIX = /\s*[$€£¥₹₽₩₺₪₴]\s*(\)?)$/;

/** Drops one currency symbol before or after the number: "$3,200.00", "-$5.00", "12,00 €". */
function stripSymbol(v: string): string {
  let s = v.replace(SYMBOLS, '$1');
  s = s.replace(SYMBOL_SUFFIX, '$1');
  return s;
}

function hasSymbol(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 36 || c === 0x20ac || c === 0xa3 || c === 0xa5 || c === 0x20b9 || c === 0x20bd || c === 0x20a9 || c === 0x20ba || c === 0x20aa || c === 0x20b4) return true;
  }
  return false;
}

/**
 * Compiles an ingest profile for a source. `source.kind` 'ads' maps to the
 * engine's 'other' kind. Throws a ZodError for an invalid profile.
 */
export function compileIngestProfile(
  input: IngestProfile | IngestProfileInput,
  source: { name: string; kind: SourceKind },
): CompiledIngestProfile {
  const profile = IngestProfileSchema.parse(input);
  const c = profile.columns;
  const isSpend = profile.dataset === 'spend';
  const keyColumns = profile.keyColumns ?? [c.id];
  const fallbacks = profile.idFallbacks.map((f) => ({ column: f.column, re: f.pattern ? new RegExp(f.pattern, 'i') : null }));
  const required = [c.id, c.date, c.amount, c.debit, c.credit, c.currency, c.status, ...keyColumns, ...fallbacks.map((f) => f.column)]
    .filter((x): x is string => x !== undefined);
  const requiredColumns = [...new Set(required)];
  const idRe = profile.idPattern ? new RegExp(profile.idPattern, 'i') : null;
  const engineKind = source.kind === 'ads' ? 'other' : source.kind;

  function bindHeader(header: readonly string[]): BindResult {
    const keys = header.map(headerKey);
    const map = new Map<string, string>();
    const missing: string[] = [];
    let headerCurrency: string | null = null;
    for (const name of requiredColumns) {
      const isMoney = name === c.amount || name === c.debit || name === c.credit;
      const found = profile.currencyFromHeader && isMoney ? resolveCurrencyColumn(name, header) : resolveColumn(name, header, keys);
      if (found === null) missing.push(name);
      else {
        map.set(name, found);
        if (profile.currencyFromHeader && isMoney && !headerCurrency) headerCurrency = currencyInName(found);
      }
    }
    if (missing.length > 0) {
      const list = missing.map((m) => `"${m}"`).join(', ');
      const verb = missing.length === 1 ? 'Column ' + list + ' is missing' : 'Columns ' + list + ' are missing';
      return {
        ok: false,
        missing,
        message: `${verb}; the profile (${source.name}) expects: ${requiredColumns.join(', ')}`,
      };
    }
    if (profile.currencyFromHeader && !headerCurrency && !profile.currency) {
      const name = c.amount ?? c.credit ?? c.debit ?? 'amount';
      return {
        ok: false,
        missing: [],
        message: `Column "${map.get(name) ?? name}" does not name its currency (like "Amount spent (USD)"); the profile (${source.name}) reads the currency from it`,
      };
    }
    const m = (x: string | undefined) => (x === undefined ? undefined : (map.get(x) ?? x));
    const statusCol = c.status ? m(c.status) : m(c.id); // without a status column the engine reads the id (ignored below)
    const engineProfile: SourceProfileInput = {
      name: source.name,
      kind: engineKind,
      columns: {
        id: m(c.id) as string,
        status: statusCol as string,
        date: m(c.date),
        amount: m(c.amount),
        debit: m(c.debit),
        credit: m(c.credit),
        currency: m(c.currency),
      },
      currency: headerCurrency ?? profile.currency,
      key: { columns: keyColumns.map((k) => m(k) as string) },
      statusMap: profile.statusMap,
      useDefaultGlossary: profile.useDefaultGlossary,
      amount: profile.amount,
      date: profile.date,
    };
    const engine = compileProfile(engineProfile);
    const bound = engine.bindHeader(header);
    if (!bound.ok) {
      // cannot happen (columns were resolved above); reported rather than thrown
      return { ok: false, missing: [bound.error.column], message: bound.error.reason };
    }
    const idx = (name: string | undefined) => (name === undefined ? -1 : header.indexOf(name));
    const idIdx = idx(m(c.id));
    const fallbackIdx = fallbacks.map((f) => ({ i: idx(m(f.column)), re: f.re }));
    const moneyIdx = [m(c.amount), m(c.debit), m(c.credit)].map(idx).filter((i) => i >= 0);
    const keyIdx = keyColumns.map((k) => idx(m(k)));
    const dateCol = m(c.date);
    const attrIdx: [string, number][] = [];
    const columns: Record<string, string> = {};
    for (const [k, v] of map) columns[k] = v;
    for (const [attr, name] of Object.entries(profile.attributes)) {
      if (name === undefined) continue;
      const found = resolveColumn(name, header, keys);
      if (found !== null) {
        attrIdx.push([attr, header.indexOf(found)]);
        columns[name] = found;
      }
    }
    const fmt = profile.amount;
    const fmtExample = amountExample(fmt);
    const fromEngine = bound.fromFields;

    return {
      ok: true,
      columns,
      fromFields(fields, line) {
        let input = fields;
        // An empty id cell: the first fallback that yields one stands in for it.
        if (fallbackIdx.length && (fields[idIdx] ?? '').trim() === '') {
          for (const f of fallbackIdx) {
            const v = extractId(fields[f.i] ?? '', f.re);
            if (v !== '') {
              input = fields.slice();
              (input as string[])[idIdx] = v;
              break;
            }
          }
          if (input === fields) {
            const tried = fallbacks.map((f) => `"${m(f.column)}"${f.re ? ` (pattern ${f.re.source})` : ''}`).join(', then ');
            return { ok: false, error: { line, column: m(c.id) as string, reason: `"${m(c.id)}" is empty and no id was found in ${tried}` } };
          }
        }
        for (const i of moneyIdx) {
          const v = input[i];
          if (v !== undefined && hasSymbol(v)) {
            if (input === fields) input = fields.slice();
            (input as string[])[i] = stripSymbol(v);
          }
        }
        const r: NormalizeResult = fromEngine(input, line);
        if (!r.ok) {
          const column = r.error.column;
          return { ok: false, error: { line, column, reason: explain(column, fields, r.error.reason) } };
        }
        const rec = r.record;
        const rawId = (input[idIdx] ?? '').trim();
        let txId = rawId;
        let key = rec.key;
        if (idRe) {
          const mm = idRe.exec(rawId);
          if (mm) txId = (mm[1] ?? mm[0]).trim();
          // rebuild the key with the extracted id (engine semantics otherwise)
          const parts: string[] = [];
          for (let k = 0; k < keyIdx.length; k++) {
            const i = keyIdx[k] as number;
            if (i === idIdx) parts.push(txId.toUpperCase());
            else if (header[i] === dateCol && rec.date !== null) parts.push(rec.date);
            else parts.push((fields[i] ?? '').trim().toUpperCase());
          }
          key = parts.join('|');
        }
        const attrs: Record<string, string> = {};
        for (const [a, i] of attrIdx) {
          const v = fields[i];
          if (v !== undefined && v.trim() !== '') attrs[a] = v.trim();
        }
        const spendNoStatus = isSpend && !c.status;
        const fixed = !c.status && !isSpend ? (profile.fixedStatus ?? null) : null;
        const record: IngestRecord = {
          dataset: profile.dataset,
          key,
          txId,
          line,
          at: rec.at,
          date: rec.date,
          amount: rec.amount,
          currency: rec.currency,
          status: fixed ?? (spendNoStatus ? '' : rec.status),
          code: fixed ?? (spendNoStatus ? '' : rec.code),
          attrs,
        };
        if (passesRecordGate(record)) return { ok: true, record };
        const checked = IngestRecordSchema.safeParse(record);
        if (!checked.success) {
          const issue = checked.error.issues[0]!;
          const field = String(issue.path[0] ?? '');
          const column =
            field === 'amount' ? (m(c.amount) ?? m(c.credit) ?? m(c.debit) ?? 'amount')
              : field === 'date' ? (dateCol ?? 'date')
                : field === 'currency' ? (m(c.currency) ?? 'currency')
                  : field === 'status' ? (m(c.status) ?? 'status')
                    : field === 'attrs' ? String(issue.path[1] ?? 'attributes')
                      : (m(c.id) ?? 'id');
          return { ok: false, error: { line, column, reason: `${column}: ${issue.message}` } };
        }
        return { ok: true, record };
      },
    };

    function explain(column: string, fields: readonly string[], reason: string): string {
      const v = fields[header.indexOf(column)] ?? '';
      const role =
        column === m(c.amount) || column === m(c.debit) || column === m(c.credit) ? 'amount'
          : column === dateCol ? 'date'
            : column === m(c.currency) ? 'currency'
              : 'other';
      if (role === 'amount') {
        if (reason.startsWith('missing amount') || reason.startsWith('empty amount')) {
          return `${column} is empty; every row needs an amount`;
        }
        if (reason.startsWith('neither')) {
          return `Both ${[c.debit, c.credit].filter(Boolean).map((x) => m(x)).join(' and ')} are empty; every row needs a debit or a credit`;
        }
        if (reason.includes('decimal places')) {
          const cc = c.currency ? (fields[header.indexOf(m(c.currency) as string)] ?? '').trim().toUpperCase() : '';
          const cur = cc || headerCurrency || profile.currency || 'the currency';
          return `${column} "${v}" has more decimal places than ${cur} allows`;
        }
        if (reason.includes('too large')) return `${column} "${v}" is too large`;
        if (reason.includes('not an integer')) return `${column} "${v}" is not a whole number of minor units`;
        return `${column} "${v}" is not a number in the format ${fmtExample}`;
      }
      if (role === 'date') {
        if (reason.startsWith('empty date')) return `${column} is empty; every row needs a date`;
        if (reason.startsWith('invalid date')) return `${column} "${v}" does not exist`;
        const f = profile.date.format;
        const shown = f === 'iso' ? 'ISO 8601 (2024-07-31 or 2024-07-31T14:05:00Z)' : f === 'epoch_s' ? 'Unix seconds' : f === 'epoch_ms' ? 'Unix milliseconds' : f;
        return `${column} "${v}" does not match the date format ${shown}`;
      }
      if (role === 'currency') {
        if (reason.startsWith('empty currency')) return `${column} is empty and the profile sets no fixed currency`;
        return `${column} "${v}" is not a 3-letter ISO 4217 currency code`;
      }
      if (reason.startsWith('empty key')) return `${column} is empty; every row needs it to be matched`;
      return `${column}: ${reason}`;
    }
  }

  return { profile, requiredColumns, bindHeader };
}
