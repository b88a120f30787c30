import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRuns, executeRun, getRun, startRun } from '@/lib/features/runs';
import { seedDemoData } from '@/lib/demo/seed-data';
import { reconciledPaidTransactions } from '@/lib/features/review/reconciled-state';
import { ForbiddenError } from '@/lib/server/core/app-error';
import { type Actor as ReviewActor } from '@/lib/domain/actor';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { makeActor, seedSources } from './review-fixtures';
import { entryAudits } from './entry-audits';

describe.each(DATABASE_KINDS)('reconciliation runs on %s', (kind) => {
  let db: TestDatabase;
  let reviewer: ReviewActor;
  let ids: { gatewayId: string; bankId: string };
  let firstRunId: string;
  const input = () => ({ sources: [{ sourceId: ids.gatewayId }, { sourceId: ids.bankId }] });

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    reviewer = await makeActor(db.prisma, 'reviewer');
    ids = await seedSources(db.prisma);
  });
  afterAll(async () => db?.drop());

  it('seeds idempotently: a second seed ingests nothing twice', async () => {
    const again = await seedDemoData(db.prisma);
    expect(again.sources.map((s) => s.ingested)).toEqual([false, false]);
    expect(await db.prisma.sourceRecord.count()).toBe(43);
  });

  it('runs seed-003 from the database in the background and stores the expected counts', async () => {
    const { id } = await startRun(input(), reviewer, { db: db.prisma, wait: true });
    firstRunId = id;
    const run = await getRun(id, db.prisma);
    expect(run).toMatchObject({ status: 'completed', totalKeys: 25, matched: 4, mismatched: 14, missing: 7, duplicate: 0, critical: 5 });
    expect(run!.summaryParsed!.missing).toEqual({ Gateway: 5, Bank: 2 });
    expect(run!.inputsParsed.ruleSet).toMatchObject({ name: 'gateway-vs-bank', version: 1 });
    expect(run!.inputsParsed.sources.map((s) => [s.name, s.kind, s.ingestionIds.length, s.profileVersions.map((v) => v.version)])).toEqual([
      ['Gateway', 'gateway', 1, [1]],
      ['Bank', 'bank', 1, [1]],
    ]);
    expect(run!.durationMs).toBeGreaterThanOrEqual(0);
    expect(await db.prisma.runResult.count({ where: { runId: id } })).toBe(25);

    const byKey = Object.fromEntries((await db.prisma.runResult.findMany({ where: { runId: id } })).map((r) => [r.key, r]));
    expect(byKey.TX1010).toMatchObject({ cls: 'missing', missingIn: ';Bank;', severity: 'critical', action: 'manual_review', state: 'open' });
    expect(byKey.TX2001).toMatchObject({ cls: 'missing', missingIn: ';Gateway;', action: 'create_gateway_paid' });
    expect(byKey.TX1004).toMatchObject({ cls: 'mismatched', reasons: expect.stringContaining(';amount;'), action: 'fail_and_refund' });
    expect(byKey.TX1000!.amountMinor).toBe(38800n);
    expect(await db.prisma.auditLog.count({ where: { action: 'run.start', entityId: id } })).toBe(1);
  });

  it('auto-resolves the matched rows (one audit row naming each, no actor) and only those count as reconciled Paid', async () => {
    const run = await getRun(firstRunId, db.prisma);
    expect(run!.autoResolved).toBe(4);
    const auto = await db.prisma.runResult.findMany({ where: { runId: firstRunId, state: 'resolved' }, orderBy: { key: 'asc' } });
    expect(auto.map((r) => [r.key, r.finalStatus, r.finalAmountMinor])).toEqual([
      ['TX1000', 'Paid', 38800n],
      ['TX1001', 'Pending', 13600n],
      ['TX1002', 'Paid', 88800n],
      ['TX1003', 'Pending', 58800n],
    ]);
    // One audit row for the settlement, naming each entry with the state it left.
    const audits = await entryAudits(db.prisma, firstRunId, auto.map((r) => r.id));
    expect(audits.map((a) => [a.resultId, a.action, a.actorId, a.after.key, a.after.finalStatus, a.after.finalAmountMinor, a.covers])).toEqual(
      auto.map((r) => [r.id, 'discrepancy.auto_resolve', null, r.key, r.finalStatus, String(r.finalAmountMinor), 4]),
    );
    const [batch] = await db.prisma.auditLog.findMany({ where: { action: 'discrepancy.auto_resolve', entityId: firstRunId } });
    const after = JSON.parse(batch!.after!) as { rules: Record<string, number>; reasons: Record<string, string> };
    expect(after).toMatchObject({ auto: true, state: 'resolved', count: 4 });
    // Each rule's count and the reason its decisions carry.
    expect(Object.keys(after.reasons).sort()).toEqual(Object.keys(after.rules).sort());
    for (const [rule, reason] of Object.entries(after.reasons)) expect(reason).toMatch(new RegExp(`^Automatic rule ${rule}: `));
    for (const r of auto) {
      expect(await db.prisma.auditLog.count({ where: { entityType: 'RunResult', entityId: String(r.id) } })).toBe(0);
      expect(await db.prisma.resolution.count({ where: { resultId: r.id, action: 'auto', actorId: null } })).toBe(1);
    }
    const paid = [];
    for await (const t of reconciledPaidTransactions({ db: db.prisma })) paid.push([t.key, t.finalAmountMinor, t.currency]);
    expect(paid).toEqual([['TX1000', 38800n, 'USD'], ['TX1002', 88800n, 'USD']]);
  });

  it('gives the same result for the same inputs, and the comparison shows nothing changed', async () => {
    const { id } = await startRun(input(), reviewer, { db: db.prisma, wait: true });
    const [a, b] = await Promise.all([getRun(firstRunId, db.prisma), getRun(id, db.prisma)]);
    expect(b!.inputsHash).toBe(a!.inputsHash);
    const strip = (rows: { key: string; cls: string; reasons: string; severity: string; action: string; amountMinor: bigint; statuses: string; detail: string; state: string; finalStatus: string | null }[]) =>
      rows.map((r) => [r.key, r.cls, r.reasons, r.severity, r.action, r.amountMinor, r.statuses, r.detail, r.state, r.finalStatus]);
    const rowsA = await db.prisma.runResult.findMany({ where: { runId: firstRunId }, orderBy: { key: 'asc' } });
    const rowsB = await db.prisma.runResult.findMany({ where: { runId: id }, orderBy: { key: 'asc' } });
    expect(strip(rowsB)).toEqual(strip(rowsA));
    const diff = await compareRuns(firstRunId, id, { db: db.prisma });
    expect(diff.counts).toEqual({ new: 0, gone: 0, changed: 0, unchanged: 25 });
  });

  it('compares runs: a date range leaves keys out, which the comparison lists as gone', async () => {
    const { id } = await startRun({ ...input(), dateFrom: '2024-07-01', dateTo: '2024-07-10' }, reviewer, { db: db.prisma, wait: true });
    const run = await getRun(id, db.prisma);
    expect(run!.status).toBe('completed');
    const diff = await compareRuns(firstRunId, id, { db: db.prisma });
    expect(diff.counts.gone).toBeGreaterThan(0);
    expect(diff.counts.new + diff.counts.gone + diff.counts.changed + diff.counts.unchanged).toBeGreaterThanOrEqual(run!.totalKeys);
    const keysLeft = await db.prisma.runResult.findMany({ where: { runId: id }, select: { date: true } });
    for (const r of keysLeft) expect(r.date! >= '2024-07-01' && r.date! <= '2024-07-10').toBe(true);
    const gone = diff.changes.filter((c) => c.kind === 'gone').map((c) => c.key);
    expect(gone).toContain('TX2004');
  });

  it('refuses a role that may not start runs, before storing anything', async () => {
    const executive = await makeActor(db.prisma, 'executive');
    const before = await db.prisma.run.count();
    await expect(startRun(input(), executive, { db: db.prisma })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await db.prisma.run.count()).toBe(before);
  });

  it('marks a failing run failed and deletes its partial results', async () => {
    const run = await db.prisma.run.create({
      data: {
        status: 'queued',
        ruleSetId: (await db.prisma.ruleSet.findFirstOrThrow()).id,
        inputsHash: 'x',
        // The second source does not exist: the run writes nothing, fails, and keeps nothing.
        inputs: JSON.stringify({ sources: [{ sourceId: ids.gatewayId, name: 'Gateway', kind: 'gateway', ingestionIds: [], profileVersions: [], webhookMaxRecordId: null }, { sourceId: 'nope', name: 'Gateway', kind: 'bank', ingestionIds: [], profileVersions: [], webhookMaxRecordId: null }], dateFrom: null, dateTo: null, ruleSet: { id: 'x', name: 'x', version: 1 } }),
      },
    });
    await expect(executeRun(run.id, db.prisma)).rejects.toThrow();
    const after = await getRun(run.id, db.prisma);
    expect(after).toMatchObject({ status: 'failed' });
    expect(after!.message).toMatch(/The run failed/);
    expect(await db.prisma.runResult.count({ where: { runId: run.id } })).toBe(0);
  });
});
