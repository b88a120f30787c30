import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { type ResolvedInputs } from './start-run';
import { type Summary } from '@/lib/reconcile';

export type RunRow = Awaited<ReturnType<typeof listRuns>>[number];

export async function listRuns(db: Client = getPrisma(), opts: { take?: number } = {}) {
  const rows = await db.run.findMany({
    orderBy: { createdAt: 'desc' },
    take: opts.take ?? 50,
    include: { ruleSet: { select: { name: true, version: true } } },
  });
  return rows.map((r) => ({ ...r, sourceNames: (JSON.parse(r.inputs) as ResolvedInputs).sources.map((s) => s.name) }));
}

export async function getRun(id: string, db: Client = getPrisma()) {
  const run = await db.run.findUnique({ where: { id }, include: { ruleSet: { select: { id: true, name: true, version: true } } } });
  if (!run) return null;
  return { ...run, inputsParsed: JSON.parse(run.inputs) as ResolvedInputs, summaryParsed: run.summary ? (JSON.parse(run.summary) as Summary) : null };
}

/** What the discrepancy table shows by default: a reconciliation's ledger (the oldest, usually the company's main one), else the newest completed run. */
export async function latestCompletedRun(db: Client = getPrisma()) {
  const ledger = await db.run.findFirst({ where: { status: 'completed', kind: 'ledger', reconciliation: { archivedAt: null } }, orderBy: { createdAt: 'asc' }, select: { id: true, createdAt: true } });
  return ledger ?? db.run.findFirst({ where: { status: 'completed' }, orderBy: { createdAt: 'desc' }, select: { id: true, createdAt: true } });
}

/** Per run: open rows, and the sum of reconciled Paid amounts per currency. */
export async function runReviewCounts(runId: string, db: Client = getPrisma()) {
  const byState = await db.runResult.groupBy({ by: ['state'], where: { runId }, _count: { _all: true } });
  return Object.fromEntries(byState.map((s) => [s.state, s._count._all])) as Record<string, number>;
}
