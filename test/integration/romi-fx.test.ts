/**
 * One reporting currency with monthly rates, on SQLite and PostgreSQL: spend in EUR converts with its
 * month's rate, a month without a rate stays apart in EUR and is flagged, rates and the currency are
 * audited and bad lines named; a JPY amount (no minor unit) converts by its own digits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciliation } from '@/lib/features/ledger';
import { rebuildRomi } from '@/lib/features/romi/rebuild-romi';
import { dashboardData, parseRomiQuery } from '@/lib/features/romi/dashboard';
import { parseFxRates, saveFxRates, saveReportingCurrency } from '@/lib/features/romi/fx';
import { ensureDefaultRuleSet } from '@/lib/features/runs/rulesets';
import { insertRecords, type RecordRow } from '@/lib/server/db/record-insert';
import { figuresBy, all } from '@/lib/romi';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { makeActor } from './review-fixtures';

describe.each(DATABASE_KINDS)('the reporting currency on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => db?.drop());

  it('converts with each month\'s rate, keeps a month without one apart, and says so', async () => {
    const ads = await db.prisma.source.create({ data: { name: 'Ads EU', kind: 'ads' } });
    const v = await db.prisma.sourceProfileVersion.create({ data: { sourceId: ads.id, version: 1, profile: '{"dataset":"spend"}' } });
    const ing = await db.prisma.ingestion.create({ data: { sourceId: ads.id, profileVersionId: v.id, channel: 'upload', status: 'committed', rowsValid: 3 } });
    const spend = (date: string, cents: number, currency: string, i: number): RecordRow => ({ sourceId: ads.id, profileVersionId: v.id, ingestionId: ing.id, dataset: 'spend', eventId: null, fileSha256: null, line: i, key: `C|${date}|${currency}`, txId: 'C', date, occurredAt: null, amountMinor: cents, currency, status: '', code: '', attrs: JSON.stringify({ campaign: 'C' }), raw: null });
    await insertRecords(db.prisma, [spend('2025-01-10', 10_000, 'EUR', 2), spend('2025-02-10', 20_000, 'EUR', 3), spend('2025-01-11', 5_000, 'USD', 4)]);
    const gw = await db.prisma.source.create({ data: { name: 'GW', kind: 'gateway' } });
    const bank = await db.prisma.source.create({ data: { name: 'BK', kind: 'bank' } });
    const ruleSet = await ensureDefaultRuleSet(db.prisma);
    const rec = await createReconciliation({ name: 'Cards', sourceIds: [gw.id, bank.id], ruleSetName: ruleSet.name }, null, db.prisma);
    await rebuildRomi(rec.ledgerRunId, { db: db.prisma });

    // No reporting currency: currencies apart, as before.
    let data = (await dashboardData(parseRomiQuery({}), db.prisma))!;
    expect(data.fx).toBeNull();
    expect(data.totals.map((f) => [f.currency, Number(f.spendMinor)])).toEqual([['EUR', 30_000], ['USD', 5_000]]);

    const admin = await makeActor(db.prisma, 'admin');
    await saveReportingCurrency('usd', admin, db.prisma);
    expect(parseFxRates('month,currency,rate\n2025-01,EUR,1.1\n2025-13,EUR,1\nfoo').errors).toEqual(['Line 3: Months are written YYYY-MM, such as 2025-01.', 'Line 4: Months are written YYYY-MM, such as 2025-01.']);
    expect(await saveFxRates(parseFxRates('month,currency,rate\n2025-01,EUR,1.1\n').rates, admin, db.prisma)).toBe(1);
    // The cache follows the rates: the same query now converts January and flags February.
    data = (await dashboardData(parseRomiQuery({}), db.prisma))!;
    expect(data.fx).toEqual({ base: 'USD', used: [{ month: '2025-01', currency: 'EUR', rate: '1.1' }], missing: [{ month: '2025-02', currency: 'EUR' }] });
    expect(data.totals.map((f) => [f.currency, Number(f.spendMinor)])).toEqual([['EUR', 20_000], ['USD', 16_000]]);
    const months = Object.fromEntries(data.months.map((m) => [m.month, m.figures.map((f) => `${f.currency} ${f.spendMinor}`).join(', ')]));
    expect(months).toEqual({ '2025-01': 'USD 16000', '2025-02': 'EUR 20000' });

    await saveFxRates([{ month: '2025-02', currency: 'EUR', rate: '1.05' }], admin, db.prisma);
    data = (await dashboardData(parseRomiQuery({}), db.prisma))!;
    expect(data.fx?.missing).toEqual([]);
    expect(data.totals.map((f) => [f.currency, Number(f.spendMinor)])).toEqual([['USD', 37_000]]);
    expect(await db.prisma.auditLog.count({ where: { action: { in: ['settings.fx_rates', 'settings.reporting_currency'] } } })).toBe(3);
    await expect(saveFxRates([{ month: '2025-03', currency: 'EUR', rate: '1' }], await makeActor(db.prisma, 'analyst'), db.prisma)).rejects.toThrow();
  });
});

describe('conversion by each currency\'s own digits', () => {
  it('converts JPY (no minor unit) to USD cents and back', () => {
    const row = (currency: string, spendMinor: bigint) => ({ model: 'last_touch' as const, day: '2025-01-05', channel: 'X', campaign: 'Y', currency, revenueMinor: 0n, refundMinor: 0n, notCountedMinor: 0n, spendMinor, leadsMilli: 0, dealsMilli: 0, paidDealsMilli: 0, paidTx: 0 });
    // 10,000 JPY at 0.0064 USD = 64.00 USD = 6,400 cents.
    expect(figuresBy([row('JPY', 10_000n)], all, { base: 'USD', monthly: { '2025-01': { JPY: 0.0064 } } }).groups.get('all')![0]).toMatchObject({ currency: 'USD', spendMinor: 6_400n });
    // 64.00 USD (6,400 cents) at 156.25 JPY = 10,000 JPY.
    expect(figuresBy([row('USD', 6_400n)], all, { base: 'JPY', rates: { USD: 156.25 } }).groups.get('all')![0]).toMatchObject({ currency: 'JPY', spendMinor: 10_000n });
  });
});
