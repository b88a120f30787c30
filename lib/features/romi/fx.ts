/**
 * One reporting currency (Settings): payments and spend in several currencies are converted with
 * monthly rates entered or uploaded there ("2025-01,EUR,1.0832": 1 EUR = 1.0832 of the reporting
 * currency in January 2025). Without a reporting currency every currency stays apart, as before.
 */
import { z } from 'zod';
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';
import { assertCan } from '@/lib/server/authorize';
import { InvalidRequestError } from '@/lib/server/core/app-error';
import { type Actor } from '@/lib/domain/actor';
import type { FxTable } from '@/lib/romi';

const REPORTING_KEY = 'reportingCurrency';
const code = z.string().trim().toUpperCase().regex(/^[A-Z]{3}$/, 'Use a three-letter currency code such as EUR.');

export const FxRateSchema = z.object({
  month: z.string().trim().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'Months are written YYYY-MM, such as 2025-01.'),
  currency: code,
  rate: z.string().trim().regex(/^\d{1,9}(\.\d{1,10})?$/, 'A rate is a positive number such as 1.0832.').refine((r) => Number(r) > 0, 'A rate is a positive number such as 1.0832.'),
});
export type FxRateInput = z.input<typeof FxRateSchema>;

export type FxSettings = { base: string | null; rates: { month: string; currency: string; rate: string }[]; version: string };

/** The reporting currency and every rate, with a version for caches (changes whenever either does). */
export async function fxSettings(db: Client = getPrisma()): Promise<FxSettings> {
  const [setting, rates] = await Promise.all([
    db.appSetting.findUnique({ where: { key: REPORTING_KEY }, select: { value: true, updatedAt: true } }),
    db.fxRate.findMany({ orderBy: [{ month: 'asc' }, { currency: 'asc' }], select: { month: true, currency: true, rate: true, updatedAt: true } }),
  ]);
  const base = setting ? (JSON.parse(setting.value) as string | null) : null;
  const latest = Math.max(setting?.updatedAt.getTime() ?? 0, ...rates.map((r) => r.updatedAt.getTime()));
  return { base, rates: rates.map(({ month, currency, rate }) => ({ month, currency, rate })), version: `${base ?? '-'}:${rates.length}:${latest}` };
}

/** The table the figures convert with, or undefined without a reporting currency. */
export function fxTableOf(s: FxSettings): FxTable | undefined {
  if (!s.base) return undefined;
  const monthly: Record<string, Record<string, number>> = {};
  for (const r of s.rates) (monthly[r.month] ??= {})[r.currency] = Number(r.rate);
  return { base: s.base, monthly };
}

/** Sets (or clears, with null) the reporting currency, audited. */
export async function saveReportingCurrency(value: string | null, actor: Actor | null, db: Client = getPrisma()): Promise<void> {
  if (actor) assertCan(actor, 'settings:notifications');
  const base = value === null || value.trim() === '' ? null : code.parse(value);
  await db.$transaction(async (tx) => {
    const before = await tx.appSetting.findUnique({ where: { key: REPORTING_KEY } });
    await tx.appSetting.upsert({ where: { key: REPORTING_KEY }, create: { key: REPORTING_KEY, value: JSON.stringify(base), updatedById: actor?.id ?? null }, update: { value: JSON.stringify(base), updatedById: actor?.id ?? null } });
    await writeAudit(tx, { actor, action: 'settings.reporting_currency', entityType: 'AppSetting', entityId: REPORTING_KEY, before: { currency: before ? JSON.parse(before.value) : null }, after: { currency: base } });
  });
}

/**
 * Reads pasted or uploaded rates, one per line: month,currency,rate (a header line and blank lines are
 * skipped; ; or tab also separate). Every bad line is named; nothing is returned when any is bad.
 */
export function parseFxRates(text: string): { rates: z.output<typeof FxRateSchema>[]; errors: string[] } {
  const rates: z.output<typeof FxRateSchema>[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const cells = line.split(/[,;\t]/).map((c) => c.trim());
    if (!line.trim() || (i === 0 && /month/i.test(cells[0] ?? ''))) return;
    const parsed = FxRateSchema.safeParse({ month: cells[0] ?? '', currency: cells[1] ?? '', rate: cells[2] ?? '' });
    if (parsed.success && cells.length === 3) rates.push(parsed.data);
    else errors.push(`Line ${i + 1}: ${parsed.success ? 'write month,currency,rate (three values).' : parsed.error.issues[0]!.message}`);
  });
  return errors.length ? { rates: [], errors } : { rates, errors };
}

/** Adds or replaces rates (by month and currency), audited in the same transaction. Returns how many changed. */
export async function saveFxRates(raw: FxRateInput[], actor: Actor | null, db: Client = getPrisma()): Promise<number> {
  if (actor) assertCan(actor, 'settings:notifications');
  const rates = z.array(FxRateSchema).max(5000, 'At most 5,000 rates at once.').parse(raw);
  const seen = new Set<string>();
  for (const r of rates) {
    const k = `${r.month} ${r.currency}`;
    if (seen.has(k)) throw new InvalidRequestError(`${r.currency} for ${r.month} is given twice. Keep one rate per month and currency.`);
    seen.add(k);
  }
  return db.$transaction(async (tx) => {
    let changed = 0;
    const before: Record<string, string | null> = {};
    const after: Record<string, string> = {};
    for (const r of rates) {
      const was = await tx.fxRate.findUnique({ where: { month_currency: { month: r.month, currency: r.currency } }, select: { rate: true } });
      if (was?.rate === r.rate) continue;
      await tx.fxRate.upsert({ where: { month_currency: { month: r.month, currency: r.currency } }, create: { ...r, updatedById: actor?.id ?? null }, update: { rate: r.rate, updatedById: actor?.id ?? null } });
      before[`${r.month} ${r.currency}`] = was?.rate ?? null;
      after[`${r.month} ${r.currency}`] = r.rate;
      changed++;
    }
    if (changed) await writeAudit(tx, { actor, action: 'settings.fx_rates', entityType: 'FxRate', entityId: null, before, after });
    return changed;
  });
}

/** Removes one rate, audited. */
export async function deleteFxRate(month: string, currency: string, actor: Actor | null, db: Client = getPrisma()): Promise<void> {
  if (actor) assertCan(actor, 'settings:notifications');
  await db.$transaction(async (tx) => {
    const n = await tx.fxRate.deleteMany({ where: { month, currency } });
    if (n.count) await writeAudit(tx, { actor, action: 'settings.fx_rates', entityType: 'FxRate', entityId: null, before: { [`${month} ${currency}`]: 'removed' }, after: {} });
  });
}

/** The months and currencies of the figures that have no rate (shown apart, and flagged on the dashboard). */
export function missingRates(rows: readonly { day: string; currency: string }[], fx: FxTable | undefined): { month: string; currency: string }[] {
  if (!fx) return [];
  const out = new Map<string, { month: string; currency: string }>();
  for (const r of rows) {
    if (!r.currency || r.currency === fx.base) continue;
    const month = r.day.slice(0, 7);
    if (fx.monthly?.[month]?.[r.currency] === undefined && fx.rates?.[r.currency] === undefined) out.set(`${month}|${r.currency}`, { month, currency: r.currency });
  }
  return [...out.values()].sort((a, b) => a.month.localeCompare(b.month) || a.currency.localeCompare(b.currency));
}
