/**
 * Ad spend as ROMI counts it, on SQLite and PostgreSQL: every row of a delivery counts (a report
 * segmented by device has several rows for one day and campaign), and a later delivery that reports a
 * day and campaign again replaces it, never doubles it (before: only the last row per key counted, so a
 * generic spend profile keyed by campaign kept one day per campaign, $233.19 of $9,197.84).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciliation } from '@/lib/features/ledger';
import { rebuildRomi } from '@/lib/features/romi/rebuild-romi';
import { ensureDefaultRuleSet } from '@/lib/features/runs/rulesets';
import { insertRecords, type RecordRow } from '@/lib/server/db/record-insert';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

describe.each(DATABASE_KINDS)('ad spend in the ROMI aggregate on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => db?.drop());

  it('adds up the rows of a delivery and replaces what a later delivery reports again', async () => {
    const ads = await db.prisma.source.create({ data: { name: 'Google Ads', kind: 'ads' } });
    const version = await db.prisma.sourceProfileVersion.create({ data: { sourceId: ads.id, version: 1, profile: '{}' } });
    // A generic profile keyed by the campaign alone: the key repeats on every day and device.
    const deliver = async (rows: { date: string; campaign: string; cents: number }[]) => {
      const ingestion = await db.prisma.ingestion.create({ data: { sourceId: ads.id, profileVersionId: version.id, channel: 'upload', status: 'committed', rowsValid: rows.length } });
      await insertRecords(db.prisma, rows.map((r, i): RecordRow => ({
        sourceId: ads.id, profileVersionId: version.id, ingestionId: ingestion.id, dataset: 'spend', eventId: null, fileSha256: null, line: i + 2,
        key: r.campaign.toUpperCase(), txId: r.campaign, date: r.date, occurredAt: null, amountMinor: r.cents, currency: 'USD', status: '', code: '',
        attrs: JSON.stringify({ campaign: r.campaign }), raw: null,
      })));
    };
    // January's export: two devices a day for Brand, one row a day for Generic.
    await deliver([
      { date: '2025-01-01', campaign: 'Brand', cents: 10_000 },
      { date: '2025-01-01', campaign: 'Brand', cents: 2_500 },
      { date: '2025-01-02', campaign: 'Brand', cents: 11_000 },
      { date: '2025-01-01', campaign: 'Generic', cents: 7_000 },
      { date: '2025-01-02', campaign: 'Generic', cents: 7_100 },
    ]);
    // A re-export of 2 January onwards with corrected figures, and 3 January new.
    await deliver([
      { date: '2025-01-02', campaign: 'Brand', cents: 11_500 },
      { date: '2025-01-02', campaign: 'Generic', cents: 7_200 },
      { date: '2025-01-03', campaign: 'Generic', cents: 6_000 },
    ]);
    const gateway = await db.prisma.source.create({ data: { name: 'Gateway', kind: 'gateway' } });
    const bank = await db.prisma.source.create({ data: { name: 'Bank', kind: 'bank' } });
    const ruleSet = await ensureDefaultRuleSet(db.prisma);
    const rec = await createReconciliation({ name: 'Cards', sourceIds: [gateway.id, bank.id], ruleSetName: ruleSet.name }, null, db.prisma);
    await rebuildRomi(rec.ledgerRunId, { db: db.prisma });

    const daily = await db.prisma.romiDaily.findMany({ where: { runId: rec.ledgerRunId, model: 'last_touch', spendMinor: { not: 0n } }, select: { day: true, channel: true, campaign: true, spendMinor: true } });
    const byDay = Object.fromEntries(daily.map((d) => [`${d.day} ${d.campaign}`, Number(d.spendMinor)]));
    expect(byDay).toEqual({
      '2025-01-01 Brand': 12_500, // both devices
      '2025-01-02 Brand': 11_500, // the re-export's figure, not 11,000 + 11,500
      '2025-01-01 Generic': 7_000,
      '2025-01-02 Generic': 7_200,
      '2025-01-03 Generic': 6_000,
    });
    expect(new Set(daily.map((d) => d.channel))).toEqual(new Set(['Google Ads']));
  });
});
