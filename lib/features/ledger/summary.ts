import { type DbClient as Client } from '@/lib/server/db/client';
import { emptySummary, type Summary } from '@/lib/reconcile/summary';
import { CLASSES, REASONS, SEVERITIES, type MatchClass, type Reason, type Severity } from '@/lib/reconcile/schemas';

const split = (joined: string) => (joined ? joined.slice(1, -1).split(';').filter(Boolean) : []);

/**
 * The engine's Summary of a whole ledger, from its entries with a few GROUP BYs (a pass sees only
 * its keys, so the ledger's summary cannot come from the engine): classes, severities, reasons,
 * missing and duplicated per source, recommended actions, and unmapped status codes from the
 * member sources' records. Amount totals per source stay empty (the entries keep one reference amount).
 */
export async function ledgerSummary(db: Client, ledgerRunId: string, sources: { sourceId: string; name: string }[]): Promise<Summary> {
  const s = emptySummary(sources.map((x) => ({ name: x.name, kind: 'other' as const })));
  const where = { runId: ledgerRunId };
  const [byClass, bySeverity, byReasons, byMissing, byDuplicate, byAction, unknown] = await Promise.all([
    db.runResult.groupBy({ by: ['cls'], where, _count: { _all: true } }),
    db.runResult.groupBy({ by: ['severity'], where, _count: { _all: true } }),
    db.runResult.groupBy({ by: ['reasons'], where, _count: { _all: true } }),
    db.runResult.groupBy({ by: ['missingIn'], where, _count: { _all: true } }),
    db.runResult.groupBy({ by: ['duplicateIn'], where, _count: { _all: true } }),
    db.runResult.groupBy({ by: ['action'], where, _count: { _all: true } }),
    db.sourceRecord.groupBy({ by: ['sourceId', 'code'], where: { sourceId: { in: sources.map((x) => x.sourceId) }, status: 'Unknown' }, _count: { _all: true } }),
  ]);
  for (const g of byClass) if ((CLASSES as readonly string[]).includes(g.cls)) s.classes[g.cls as MatchClass] = g._count._all;
  s.total = Object.values(s.classes).reduce((a, b) => a + b, 0);
  s.matched = s.classes.matched;
  s.mismatched = s.classes.mismatched;
  for (const g of bySeverity) if ((SEVERITIES as readonly string[]).includes(g.severity)) s.severity[g.severity as Severity] = g._count._all;
  for (const g of byReasons) for (const r of split(g.reasons)) if ((REASONS as readonly string[]).includes(r)) s.reasons[r as Reason] += g._count._all;
  for (const g of byMissing) for (const name of split(g.missingIn)) s.missing[name] = (s.missing[name] ?? 0) + g._count._all;
  for (const g of byDuplicate) for (const name of split(g.duplicateIn)) s.duplicates[name] = (s.duplicates[name] ?? 0) + g._count._all;
  for (const g of byAction) s.actions[g.action] = g._count._all;
  for (const x of sources) s.sources[x.name] = s.total - (s.missing[x.name] ?? 0);
  const names = new Map(sources.map((x) => [x.sourceId, x.name]));
  for (const g of unknown) {
    const name = names.get(g.sourceId);
    if (name) (s.unknownStatuses[name] ??= {})[g.code ?? ''] = g._count._all;
  }
  s.matchRate = s.total ? s.matched / s.total : 0;
  return s;
}
