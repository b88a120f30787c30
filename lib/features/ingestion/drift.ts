/**
 * Drift: how a new file differs from what its source's profile was made for.
 * Header drift (missing, renamed, new columns; values that changed shape) is
 * checked before ingesting; status drift (codes the profile cannot map) after.
 */
import { buildStatusLookup } from '@/lib/reconcile/glossary';
import { compileDateParser } from '@/lib/reconcile/dates';
import { currencyDigits, parseAmount } from '@/lib/reconcile/money';
import { amountExample, compileIngestProfile, currencyInName, headerKey, type IngestProfile } from './profile';
import { amountShape, guessAmountFormat, guessDateFormat } from './suggest';

export interface DriftFinding {
  kind: 'missing_columns' | 'new_columns' | 'renamed_columns' | 'type_changed' | 'unknown_status';
  severity: 'blocking' | 'warning';
  message: string;
  detail: Record<string, unknown>;
}

type Role = 'id' | 'status' | 'date' | 'amount' | 'debit' | 'credit' | 'currency' | 'key' | 'attribute';

function rolesOf(profile: IngestProfile): Map<string, Role> {
  const m = new Map<string, Role>();
  const c = profile.columns;
  for (const [role, name] of Object.entries(c) as [Role, string | undefined][]) if (name) m.set(name, role);
  for (const k of profile.keyColumns ?? []) if (!m.has(k)) m.set(k, 'key');
  for (const a of Object.values(profile.attributes)) if (a && !m.has(a)) m.set(a, 'attribute');
  return m;
}

/** Same column modulo case, punctuation and a "(USD)" currency suffix when the profile reads it from the header. */
function sameName(a: string, b: string, currencyFromHeader: boolean): boolean {
  if (headerKey(a) === headerKey(b)) return true;
  if (!currencyFromHeader) return false;
  const strip = (s: string) => headerKey(s.replace(/\(\s*[A-Za-z]{3}\s*\)/, ''));
  return currencyInName(a) !== null && currencyInName(b) !== null && strip(a) === strip(b);
}

function bigrams(s: string): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < s.length - 1; i++) out.add(s.slice(i, i + 2));
  return out;
}

/** Dice similarity of the names' letter pairs (0..1). */
function nameSimilarity(a: string, b: string): number {
  const x = bigrams(headerKey(a));
  const y = bigrams(headerKey(b));
  if (x.size === 0 || y.size === 0) return headerKey(a) === headerKey(b) ? 1 : 0;
  let both = 0;
  for (const g of x) if (y.has(g)) both++;
  return (2 * both) / (x.size + y.size);
}

/** Whether the values fit what the profile reads from a column of this role. */
function valuesFit(profile: IngestProfile, role: Role, values: readonly string[]): boolean {
  const vs = values.map((v) => v.trim()).filter((v) => v !== '');
  if (vs.length === 0) return role !== 'id';
  if (role === 'amount' || role === 'debit' || role === 'credit') {
    const re = amountShape(profile.amount);
    return vs.every((v) => re.test(v));
  }
  if (role === 'date') {
    const p = compileDateParser(profile.date.format, profile.date.timeZone);
    return vs.every((v) => p(v).ok);
  }
  if (role === 'currency') return vs.every((v) => /^[A-Za-z]{3}$/.test(v));
  if (role === 'status') return vs.every((v) => v.length <= 64);
  return true;
}

function sampleOf(header: readonly string[], rows: readonly (readonly string[])[], column: string): string[] {
  const i = header.indexOf(column);
  return i < 0 ? [] : rows.map((r) => r[i] ?? '');
}

/**
 * Compares a file's header and sample rows with the profile: required columns
 * missing (blocking; a likely new name is suggested when a new column sits in
 * the old one's place or has a close name and values of the same shape), other
 * expected columns missing (warning), new columns (warning), and mapped
 * columns whose values changed shape (warning).
 */
export function detectHeaderDrift(profile: IngestProfile, header: string[], sampleRows: string[][]): DriftFinding[] {
  const findings: DriftFinding[] = [];
  const compiled = compileIngestProfile(profile, { name: 'profile', kind: 'other' });
  const required = compiled.requiredColumns;
  const bound = compiled.bindHeader(header);
  const missingRequired = bound.ok ? [] : bound.missing;
  const cfh = profile.currencyFromHeader;
  const expected = profile.expectedColumns.length > 0 ? profile.expectedColumns : required;
  const inHeader = (name: string) => header.some((h) => sameName(h, name, cfh));
  const inExpected = (h: string) => expected.some((e) => sameName(h, e, cfh)) || required.some((e) => sameName(h, e, cfh));
  const added = header.filter((h) => !inExpected(h));
  const roles = rolesOf(profile);

  // renames: a missing column -> the best new column by position, name and value shape
  const renamed = new Map<string, { to: string; why: string[] }>();
  const used = new Set<string>();
  const missingAll = expected.filter((e) => !inHeader(e));
  for (const m of [...missingRequired, ...missingAll.filter((x) => !missingRequired.includes(x))]) {
    const role = roles.get(m);
    let best: { to: string; score: number; why: string[] } | null = null;
    for (const cand of added) {
      if (used.has(cand)) continue;
      const why: string[] = [];
      let score = 0;
      const sim = nameSimilarity(m, cand);
      if (sim >= 0.5) { score += sim; why.push('a similar name'); }
      const oldPos = expected.indexOf(m);
      if (oldPos >= 0 && header[oldPos] === cand) { score += 0.6; why.push('the same position'); }
      if (role && role !== 'attribute' && role !== 'key' && role !== 'id') {
        if (valuesFit(profile, role, sampleOf(header, sampleRows, cand))) { score += 0.3; why.push('the same kind of values'); }
        else score -= 0.5;
      }
      if (score >= 0.8 && (!best || score > best.score)) best = { to: cand, score, why };
    }
    if (best) {
      renamed.set(m, best);
      used.add(best.to);
    }
  }

  for (const [from, r] of renamed) {
    const isRequired = missingRequired.includes(from);
    findings.push({
      kind: 'renamed_columns',
      severity: isRequired ? 'blocking' : 'warning',
      message: `Column "${from}" is missing; "${r.to}" looks like its new name (${r.why.join(', ')}). ${isRequired ? 'Map' : 'You can map'} "${from}" to "${r.to}" in the profile${isRequired ? ' to ingest this file' : ''}.`,
      detail: { from, to: r.to, required: isRequired, reasons: r.why },
    });
  }
  const missingReq = missingRequired.filter((m) => !renamed.has(m));
  if (missingReq.length > 0) {
    const list = missingReq.map((m) => `"${m}"`).join(', ');
    findings.push({
      kind: 'missing_columns',
      severity: 'blocking',
      message: `${missingReq.length === 1 ? 'Column' : 'Columns'} ${list} ${missingReq.length === 1 ? 'is' : 'are'} missing; the profile expects: ${required.join(', ')}`,
      detail: { missing: missingReq, expected: required },
    });
  } else if (!bound.ok && missingRequired.length === 0) {
    findings.push({ kind: 'missing_columns', severity: 'blocking', message: bound.message, detail: {} });
  }
  const missingOptional = missingAll.filter((m) => !missingRequired.includes(m) && !renamed.has(m));
  if (missingOptional.length > 0) {
    findings.push({
      kind: 'missing_columns',
      severity: 'warning',
      message: `${missingOptional.length === 1 ? 'Column' : 'Columns'} ${missingOptional.map((m) => `"${m}"`).join(', ')} from the profile's file ${missingOptional.length === 1 ? 'is' : 'are'} gone; ingestion does not need ${missingOptional.length === 1 ? 'it' : 'them'}${missingOptional.some((m) => roles.get(m) === 'attribute') ? ', but the attributes read from them will be empty' : ''}.`,
      detail: { missing: missingOptional },
    });
  }
  const newCols = added.filter((a) => ![...renamed.values()].some((r) => r.to === a));
  if (newCols.length > 0 && profile.expectedColumns.length > 0) {
    findings.push({
      kind: 'new_columns',
      severity: 'warning',
      message: `New ${newCols.length === 1 ? 'column' : 'columns'} since the profile was made: ${newCols.map((n) => `"${n}"`).join(', ')}. ${newCols.length === 1 ? 'It is' : 'They are'} kept in the raw rows but not mapped.`,
      detail: { added: newCols },
    });
  }

  // shape changes of mapped columns that are present
  if (bound.ok && sampleRows.length > 0) {
    const c = profile.columns;
    const check = (name: string | undefined, role: 'amount' | 'date' | 'currency') => {
      if (!name) return;
      const actual = bound.columns[name] ?? name;
      const values = sampleOf(header, sampleRows, actual).map((v) => v.trim()).filter((v) => v !== '');
      if (values.length === 0) return;
      if (role === 'amount') {
        const digits = currencyDigits(profile.currency);
        const bad = values.filter((v) => !amountShape(profile.amount).test(v) || !parseAmount(v.replace(/[$€£¥]/g, ''), profile.amount, Math.max(digits, 6)).ok);
        if (bad.length === 0) return;
        const now = guessAmountFormat(values);
        const looks = now
          ? `they now look like ${amountExample({ ...profile.amount, ...now })}`
          : values.some((v) => /[A-Za-z]/.test(v.replace(/^[A-Z]{3}\s|\s[A-Z]{3}$/g, ''))) ? 'they now hold text' : 'their format changed';
        findings.push({
          kind: 'type_changed',
          severity: 'warning',
          message: `Column "${actual}" no longer matches the profile's amount format ${amountExample(profile.amount)}: ${looks} (e.g. "${bad[0]}"). Rows that do not parse will be rejected; update the amount format if the export changed.`,
          detail: { column: actual, role, examples: bad.slice(0, 3), expected: profile.amount, detected: now },
        });
      } else if (role === 'date') {
        const p = compileDateParser(profile.date.format, profile.date.timeZone);
        const bad = values.filter((v) => !p(v).ok);
        if (bad.length === 0) return;
        const now = guessDateFormat(values);
        findings.push({
          kind: 'type_changed',
          severity: 'warning',
          message: `Column "${actual}" no longer matches the profile's date format ${profile.date.format}: ${now ? `the dates now look like ${now.format}${now.ambiguous ? ' (or the day-first equivalent: check a date after the 12th)' : ''}` : 'the values are not dates any more'} (e.g. "${bad[0]}").`,
          detail: { column: actual, role, examples: bad.slice(0, 3), expected: profile.date.format, detected: now?.format ?? null },
        });
      } else {
        const bad = values.filter((v) => !/^[A-Za-z]{3}$/.test(v));
        if (bad.length === 0) return;
        findings.push({
          kind: 'type_changed',
          severity: 'warning',
          message: `Column "${actual}" should hold 3-letter currency codes but has "${bad[0]}".`,
          detail: { column: actual, role, examples: bad.slice(0, 3) },
        });
      }
    };
    check(c.amount, 'amount');
    check(c.debit, 'amount');
    check(c.credit, 'amount');
    check(c.date, 'date');
    check(c.currency, 'currency');
  }
  return findings;
}

/** Status codes (with their row counts) that neither the profile's map nor the glossary knows. */
export function detectStatusDrift(profile: IngestProfile, codeCounts: Map<string, number>): DriftFinding[] {
  if (!profile.columns.status) return []; // spend, or one status for every row: no codes to map
  const lookup = buildStatusLookup(profile.statusMap, profile.useDefaultGlossary);
  const unknown: [string, number][] = [];
  for (const [code, n] of codeCounts) if (lookup(code) === 'Unknown') unknown.push([code, n]);
  if (unknown.length === 0) return [];
  unknown.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const rows = unknown.reduce((s, [, n]) => s + n, 0);
  const list = unknown.map(([c, n]) => `"${c === '' ? '(empty)' : c}" (${n} ${n === 1 ? 'row' : 'rows'})`).join(', ');
  return [{
    kind: 'unknown_status',
    severity: 'warning',
    message: `${unknown.length === 1 ? 'A status code is' : `${unknown.length} status codes are`} not mapped: ${list}. ${rows === 1 ? 'This row counts' : `These ${rows} rows count`} as Unknown and never match; map ${unknown.length === 1 ? 'it' : 'them'} in the profile.`,
    detail: { codes: Object.fromEntries(unknown), rows },
  }];
}
