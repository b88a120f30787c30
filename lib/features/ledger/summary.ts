/**
 * The ledger's summary (the engine's Summary of a whole ledger: classes, severities, reasons,
 * missing and duplicated per source, recommended actions, unmapped status codes). A pass sees only
 * its keys, so the summary cannot come from the engine, and a scan of the ledger would grow with it:
 * the counts live in LedgerCount, one row per (dimension, value), moved by each pass in the
 * transaction that writes its entries (countMove + moveLedgerCounts), and read back here in one
 * small query. Unmapped codes come from the member sources' records through their
 * (sourceId, status, code) index. Amount totals per source stay empty (an entry keeps one amount).
 */
import { clientTarget, type DbClient as Client } from '@/lib/server/db/client';
import { literalFor } from '@/lib/server/db/record-insert';
import { type RawTx } from '@/lib/server/db/sql-tx';
import { emptySummary, type Summary } from '@/lib/reconcile/summary';
import { CLASSES, REASONS, SEVERITIES, type MatchClass, type Reason, type Severity } from '@/lib/reconcile/schemas';

/** The entry columns the summary counts; each value is the column's text (lists are ';a;b;'). */
export const COUNTED = ['cls', 'severity', 'reasons', 'missingIn', 'duplicateIn', 'action'] as const;
export type Counted = Record<(typeof COUNTED)[number], unknown>;

/** Count moves of a chunk: "dim\u0000value" to the change in the number of entries. */
export type CountMoves = Map<string, number>;

const split = (joined: string) => (joined ? joined.slice(1, -1).split(';').filter(Boolean) : []);

/** Adds one entry's move (null before: a new entry; null after: a removed one) to `moves`. */
export function countMove(moves: CountMoves, before: Counted | null, after: Counted | null): void {
  for (const dim of COUNTED) {
    const was = before ? String(before[dim] ?? '') : null;
    const now = after ? String(after[dim] ?? '') : null;
    if (was === now) continue;
    if (was !== null) moves.set(`${dim}\u0000${was}`, (moves.get(`${dim}\u0000${was}`) ?? 0) - 1);
    if (now !== null) moves.set(`${dim}\u0000${now}`, (moves.get(`${dim}\u0000${now}`) ?? 0) + 1);
  }
}

/** Applies a chunk's count moves, in its transaction (one upsert statement). */
export async function moveLedgerCounts(tx: RawTx, runId: string, moves: CountMoves): Promise<void> {
  // In one order: the workers of a split pass upsert the same count rows concurrently, and rows
  // locked in different orders by two transactions deadlock.
  const rows = [...moves].filter(([, n]) => n !== 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (!rows.length) return;
  const lit = literalFor(clientTarget(tx).kind);
  const values = rows.map(([k, n]) => {
    const [dim, value] = k.split('\u0000') as [string, string];
    return `(${lit(runId)}, ${lit(dim)}, ${lit(value)}, ${n})`;
  });
  await tx.$executeRawUnsafe(
    `INSERT INTO "LedgerCount" ("runId", "dim", "value", "n") VALUES ${values.join(', ')}
     ON CONFLICT ("runId", "dim", "value") DO UPDATE SET "n" = "LedgerCount"."n" + excluded."n"`,
  );
}

/** The Summary of a whole ledger, from its counts and the member sources' unmapped codes. */
export async function ledgerSummary(db: Client, ledgerRunId: string, sources: { sourceId: string; name: string }[]): Promise<Summary> {
  const s = emptySummary([...new Set(sources.map((x) => x.name))].map((name) => ({ name, kind: 'other' as const })));
  const [counts, unknown] = await Promise.all([
    db.ledgerCount.findMany({ where: { runId: ledgerRunId, n: { gt: 0 } }, select: { dim: true, value: true, n: true } }),
    db.sourceRecord.groupBy({ by: ['sourceId', 'code'], where: { sourceId: { in: sources.map((x) => x.sourceId) }, status: 'Unknown' }, _count: { _all: true } }),
  ]);
  for (const { dim, value, n } of counts) {
    if (dim === 'cls') {
      if ((CLASSES as readonly string[]).includes(value)) s.classes[value as MatchClass] = n;
    } else if (dim === 'severity') {
      if ((SEVERITIES as readonly string[]).includes(value)) s.severity[value as Severity] = n;
    } else if (dim === 'reasons') {
      for (const r of split(value)) if ((REASONS as readonly string[]).includes(r)) s.reasons[r as Reason] += n;
    } else if (dim === 'missingIn') {
      for (const name of split(value)) s.missing[name] = (s.missing[name] ?? 0) + n;
    } else if (dim === 'duplicateIn') {
      for (const name of split(value)) s.duplicates[name] = (s.duplicates[name] ?? 0) + n;
    } else if (dim === 'action') s.actions[value] = n;
  }
  s.total = Object.values(s.classes).reduce((a, b) => a + b, 0);
  s.matched = s.classes.matched;
  s.mismatched = s.classes.mismatched;
  for (const name of new Set(sources.map((x) => x.name))) s.sources[name] = s.total - (s.missing[name] ?? 0);
  const names = new Map(sources.map((x) => [x.sourceId, x.name]));
  for (const g of unknown) {
    const name = names.get(g.sourceId);
    if (!name) continue;
    const codes = (s.unknownStatuses[name] ??= {});
    codes[g.code ?? ''] = (codes[g.code ?? ''] ?? 0) + g._count._all; // a group's sources add up
  }
  s.matchRate = s.total ? s.matched / s.total : 0;
  return s;
}
