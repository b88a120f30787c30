/**
 * The ROMI build's payments that link to no deal are summed and credited in SQL
 * (lib/features/romi/unlinked-payments.ts); those that link to one go through the process. On SQLite
 * and PostgreSQL, the aggregate built that way equals the one built with every payment in the process
 * (the path it replaced): every daily row, every credit, the build's counts. The entries cover every
 * review state, final status, amount sign, a final currency of its own and no date, each on a day of
 * its own (a wrong SQL contribution cannot hide in a sum), by payment and by deal, joined on the key
 * and on a record attribute, over several key ranges; and with the credit table's indexes set aside
 * while it is written (a large build).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciliation } from '@/lib/features/ledger';
import { saveRomiSettings } from '@/lib/features/romi/configure';
import { rebuildRomi } from '@/lib/features/romi/rebuild-romi';
import { hasDeferredIndexes } from '@/lib/server/db/deferred-indexes';
import { ensureDefaultRuleSet } from '@/lib/features/runs/rulesets';
import { insertRecords, type RecordRow } from '@/lib/server/db/record-insert';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

const STATES = ['open', 'in_review', 'escalated', 'resolved', 'written_off'] as const;
const FINALS = ['Paid', 'Refunded', 'Failed', null] as const;
const SIGNS = [1n, -1n, 0n] as const;

describe.each(DATABASE_KINDS)('ROMI payments without a deal built in SQL on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => db?.drop());

  async function source(name: string, sourceKind: string, dataset: string, rows: Omit<RecordRow, 'sourceId' | 'profileVersionId' | 'ingestionId' | 'dataset' | 'eventId' | 'fileSha256' | 'line' | 'occurredAt' | 'code' | 'raw'>[]) {
    const s = await db.prisma.source.create({ data: { name, kind: sourceKind } });
    const version = await db.prisma.sourceProfileVersion.create({ data: { sourceId: s.id, version: 1, profile: '{}' } });
    const ingestion = await db.prisma.ingestion.create({ data: { sourceId: s.id, profileVersionId: version.id, channel: 'upload', status: 'committed', rowsValid: rows.length } });
    await insertRecords(db.prisma, rows.map((r, i): RecordRow => ({ ...r, sourceId: s.id, profileVersionId: version.id, ingestionId: ingestion.id, dataset, eventId: null, fileSha256: null, line: i + 2, occurredAt: null, code: '', raw: null })));
    const ids = await db.prisma.sourceRecord.findMany({ where: { sourceId: s.id }, orderBy: { line: 'asc' }, select: { id: true } });
    return { id: s.id, recordIds: ids.map((r) => r.id) };
  }

  /** The names of RomiCredit's secondary indexes. */
  async function creditIndexes(): Promise<string[]> {
    const rows: { name: string }[] =
      kind === 'sqlite'
        ? await db.prisma.$queryRawUnsafe(`SELECT "name" FROM sqlite_master WHERE "type" = 'index' AND "tbl_name" = 'RomiCredit' AND "sql" IS NOT NULL ORDER BY "name"`)
        : await db.prisma.$queryRawUnsafe(`SELECT indexname AS "name" FROM pg_indexes WHERE tablename = 'RomiCredit' AND indexname <> 'RomiCredit_pkey' ORDER BY 1`);
    return rows.map((r) => r.name);
  }

  /** The stored aggregate without ids, in a stable order. */
  async function aggregate(runId: string) {
    const daily = await db.prisma.romiDaily.findMany({ where: { runId }, omit: { id: true } });
    const credits = await db.prisma.romiCredit.findMany({ where: { runId }, omit: { id: true } });
    const build = await db.prisma.romiBuild.findUniqueOrThrow({ where: { runId }, select: { linkedPayments: true, payments: true, deals: true, spendRows: true } });
    const order = (x: Record<string, unknown>) => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    return { daily: daily.map(order).sort(), credits: credits.map(order).sort(), build };
  }

  it('gives the same daily rows, credits and counts as every payment built in the process', async () => {
    // Payments: every combination of review state, final status and amount sign, on a day each.
    const combos = STATES.flatMap((state) => FINALS.flatMap((finalStatus) => SIGNS.map((sign) => ({ state, finalStatus, sign }))));
    const key = (i: number) => `TX-${String(i).padStart(4, '0')}`;
    const day = (i: number) => (i % 17 === 5 ? null : new Date(Date.UTC(2025, 0, 1 + i)).toISOString().slice(0, 10));
    const gateway = await source('Gateway', 'gateway', 'payments', combos.map((_, i) => ({ key: key(i), txId: key(i), date: day(i), amountMinor: 1000 + i, currency: 'USD', status: 'Paid', attrs: JSON.stringify({ orderRef: `ord-${i}` }) })));
    const bank = await source('Bank', 'bank', 'payments', []);
    // Deals for every third payment, written the way CRMs write them (lower case, spaces around), half won.
    const linked = combos.map((_, i) => i).filter((i) => i % 3 === 0);
    const crm = await source('CRM', 'crm', 'deals', linked.map((i, n) => ({ key: `D-${i}`, txId: `D-${i}`, date: day(i + 1), amountMinor: 5000 + i, currency: 'USD', status: n % 2 ? 'Paid' : 'Pending', attrs: JSON.stringify({ 'Order Number': ` ${key(i).toLowerCase()} `, Ref: `ORD-${i}`, channel: n % 4 < 2 ? 'Paid Search' : 'Referral', campaign: `C${n % 3}`, utmSource: n % 5 === 0 ? 'Newsletter' : '' }) })));
    const ads = await source('Google Ads', 'ads', 'spend', [{ key: 'BRAND', txId: 'Brand', date: '2025-01-02', amountMinor: 12_345, currency: 'USD', status: '', attrs: JSON.stringify({ campaign: 'C1', channel: 'Paid Search' }) }]);

    const ruleSet = await ensureDefaultRuleSet(db.prisma);
    const rec = await createReconciliation({ name: 'Cards', sourceIds: [gateway.id, bank.id], ruleSetName: ruleSet.name }, null, db.prisma);
    await db.prisma.runResult.createMany({
      data: combos.map((c, i) => {
        const amount = BigInt(1000 + i) * (c.sign === 0n ? 1n : c.sign);
        const settled = c.state === 'resolved' || c.state === 'written_off';
        return {
          runId: rec.ledgerRunId, key: key(i), cls: 'matched', reasons: '', severity: 'info', severityRank: 0, action: 'none', actionLabel: 'None', missingIn: '', duplicateIn: '', statuses: '',
          amountMinor: amount, currency: 'USD', date: day(i), detail: JSON.stringify({ sources: [{ recordId: gateway.recordIds[i] }] }), state: c.state,
          finalStatus: settled ? c.finalStatus : null,
          finalAmountMinor: settled && i % 7 !== 3 ? (c.sign === 0n ? 0n : amount) : null,
          finalCurrency: i % 4 === 1 ? 'EUR' : null, // an open entry's too: contributionOf counts it in its own currency
        };
      }),
    });

    const settings = [
      { join: { payment: 'key', deal: 'Order Number' }, basis: 'payment' as const },
      { join: { payment: 'key', deal: 'Order Number' }, basis: 'deal' as const },
      { join: { payment: 'orderRef', deal: 'Ref' }, basis: 'payment' as const },
    ];
    for (const s of settings) {
      await saveRomiSettings(rec.id, { dealSourceIds: [crm.id], spendSourceIds: [ads.id], join: s.join, basis: s.basis, dealConditions: [], sameAmount: false }, null, db.prisma);
      // Key ranges of 16 entries: several ranges, some with linked entries and some without.
      const sql = await rebuildRomi(rec.ledgerRunId, { db: db.prisma, rangeKeys: 16 });
      const fast = await aggregate(rec.ledgerRunId);
      const slow = await rebuildRomi(rec.ledgerRunId, { db: db.prisma, everyPaymentInProcess: true });
      expect(sql, JSON.stringify(s)).toEqual(slow);
      expect(fast, JSON.stringify(s)).toEqual(await aggregate(rec.ledgerRunId));
      // With the credit table's indexes set aside while it is written: the same aggregate, and the
      // four indexes back afterwards.
      const indexesBefore = await creditIndexes();
      expect(indexesBefore).toHaveLength(4);
      expect(await rebuildRomi(rec.ledgerRunId, { db: db.prisma, rangeKeys: 16, deferIndexes: true })).toEqual(sql);
      expect(fast, JSON.stringify(s)).toEqual(await aggregate(rec.ledgerRunId));
      expect(await creditIndexes()).toEqual(indexesBefore);
      expect(await hasDeferredIndexes(db.prisma)).toBe(false);
      // Both kinds of payment were there: some linked to a deal, most not.
      expect(fast.build.payments).toBe(combos.length);
      expect(fast.build.linkedPayments).toBe(linked.length);
      const revenue = (await db.prisma.romiDaily.aggregate({ where: { runId: rec.ledgerRunId, model: 'last_touch', channel: 'Unattributed' }, _sum: { revenueMinor: true, refundMinor: true, notCountedMinor: true } }))._sum;
      if (s.basis === 'payment') expect(revenue.revenueMinor! > 0n && revenue.refundMinor! > 0n && revenue.notCountedMinor! > 0n).toBe(true);
    }
  });
});
