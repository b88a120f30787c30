/**
 * Suggests an ingest profile for a header and a few sample rows: a preset when
 * the header carries one's signature, else a mapping by column names with the
 * date and amount formats guessed from the samples.
 */
import { compileDateParser, dayMonthOrder, withDayMonthOrder } from '@/lib/reconcile/dates';
import {
  compileIngestProfile,
  headerKey,
  type AttributeName,
  type Dataset,
  type IngestProfileInput,
  type SourceKind,
} from './profile';
import type { AmountFormat } from '@/lib/reconcile/money';
import { detectPreset } from './presets';

export interface Suggestion {
  presetId: string | null;
  profile: IngestProfileInput;
  confidence: 'preset' | 'heuristic';
}

/** Columns that look like a reference to another system's records (an order, an invoice, a payment). */
const REFERENCE = /(order|invoice|reference|\bref\b|payment\s*(id|ref)|metadata)/i;

/**
 * The company's own fields kept under their column's name: for CRM deals every column not mapped
 * otherwise (a deal export is small, and any of its columns may become the join to payments or a
 * condition on revenue, "Payment Status" = "Invoice Paid"); for payments, columns that look like a
 * reference (an order or invoice number).
 */
function ownFields(header: readonly string[], dataset: string, taken: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of header) {
    if (taken.has(h) || !h.trim() || h.length > 60) continue;
    if (dataset === 'deals' ? header.length <= 40 : dataset === 'payments' && REFERENCE.test(h)) out[h] = h;
  }
  return out;
}

/**
 * A preset adapted to the file in hand: attributes whose column the file lacks are dropped (optional
 * columns are optional) or bound to a synonym the file has ("Primary Campaign Source" for "Campaign"),
 * a date format the samples do not read is replaced by one they do, and the company's own fields are
 * kept (ownFields).
 */
function fitPreset(profile: IngestProfileInput, header: string[], sampleRows: string[][]): IngestProfileInput {
  const keys = header.map(headerKey);
  const taken = new Set(Object.values(profile.columns).filter((c): c is string => typeof c === 'string'));
  const attributes: Record<string, string> = {};
  for (const [name, column] of Object.entries(profile.attributes ?? {})) {
    if (header.includes(column)) attributes[name] = column;
    else {
      const alt = findColumn(header, keys, ATTRIBUTE_SYNONYMS[name as AttributeName] ?? [], new Set([...taken, ...Object.values(attributes)]));
      if (alt !== undefined) attributes[name] = alt;
    }
  }
  for (const [name, syn] of Object.entries(ATTRIBUTE_SYNONYMS) as [AttributeName, string[]][]) {
    if (attributes[name]) continue;
    const c = findColumn(header, keys, syn, new Set([...taken, ...Object.values(attributes)]));
    if (c !== undefined) attributes[name] = c;
  }
  Object.assign(attributes, ownFields(header, profile.dataset, new Set([...taken, ...Object.values(attributes)])));
  let date = profile.date;
  const dateColumn = profile.columns.date;
  if (dateColumn && header.includes(dateColumn)) {
    const values = columnValues(header, sampleRows, dateColumn);
    const format = profile.date?.format ?? 'iso';
    const zone = profile.date?.timeZone ?? 'UTC';
    const parse = compileDateParser(format, zone);
    if (values.length && !values.every((v) => !v.trim() || parse(v.trim()).ok)) {
      const guess = guessDateFormat(values);
      if (guess) date = { ...profile.date, format: guess.format };
    }
  }
  return { ...profile, attributes, ...(date ? { date } : {}) };
}

/** A preset is used when at least this share of its signature is present (and its required columns bind). */
export const PRESET_MIN_SCORE = 0.6;

const DATE_FORMATS = [
  'iso',
  'MM/DD/YYYY', 'DD/MM/YYYY', 'DD.MM.YYYY', 'YYYY/MM/DD', 'DD-MM-YYYY', 'MM-DD-YYYY', 'YYYYMMDD',
  'MM/DD/YYYY HH:mm', 'DD/MM/YYYY HH:mm', 'DD.MM.YYYY HH:mm',
  'MM/DD/YYYY HH:mm:ss', 'DD/MM/YYYY HH:mm:ss', 'DD.MM.YYYY HH:mm:ss', 'YYYY/MM/DD HH:mm:ss',
  // Without zero padding (Salesforce, LinkedIn: 1/7/2025), 12-hour clocks, month names (Google Ads' "January 1, 2025").
  'M/D/YYYY', 'D/M/YYYY', 'D.M.YYYY', 'M/D/YYYY H:mm', 'D/M/YYYY H:mm', 'M/D/YYYY H:mm:ss', 'D/M/YYYY H:mm:ss',
  'M/D/YYYY h:mm A', 'D/M/YYYY h:mm A', 'M/D/YYYY h:mm:ss A', 'D/M/YYYY h:mm:ss A', 'YYYY-MM-DD h:mm A', 'YYYY-MM-DD h:mm:ss A',
  'MMMM D, YYYY', 'MMM D, YYYY', 'D MMMM YYYY', 'D MMM YYYY', 'D-MMM-YYYY', 'MMM D YYYY', 'MMM D, YYYY h:mm A',
  'epoch_s', 'epoch_ms',
] as const;

/**
 * The first date format that reads every non-empty sample (null when none
 * does, or there are no samples). Month first is preferred over day first when both read
 * all samples (`ambiguous` is then true: the form asks which order the source writes).
 */
export function guessDateFormat(values: readonly string[]): { format: string; ambiguous: boolean } | null {
  const vs = values.map((v) => v.trim()).filter((v) => v !== '');
  if (vs.length === 0) return null;
  const fits = (f: string) => {
    if ((f === 'epoch_s' || f === 'epoch_ms') && !vs.every((v) => /^\d{9,13}$/.test(v))) return false;
    if (f === 'epoch_s' && !vs.every((v) => v.length <= 10)) return false;
    if (f === 'epoch_ms' && !vs.every((v) => v.length >= 12)) return false;
    const p = compileDateParser(f, 'UTC');
    return vs.every((v) => p(v).ok);
  };
  for (const f of DATE_FORMATS) {
    if (!fits(f)) continue;
    const twin = dayMonthOrder(f) === 'month-first' ? withDayMonthOrder(f, 'day-first') : null;
    return { format: f, ambiguous: twin !== null && fits(twin) };
  }
  return null;
}

const AMOUNT_CANDIDATES: Pick<AmountFormat, 'decimalSeparator' | 'thousandsSeparator'>[] = [
  { decimalSeparator: '.', thousandsSeparator: '' },
  { decimalSeparator: '.', thousandsSeparator: ',' },
  { decimalSeparator: ',', thousandsSeparator: '' },
  { decimalSeparator: ',', thousandsSeparator: '.' },
  { decimalSeparator: ',', thousandsSeparator: ' ' },
  { decimalSeparator: ',', thousandsSeparator: '\u00a0' },
  { decimalSeparator: '.', thousandsSeparator: "'" },
  { decimalSeparator: '.', thousandsSeparator: ' ' },
];

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Strict shape of an amount in a format: thousands groups of exactly 3 digits. */
export function amountShape(f: Pick<AmountFormat, 'decimalSeparator' | 'thousandsSeparator'>): RegExp {
  const dec = esc(f.decimalSeparator);
  const int = f.thousandsSeparator === '' ? '\\d+' : `(?:\\d{1,3}(?:${esc(f.thousandsSeparator)}\\d{3})+|\\d+)`;
  return new RegExp(`^[-+(]?\\s*[$€£¥]?\\s*${int}(?:${dec}\\d+)?\\s*[$€£¥]?\\)?-?$`);
}

/**
 * The amount format that reads every sample with the strict shape; the plain
 * format (no thousands separator) unless the samples show one. null when no
 * candidate reads them all (or no samples).
 */
export function guessAmountFormat(values: readonly string[]): Pick<AmountFormat, 'decimalSeparator' | 'thousandsSeparator'> | null {
  const vs = values.map((v) => v.trim()).filter((v) => v !== '');
  if (vs.length === 0) return null;
  for (const c of AMOUNT_CANDIDATES) {
    const re = amountShape(c);
    if (vs.every((v) => re.test(v))) return c;
  }
  return null;
}

type Role = 'id' | 'date' | 'amount' | 'debit' | 'credit' | 'status' | 'currency';

// headerKey forms, best first
const SYNONYMS: Record<Role, string[]> = {
  id: ['transactionid', 'txnid', 'txid', 'transactionref', 'transactionreference', 'paymentid', 'paymentreference', 'pspreference', 'reference', 'ref', 'id', 'recordid', 'dealid', 'opportunityid', 'orderid', 'invoiceid', 'invoicenumber', 'chargeid'],
  date: ['date', 'transactiondate', 'paymentdate', 'postingdate', 'bookingdate', 'valuedate', 'created', 'createdat', 'createddate', 'createdutc', 'creationdate', 'closedate', 'day', 'timestamp', 'datetime', 'time'],
  amount: ['amount', 'gross', 'grossamount', 'total', 'totalamount', 'value', 'sum', 'amountpaid', 'paymentamount', 'cost', 'spend', 'amountspent'],
  debit: ['debit', 'debitamount', 'withdrawal', 'withdrawals', 'paidout', 'moneyout'],
  credit: ['credit', 'creditamount', 'deposit', 'deposits', 'paidin', 'moneyin'],
  status: ['status', 'state', 'paymentstatus', 'transactionstatus', 'stage', 'dealstage', 'result'],
  currency: ['currency', 'currencycode', 'curr', 'ccy', 'isocurrency'],
};

const ATTRIBUTE_SYNONYMS: Partial<Record<AttributeName, string[]>> = {
  email: ['email', 'customeremail', 'emailaddress', 'fromemailaddress'],
  customer: ['customer', 'customername', 'customerid', 'client', 'company', 'companyname', 'accountname'],
  description: ['description', 'memo', 'details', 'note', 'narrative'],
  invoiceId: ['invoice', 'invoiceid', 'invoicenumber', 'invoiceno'],
  campaign: ['campaign', 'campaignname', 'primarycampaignsource', 'primarycampaign'],
  channel: ['channel', 'source', 'originalsource'],
  leadSource: ['leadsource'],
  utmSource: ['utmsource'],
  utmMedium: ['utmmedium'],
  utmCampaign: ['utmcampaign'],
  clicks: ['clicks', 'linkclicks'],
  impressions: ['impressions', 'impr'],
};

function findColumn(header: readonly string[], keys: readonly string[], synonyms: readonly string[], taken: Set<string>): string | undefined {
  for (const s of synonyms) {
    const i = keys.findIndex((k, j) => k === s && !taken.has(header[j] as string));
    if (i >= 0) return header[i];
  }
  // a column whose name ends with a synonym ("Payment Amount", "Txn Status"), for the longer synonyms
  for (const s of synonyms) {
    if (s.length < 4) continue;
    const i = keys.findIndex((k, j) => k.endsWith(s) && !taken.has(header[j] as string));
    if (i >= 0) return header[i];
  }
  return undefined;
}

function columnValues(header: readonly string[], rows: readonly (readonly string[])[], column: string | undefined): string[] {
  if (column === undefined) return [];
  const i = header.indexOf(column);
  return i < 0 ? [] : rows.map((r) => r[i] ?? '');
}

function datasetFor(kind: SourceKind | undefined): Dataset {
  if (kind === 'crm') return 'deals';
  if (kind === 'ads') return 'spend';
  return 'payments';
}

/** Suggests a profile for a header (see module comment). */
export function suggestProfile(header: string[], sampleRows: string[][], hint: { kind?: SourceKind } = {}): Suggestion {
  const best = detectPreset(header)[0];
  if (best && best.score >= PRESET_MIN_SCORE && (hint.kind === undefined || hint.kind === best.preset.kind || hint.kind === 'other')) {
    const p = best.preset;
    const profile = fitPreset(p.profile, header, sampleRows);
    const bound = compileIngestProfile(profile, { name: p.label, kind: p.kind }).bindHeader(header);
    if (bound.ok) {
      return { presetId: p.id, profile: { ...profile, expectedColumns: [...header] }, confidence: 'preset' };
    }
  }

  const keys = header.map(headerKey);
  const taken = new Set<string>();
  const pick = (role: Role) => {
    const c = findColumn(header, keys, SYNONYMS[role], taken);
    if (c !== undefined) taken.add(c);
    return c;
  };
  const id = pick('id');
  const amount = pick('amount');
  const debit = amount === undefined ? pick('debit') : undefined;
  const credit = amount === undefined ? pick('credit') : undefined;
  const date = pick('date');
  const status = pick('status');
  const currency = pick('currency');
  const dataset = datasetFor(hint.kind);

  const moneyValues = [amount, debit, credit].flatMap((c) => columnValues(header, sampleRows, c));
  const amountFormat = guessAmountFormat(moneyValues) ?? { decimalSeparator: '.', thousandsSeparator: '' };
  const dateGuess = guessDateFormat(columnValues(header, sampleRows, date));

  const attributes: Record<string, string> = {};
  for (const [attr, syn] of Object.entries(ATTRIBUTE_SYNONYMS) as [AttributeName, string[]][]) {
    const c = findColumn(header, keys, syn, taken);
    if (c !== undefined) attributes[attr] = c;
  }
  Object.assign(attributes, ownFields(header, dataset, new Set([...taken, ...Object.values(attributes)])));

  const columns: IngestProfileInput['columns'] = { id: id ?? header[0] ?? 'id' };
  if (status !== undefined) columns.status = status;
  if (date !== undefined) columns.date = date;
  if (amount !== undefined) columns.amount = amount;
  if (debit !== undefined) columns.debit = debit;
  if (credit !== undefined) columns.credit = credit;
  if (currency !== undefined) columns.currency = currency;
  if (amount === undefined && debit === undefined && credit === undefined) {
    // the user has to pick one; name the most likely numeric column so the profile is well-formed
    const numeric = header.find((h, i) => h !== columns.id && sampleRows.length > 0 && sampleRows.every((r) => /^-?[\d.,\s]+$/.test((r[i] ?? '').trim())));
    columns.amount = numeric ?? header[1] ?? header[0] ?? 'amount';
  }
  return {
    presetId: null,
    confidence: 'heuristic',
    profile: {
      dataset,
      format: {},
      columns,
      statusMap: {},
      useDefaultGlossary: true,
      amount: { ...amountFormat, units: 'major', sign: 'as_is' },
      date: { format: dateGuess?.format ?? 'iso', timeZone: 'UTC' },
      attributes,
      expectedColumns: [...header],
    },
  };
}
