/**
 * Amounts in the discrepancy table keep each currency's own digits: the amount filter compares a
 * major-unit bound in every row's currency (¥1,000, $1,000.00 and KWD 1,000.000 are all "1000"), and
 * the rows show ¥1000, not ¥10. On SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDefaultRuleSet } from '@/lib/features/runs/rulesets';
import { discrepancyQuerySchema, listDiscrepancies, parseDiscrepancyQuery } from '@/lib/features/review/discrepancies';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

describe.each(DATABASE_KINDS)('discrepancy amounts in their currency on %s', (kind) => {
  let db: TestDatabase;
  let runId = '';

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    const ruleSet = await ensureDefaultRuleSet(db.prisma);
    const run = await db.prisma.run.create({ data: { status: 'completed', ruleSetId: ruleSet.id, inputs: JSON.stringify({ sources: [] }), inputsHash: 'x' } });
    runId = run.id;
    const rows: [string, bigint, string][] = [
      ['JPY-999', 999n, 'JPY'],
      ['JPY-1000', 1000n, 'JPY'],
      ['USD-999.99', 99_999n, 'USD'],
      ['USD-1000', 100_000n, 'USD'],
      ['KWD-1000', 1_000_000n, 'KWD'],
      ['KWD-999.999', 999_999n, 'KWD'],
    ];
    await db.prisma.runResult.createMany({
      data: rows.map(([key, amountMinor, currency]) => ({
        runId, key, cls: 'mismatched', reasons: ';amount;', severity: 'warning', severityRank: 1, action: 'review', actionLabel: 'Review',
        missingIn: '', duplicateIn: '', statuses: '', amountMinor, currency, date: '2025-01-10', detail: JSON.stringify({ sources: [], corrections: [], violations: [] }), state: 'open',
      })),
    });
  });
  afterAll(async () => db?.drop());

  const keys = async (q: Record<string, string>) =>
    (await listDiscrepancies(runId, parseDiscrepancyQuery({ cls: 'all', sort: 'key', dir: 'asc', ...q }), { db: db.prisma })).rows.map((r) => r.key).sort();

  it('filters by a major-unit bound in each row’s own currency', async () => {
    expect(await keys({ min: '1000' })).toEqual(['JPY-1000', 'KWD-1000', 'USD-1000']);
    expect(await keys({ max: '999.999' })).toEqual(['JPY-999', 'KWD-999.999', 'USD-999.99']);
    // A bound with more decimals than a currency has rounds inward: ¥999.5 or more is ¥1,000.
    expect(await keys({ min: '999.5', max: '999.999' })).toEqual(['KWD-999.999', 'USD-999.99']);
  });

  it('shows amounts with the currency’s digits', async () => {
    const rows = (await listDiscrepancies(runId, parseDiscrepancyQuery({ cls: 'all', sort: 'key', dir: 'asc' }), { db: db.prisma })).rows;
    const amount = Object.fromEntries(rows.map((r) => [r.key, r.amount]));
    expect(amount).toMatchObject({ 'JPY-1000': '1000', 'USD-1000': '1000.00', 'KWD-1000': '1000.000' });
  });

  it('a bound that is not a number is dropped (a hand-edited link keeps its other filters), with the reason for forms', async () => {
    expect(await keys({ min: '12,50' })).toHaveLength(6);
    const parsed = discrepancyQuerySchema.safeParse({ min: '12,50' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe('Amounts are numbers such as 120 or 120.50.');
  });
});
