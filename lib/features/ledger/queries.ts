import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { OPEN_REVIEW_STATES } from '@/lib/domain/review';
import { listReconciliations } from './reconciliations';
import { withCreatedFacts } from './created-facts';

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
  return db.reconciliation.findUnique({ where: { ledgerRunId: runId }, select: { id: true, name: true, lastPassAt: true, ledgerVersion: true, members: true } });
}

/** An entry's history of facts: every pass that created, changed or reopened it. */
export async function entryHistory(resultId: number, db: Client = getPrisma()) {
  return withCreatedFacts(db, await db.entryHistory.findMany({ where: { resultId }, orderBy: [{ at: 'asc' }, { id: 'asc' }] }));
}

export type LedgerChange = {
  resultId: number;
  key: string;
  cls: string;
  state: string;
  /** What happened to the entry since the point in time, in order: created, changed, reopened. */
  changes: string[];
  /** The facts at the point in time (null: the entry did not exist yet) and now (JSON SourceFact[]). */
  factsThen: string | null;
  factsNow: string;
  reasons: string[];
};

/**
 * Compares a ledger now with the point in time a pass finished: which entries were created, changed
 * or reopened by the passes after it, with their facts then and now. Reads the entry history of the
 * later passes only (indexed by pass), at most `take` entries, the most recently changed first.
 */
export async function ledgerChangesSince(reconciliationId: string, passId: string, opts: { take?: number } = {}, db: Client = getPrisma()) {
  const take = opts.take ?? 200;
  const since = await db.reconciliationPass.findFirst({ where: { id: passId, reconciliationId }, select: { id: true, createdAt: true, finishedAt: true, trigger: true, scope: true } });
  if (!since) return null;
  const later = await db.reconciliationPass.findMany({ where: { reconciliationId, createdAt: { gt: since.createdAt } }, orderBy: { createdAt: 'asc' }, select: { id: true } });
  const counts = { created: 0, changed: 0, reopened: 0 };
  const byEntry = new Map<number, { changes: string[]; factsThen: string | null; factsNow: string; reasons: string[]; last: number }>();
  const CHUNK = 500;
  for (let i = 0; i < later.length; i += CHUNK) {
    const ids = later.slice(i, i + CHUNK).map((p) => p.id);
    const grouped = await db.entryHistory.groupBy({ by: ['change'], where: { passId: { in: ids } }, _count: { _all: true } });
    for (const g of grouped) if (g.change in counts) counts[g.change as keyof typeof counts] += g._count._all;
    // The rows for the listed entries: enough to fill the page (an entry changed by several passes has several).
    if (byEntry.size >= take) continue;
    const rows = await withCreatedFacts(db, await db.entryHistory.findMany({ where: { passId: { in: ids } }, orderBy: { id: 'asc' }, take: take * 4, select: { id: true, resultId: true, change: true, factsBefore: true, factsAfter: true, reason: true } }));
    for (const h of rows) {
      const seen = byEntry.get(h.resultId);
      if (seen) {
        seen.changes.push(h.change);
        seen.factsNow = h.factsAfter;
        seen.last = h.id;
        if (h.reason) seen.reasons.push(h.reason);
      } else if (byEntry.size < take) {
        byEntry.set(h.resultId, { changes: [h.change], factsThen: h.change === 'created' ? null : h.factsBefore, factsNow: h.factsAfter, reasons: h.reason ? [h.reason] : [], last: h.id });
      }
    }
  }
  const entries = byEntry.size ? await db.runResult.findMany({ where: { id: { in: [...byEntry.keys()] } }, select: { id: true, key: true, cls: true, state: true } }) : [];
  const byId = new Map(entries.map((e) => [e.id, e]));
  const list: LedgerChange[] = [...byEntry.entries()]
    .filter(([id]) => byId.has(id))
    .sort((a, b) => b[1].last - a[1].last)
    .map(([id, v]) => ({ resultId: id, key: byId.get(id)!.key, cls: byId.get(id)!.cls, state: byId.get(id)!.state, changes: v.changes, factsThen: v.factsThen, factsNow: v.factsNow, reasons: v.reasons }));
  return { since, passesAfter: later.length, counts, entries: list, truncated: list.length >= take };
}
