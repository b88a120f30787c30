import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun } from '@/lib/features/runs';
import { ensureDefaultRuleSet, saveRuleSetVersion } from '@/lib/features/runs/rulesets';
import { autoResolveRun, settleAutoBatch } from '@/lib/features/review/auto-resolve';
import { finalFromRecommendation } from '@/lib/features/review/final-state';
import { ROW_SELECT } from '@/lib/features/review/row-change';
import { type ResultDetail } from '@/lib/reconcile/result-detail';
import { type Actor as ReviewActor } from '@/lib/domain/actor';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { makeActor } from './review-fixtures';
import { seedRunData } from './runs-partitioned-fixtures';
import { entryAudits } from './entry-audits';

/** A Resolution's params without the audit row it names (the row-by-row path's resolutions name none). */
const withoutAuditId = (params: string | null) => (params ? { ...(JSON.parse(params) as object), auditId: undefined } : params);

/**
 * Automatic resolution settles rows in bulk (one UPDATE and two INSERTs per thousand rows). It must
 * write exactly what the row-by-row path (applyChange, as for a person's decision) writes: the
 * same row state, the same Resolution per key and an audit line per key (one audit row per thousand), with readable timestamps,
 * in the same transaction; and a row a person changed after it was read is left alone.
 */
describe.each(DATABASE_KINDS)('bulk automatic resolution on %s', (kind) => {
  let db: TestDatabase;
  let analyst: ReviewActor;
  let sourceIds: string[];
  let autoRules: string[];
  let manualRuleSetId: string;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    analyst = await makeActor(db.prisma, 'analyst');
    // More than one batch of 1,000 auto-resolvable rows.
    ({ sourceIds } = await seedRunData(db.prisma, { keys: 2600, seed: 11 }));
    const rules = await ensureDefaultRuleSet(db.prisma);
    autoRules = rules.autoRules;
    manualRuleSetId = (await saveRuleSetVersion({ definition: rules.definition, autoRules: [] }, { actor: null, db: db.prisma })).id;
  }, 180_000);
  afterAll(async () => db?.drop());

  const runWithoutAuto = async () => {
    const { id } = await startRun({ sources: sourceIds.slice(0, 2).map((sourceId) => ({ sourceId })), ruleSetId: manualRuleSetId }, analyst, { db: db.prisma, wait: true });
    expect(await db.prisma.resolution.count({ where: { runId: id } })).toBe(0);
    // As inside a run's completion, where automatic resolution comes before the ROMI rebuild
    // (with the pre-aggregate built, every row goes through applyChange to move ROMI along).
    await db.prisma.romiCredit.deleteMany({ where: { runId: id } });
    await db.prisma.romiDaily.deleteMany({ where: { runId: id } });
    await db.prisma.romiBuild.deleteMany({ where: { runId: id } });
    return id;
  };

  /** The first `take` auto-resolvable open rows of a run, decided as autoResolveRun decides them. */
  const decide = async (runId: string, take: number, actor: { id: string; email: string } | null) => {
    const rows = await db.prisma.runResult.findMany({ where: { runId, state: 'open', ruleId: { in: autoRules } }, select: ROW_SELECT, take, orderBy: { id: 'asc' } });
    const decided = rows.map((row) => ({
      row,
      final: finalFromRecommendation(JSON.parse(row.detail) as ResultDetail, row.ruleId, row.currency)!,
      record: { action: 'auto', reason: 'test', params: { rule: row.ruleId }, auto: true, actor },
    }));
    expect(decided.every((d) => d.final)).toBe(true);
    return { rows, decided };
  };

  /**
   * Per key: the row's reconciled state, its resolutions and its audit (its own audit row, or its line of
   * an automatic settlement's audit row), without ids and times; the decision's state after it, as the
   * audit records it, compared between the paths.
   */
  const written = async (runId: string) => {
    const rows = await db.prisma.runResult.findMany({ where: { runId }, orderBy: { key: 'asc' }, include: { resolutions: true } });
    const audits = await entryAudits(db.prisma, runId, rows.map((r) => r.id));
    const auditOf = new Map(audits.map((a) => [a.resultId, a]));
    return rows.map((r) => {
      const res = r.resolutions[0];
      const audit = auditOf.get(r.id);
      if (res) {
        // Times are real dates.
        expect(res.createdAt).toBeInstanceOf(Date);
        expect(Math.abs(res.createdAt.getTime() - Date.now())).toBeLessThan(10 * 60_000);
        expect(Math.abs(audit!.createdAt.getTime() - Date.now())).toBeLessThan(10 * 60_000);
        expect(r.resolvedAt!.getTime()).toBeGreaterThan(Date.now() - 10 * 60_000);
      }
      const after = audit?.after;
      return {
        key: r.key,
        row: [r.state, r.version, r.finalStatus, r.finalAmountMinor, r.finalCurrency, r.resolvedAt !== null],
        resolutions: r.resolutions.map((x) => [x.action, withoutAuditId(x.params), x.reason, x.auto, x.actorId, x.actorEmail, x.before, x.after, x.version, x.undoneAt]),
        audit: audit ? [audit.actorId, JSON.parse(audit.before!).state, after!.version, after!.finalStatus, String(after!.finalAmountMinor)] : null,
        auditAction: audit?.action ?? null,
      };
    });
  };

  it('writes, key for key, what the row-by-row path writes', async () => {
    const bulkRun = await runWithoutAuto();
    const rowRun = await runWithoutAuto();
    const bulk = await autoResolveRun(bulkRun, autoRules, db.prisma);
    const byRow = await autoResolveRun(rowRun, autoRules, db.prisma, { rowByRow: true });
    expect(bulk).toBeGreaterThan(1000);
    expect(bulk).toBe(byRow);
    const a = await written(bulkRun);
    const b = await written(rowRun);
    // The row-by-row path writes an audit row per entry, the bulk path one per thousand entries (its line per entry).
    expect(a.filter((x) => x.audit).every((x) => x.auditAction === 'discrepancy.auto_resolve')).toBe(true);
    expect(b.filter((x) => x.audit).every((x) => x.auditAction === 'discrepancy.resolve')).toBe(true);
    expect(await db.prisma.auditLog.count({ where: { action: 'discrepancy.auto_resolve', entityId: bulkRun } })).toBe(Math.ceil(bulk / 1000));
    const strip = (xs: typeof a) => xs.map(({ auditAction: _a, ...x }) => x);
    expect(strip(a)).toEqual(strip(b));
    expect(a.filter((x) => x.resolutions.length).length).toBe(bulk);
    // The bulk path was the one taken: a batch's resolutions share one timestamp.
    const stamps = new Set((await db.prisma.resolution.findMany({ where: { runId: bulkRun }, select: { createdAt: true } })).map((r) => r.createdAt.getTime()));
    expect(stamps.size).toBeLessThanOrEqual(Math.ceil(bulk / 1000));
    // Every settled row got exactly the recommended final state, and nothing else was touched.
    const rows = await db.prisma.runResult.findMany({ where: { runId: bulkRun }, select: ROW_SELECT });
    for (const r of rows) {
      const detail = JSON.parse(r.detail) as ResultDetail;
      const final = autoRules.includes(r.ruleId ?? '') && !detail.violations.length ? finalFromRecommendation(detail, r.ruleId, r.currency) : null;
      if (final) expect([r.state, r.finalStatus, r.finalAmountMinor, r.finalCurrency, r.version]).toEqual(['resolved', final.status, final.amountMinor, final.currency, 1]);
      else expect([r.state, r.finalStatus, r.version]).toEqual(['open', null, 0]);
    }
    // Run again: nothing left to settle, nothing written twice.
    expect(await autoResolveRun(bulkRun, autoRules, db.prisma)).toBe(0);
    expect(await db.prisma.resolution.count({ where: { runId: bulkRun } })).toBe(bulk);
  }, 240_000);

  it('leaves a row a person changed after it was read, and writes no resolution or audit row for it', async () => {
    const runId = await runWithoutAuto();
    const { rows, decided } = await decide(runId, 5, null);
    // A reviewer took the third row in the meantime (its version moved on).
    const taken = rows[2]!;
    await db.prisma.runResult.update({ where: { id: taken.id }, data: { state: 'in_review', version: { increment: 1 } } });
    const n = await db.prisma.$transaction((tx) => settleAutoBatch(tx, kind, decided));
    expect(n).toBe(4);
    expect(await db.prisma.runResult.findUniqueOrThrow({ where: { id: taken.id } })).toMatchObject({ state: 'in_review', version: 1, finalStatus: null });
    expect(await db.prisma.resolution.count({ where: { resultId: taken.id } })).toBe(0);
    const audits = await entryAudits(db.prisma, runId, rows.map((r) => r.id));
    expect(audits.map((a) => a.resultId).sort()).toEqual(rows.filter((r) => r.id !== taken.id).map((r) => r.id).sort());
    expect(await db.prisma.resolution.count({ where: { runId } })).toBe(4);
  }, 120_000);

  it('writes nothing of a batch whose audit insert fails (one transaction)', async () => {
    const runId = await runWithoutAuto();
    // An actor that does not exist: the audit row's foreign key refuses it, after the UPDATE and the resolutions.
    const { rows, decided } = await decide(runId, 3, { id: 'no-such-user', email: 'x@example.com' });
    await expect(db.prisma.$transaction((tx) => settleAutoBatch(tx, kind, decided))).rejects.toThrow();
    for (const r of rows) expect(await db.prisma.runResult.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ state: 'open', version: 0, finalStatus: null });
    expect(await db.prisma.resolution.count({ where: { runId } })).toBe(0);
  }, 120_000);
});
