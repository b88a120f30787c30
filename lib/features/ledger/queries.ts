import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { OPEN_REVIEW_STATES } from '@/lib/domain/review';
import { listReconciliations } from './reconciliations';

export type ReconciliationRow = Awaited<ReturnType<typeof reconciliationOverview>>[number];

/** The reconciliations with their sources, entry counts, open entries and newest pass (the Runs page). */
export async function reconciliationOverview(db: Client = getPrisma()) {
  const list = await listReconciliations(db);
  if (!list.length) return [];
  const sourceIds = [...new Set(list.flatMap((r) => r.members.map((m) => m.sourceId)))];
  const [sources, states, passes, fullPasses, ruleSets] = await Promise.all([
    db.source.findMany({ where: { id: { in: sourceIds } }, select: { id: true, name: true } }),
    db.runResult.groupBy({ by: ['runId', 'state'], where: { runId: { in: list.map((r) => r.ledgerRunId) } }, _count: { _all: true } }),
    Promise.all(list.map((r) => db.reconciliationPass.findFirst({ where: { reconciliationId: r.id }, orderBy: { createdAt: 'desc' } }))),
    Promise.all(list.map((r) => db.reconciliationPass.findFirst({ where: { reconciliationId: r.id, scope: 'full', status: { in: ['running', 'completed'] } }, orderBy: { createdAt: 'desc' }, select: { createdAt: true } }))),
    db.ruleSet.groupBy({ by: ['name'], where: { name: { in: [...new Set(list.map((r) => r.ruleSetName))] } }, _max: { createdAt: true } }),
  ]);
  const ruleSetChangedAt = new Map(ruleSets.map((r) => [r.name, r._max.createdAt]));
  const names = new Map(sources.map((s) => [s.id, s.name]));
  return list.map((r, i) => {
    const mine = states.filter((s) => s.runId === r.ledgerRunId);
    const entries = mine.reduce((n, s) => n + s._count._all, 0);
    const open = mine.filter((s) => (OPEN_REVIEW_STATES as readonly string[]).includes(s.state)).reduce((n, s) => n + s._count._all, 0);
    // A newer version of the rule set applies to new data at once; the keys already in the ledger need a full pass.
    const changedAt = ruleSetChangedAt.get(r.ruleSetName);
    const rulesNewerThanLedger = Boolean(changedAt && entries > 0 && (!fullPasses[i] || changedAt > fullPasses[i]!.createdAt));
    return { ...r, sourceNames: r.members.map((m) => names.get(m.sourceId) ?? '(deleted source)'), entries, open, lastPass: passes[i] ?? null, rulesNewerThanLedger };
  });
}

/** The pass journal, newest first (one reconciliation, or all). */
export async function listPasses(opts: { reconciliationId?: string; take?: number } = {}, db: Client = getPrisma()) {
  return db.reconciliationPass.findMany({
    where: opts.reconciliationId ? { reconciliationId: opts.reconciliationId } : {},
    orderBy: { createdAt: 'desc' },
    take: opts.take ?? 30,
    include: { reconciliation: { select: { name: true, ledgerRunId: true } } },
  });
}

/** The reconciliation whose ledger a Run is (null: a snapshot run). */
export async function reconciliationOfRun(runId: string, db: Client = getPrisma()) {
  return db.reconciliation.findUnique({ where: { ledgerRunId: runId }, select: { id: true, name: true, lastPassAt: true, ledgerVersion: true } });
}

/** An entry's history of facts: every pass that created, changed or reopened it. */
export async function entryHistory(resultId: number, db: Client = getPrisma()) {
  return db.entryHistory.findMany({ where: { resultId }, orderBy: [{ at: 'asc' }, { id: 'asc' }] });
}
