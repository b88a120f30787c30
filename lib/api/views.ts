/** How the API shows the objects several endpoints answer with (one shape per object). */
import { LEDGER_JOB, LEDGER_ROMI_JOB, listPasses, reconciliationOverview } from '@/lib/features/ledger';
import { parseMatching } from '@/lib/features/ledger/matching';
import { parseRomiSettings } from '@/lib/features/romi/settings';
import { getSource, listSources } from '@/lib/features/ingestion/sources';
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { jobQueue } from '@/lib/server/jobs';

export async function sourceView(id: string, db: Client = getPrisma()) {
  const source = await getSource(id, db);
  if (!source) return null;
  const summary = (await listSources(db)).find((s) => s.id === id);
  const [versions, counts] = await Promise.all([
    db.sourceProfileVersion.findFirst({ where: { sourceId: id }, orderBy: { version: 'desc' }, select: { version: true, presetId: true } }),
    summary ? null : db.ingestion.aggregate({ where: { sourceId: id, status: 'committed' }, _count: { _all: true }, _sum: { rowsValid: true } }),
  ]);
  return {
    id: source.id,
    name: source.name,
    kind: source.kind as 'gateway',
    description: source.description,
    createdAt: source.createdAt.toISOString(),
    lastIngestedAt: source.lastIngestedAt?.toISOString() ?? null,
    archivedAt: source.archivedAt?.toISOString() ?? null,
    profileVersion: versions?.version ?? null,
    presetId: versions?.presetId ?? null,
    committedIngestions: summary?.committedIngestions ?? counts?._count._all ?? 0,
    records: summary?.records ?? counts?._sum.rowsValid ?? 0,
  };
}

export type PassRow = Awaited<ReturnType<typeof listPasses>>[number];

export function passView(p: PassRow) {
  return {
    id: p.id,
    trigger: p.trigger,
    triggerRef: p.triggerRef,
    scope: p.scope as 'full' | 'incremental',
    status: p.status,
    keysRead: p.keysRead,
    created: p.created,
    changed: p.changed,
    reopened: p.reopened,
    unchanged: p.unchanged,
    autoResolved: p.autoResolved,
    message: p.message,
    actorEmail: p.actorEmail,
    createdAt: p.createdAt.toISOString(),
    finishedAt: p.finishedAt?.toISOString() ?? null,
    durationMs: p.durationMs,
  };
}

/**
 * Whether the ledgers are up to date with everything uploaded: no upload still being read, and no
 * pass or figures rebuild queued or running (for every reconciliation: a pass of one may feed another's figures).
 */
export async function settled(db: Client = getPrisma()): Promise<boolean> {
  const [reading, jobs] = await Promise.all([
    db.ingestion.count({ where: { status: 'processing' } }),
    jobQueue().pending([LEDGER_JOB, LEDGER_ROMI_JOB]),
  ]);
  return reading === 0 && jobs === 0;
}

/** Every live reconciliation as the API shows it (or one). */
export async function reconciliationViews(only?: string, db: Client = getPrisma()) {
  const overview = (await reconciliationOverview(db)).filter((r) => !only || r.id === only);
  if (!overview.length) return [];
  const [stored, isSettled] = await Promise.all([
    db.reconciliation.findMany({ where: { id: { in: overview.map((r) => r.id) } }, select: { id: true, matching: true, romi: true } }),
    settled(db),
  ]);
  const byId = new Map(stored.map((r) => [r.id, r]));
  return overview.map((r) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    ledgerRunId: r.ledgerRunId,
    ruleSetName: r.ruleSetName,
    members: r.members.map((m, i) => ({ sourceId: m.sourceId, name: r.sourceNames[i] ?? '', ...(m.with ? { with: m.with } : {}) })),
    matching: parseMatching(byId.get(r.id)?.matching ?? null) as Record<string, unknown>,
    romi: parseRomiSettings(byId.get(r.id)?.romi),
    entries: r.entries,
    open: r.open,
    lastPassAt: r.lastPassAt?.toISOString() ?? null,
    lastPass: r.lastPass ? passView({ ...r.lastPass, reconciliation: { name: r.name, ledgerRunId: r.ledgerRunId } }) : null,
    settled: isSettled,
  }));
}
