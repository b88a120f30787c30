import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRun, startRun } from '@/lib/features/runs';
import { listDiscrepancies, parseDiscrepancyQuery } from '@/lib/features/review/discrepancies';
import { type ResultDetail } from '@/lib/reconcile/result-detail';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { makeActor } from './review-fixtures';
import { settlementLines } from '@/lib/features/review/settlement-audit';

type Rec = { key: string; status: string; amount: number; code?: string };

/**
 * Runs over records stored the way ingestion and webhooks store them, with several snapshots per key:
 * the latest snapshot counts, older ones feed the progression check, uncommitted ingestions never
 * count, webhook records do, and automatic rules settle what the procedure allows.
 */
describe.each(DATABASE_KINDS)('run snapshots and automatic rules on %s', (kind) => {
  let db: TestDatabase;
  let runId: string;
  const row = async (key: string) => db.prisma.runResult.findUniqueOrThrow({ where: { runId_key: { runId, key } } });

  async function source(name: string, sourceKind: string) {
    const s = await db.prisma.source.create({ data: { name, kind: sourceKind } });
    const v = await db.prisma.sourceProfileVersion.create({ data: { sourceId: s.id, version: 1, profile: '{}' } });
    return { id: s.id, versionId: v.id };
  }
  async function ingest(src: { id: string; versionId: string }, at: string, records: Rec[], status = 'committed') {
    const ing = await db.prisma.ingestion.create({ data: { sourceId: src.id, profileVersionId: src.versionId, channel: 'upload', status, createdAt: new Date(at) } });
    await db.prisma.sourceRecord.createMany({
      data: records.map((r, i) => ({
        sourceId: src.id, ingestionId: ing.id, profileVersionId: src.versionId, dataset: 'payments', line: i + 2, key: r.key, txId: r.key,
        date: '2024-07-01', amountMinor: BigInt(r.amount), currency: 'USD', status: r.status, code: r.code ?? r.status, raw: JSON.stringify(r),
      })),
    });
  }

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    const analyst = await makeActor(db.prisma, 'analyst');
    const gateway = await source('Gateway', 'gateway');
    const bank = await source('Bank', 'bank');
    // Gateway: two exports; the second is newer.
    await ingest(gateway, '2024-07-01T10:00:00Z', [
      { key: 'K1', status: 'Pending', amount: 1000 },
      { key: 'K3', status: 'Paid', amount: 3000 },
      { key: 'K4', status: 'Paid', amount: 4000 },
      { key: 'K4', status: 'Paid', amount: 4000 },
    ]);
    await ingest(gateway, '2024-07-02T10:00:00Z', [
      { key: 'K1', status: 'Paid', amount: 1000 },
      { key: 'K2', status: 'Pending', amount: 2000 },
      { key: 'K3', status: 'Pending', amount: 3000 },
    ]);
    // A failed ingestion's records never count.
    await ingest(gateway, '2024-07-03T10:00:00Z', [{ key: 'K5', status: 'Paid', amount: 5000 }], 'failed');
    await ingest(bank, '2024-07-02T12:00:00Z', [
      { key: 'K1', status: 'Paid', amount: 1000 },
      { key: 'K2', status: 'Paid', amount: 2000 },
      { key: 'K3', status: 'Pending', amount: 3000 },
      { key: 'K4', status: 'Paid', amount: 4000 },
    ]);
    // The bank also reports K6 by webhook (no ingestion; the event is the provenance).
    await db.prisma.webhookEvent.create({ data: { sourceId: bank.id, eventId: 'evt_6', eventType: 'payment.succeeded', eventAt: new Date('2024-07-02T13:00:00Z'), payloadSha256: 'x' } });
    await db.prisma.sourceRecord.create({
      data: { sourceId: bank.id, ingestionId: null, eventId: 'evt_6', profileVersionId: bank.versionId, dataset: 'payments', key: 'K6', txId: 'K6', date: '2024-07-02', amountMinor: 6000n, currency: 'USD', status: 'Paid', code: 'succeeded' },
    });
    runId = (await startRun({ sources: [{ sourceId: gateway.id }, { sourceId: bank.id }] }, analyst, { db: db.prisma, wait: true })).id;
  });
  afterAll(async () => db?.drop());

  it('uses the latest snapshot per key and never an uncommitted ingestion', async () => {
    const run = await getRun(runId, db.prisma);
    expect(run).toMatchObject({ status: 'completed', totalKeys: 5 });
    expect(await db.prisma.runResult.count({ where: { runId, key: 'K5' } })).toBe(0);
    const k1 = await row('K1');
    expect(k1).toMatchObject({ cls: 'matched', statuses: ';Gateway:Paid;Bank:Paid;' });
    const detail = JSON.parse(k1.detail) as ResultDetail;
    expect(detail.sources[0]).toMatchObject({ name: 'Gateway', status: 'Paid', snapshots: 1 });
    expect(detail.violations).toEqual([]);
  });

  it('reports an impossible progression between snapshots (Paid then Pending) and leaves the key to a person', async () => {
    const k3 = await row('K3');
    // Both systems now say Pending (matched), but the gateway went back from Paid: not settled automatically.
    expect(k3).toMatchObject({ cls: 'matched', severity: 'warning', state: 'open', finalStatus: null });
    const detail = JSON.parse(k3.detail) as ResultDetail;
    expect(detail.violations).toHaveLength(1);
    expect(detail.violations[0]).toMatchObject({ from: 'Paid', to: 'Pending' });
    expect(detail.violations[0]!.reason).toMatch(/^Gateway: Paid -> Pending/);
    // The default discrepancy view (what needs attention) shows it although it is matched.
    const page = await listDiscrepancies(runId, parseDiscrepancyQuery({ sort: 'key', dir: 'asc' }), { db: db.prisma });
    expect(page.rows.map((r) => r.key)).toEqual(['K2', 'K3', 'K4', 'K6']);
  });

  it('keeps a key repeated inside one export a duplicate, and counts webhook records', async () => {
    expect(await row('K4')).toMatchObject({ cls: 'duplicate', severity: 'critical', state: 'open', duplicateIn: ';Gateway;' });
    expect(await row('K6')).toMatchObject({ cls: 'missing', missingIn: ';Gateway;', action: 'create_gateway_paid' });
  });

  it('automatic rules settle matched Paid and set a pending gateway to Paid, each decision audited without an actor', async () => {
    expect(await row('K1')).toMatchObject({ state: 'resolved', finalStatus: 'Paid', finalAmountMinor: 1000n });
    const k2 = await row('K2');
    expect(k2).toMatchObject({ cls: 'mismatched', action: 'set_gateway_paid_and_settle', state: 'resolved', finalStatus: 'Paid', finalAmountMinor: 2000n, version: 1 });
    const resolution = await db.prisma.resolution.findFirstOrThrow({ where: { resultId: k2.id } });
    expect(resolution).toMatchObject({ action: 'auto', auto: true, actorId: null });
    const audit = await db.prisma.auditLog.findUniqueOrThrow({ where: { id: (JSON.parse(resolution.params!) as { auditId: string }).auditId } });
    expect(audit).toMatchObject({ actorId: null, action: 'discrepancy.auto_resolve', entityType: 'Run', entityId: runId });
    expect(settlementLines(audit.action, audit.after)!.lines.find((l) => l.resultId === k2.id)).toMatchObject({ key: 'K2', finalStatus: 'Paid', finalAmountMinor: '2000', version: 1 });
    // Not automatic: these wait for a person.
    for (const key of ['K3', 'K4', 'K6']) expect((await row(key)).state).toBe('open');
    expect((await getRun(runId, db.prisma))!.autoResolved).toBe(2);
  });
});
