import { expect } from 'vitest';
import { type PrismaClient } from '@/lib/server/db/client';
import { AUTO_SETTLEMENT_ACTION, settlementLines } from '@/lib/features/review/settlement-audit';

export type EntryAudit = { resultId: number; action: string; actorId: string | null; before: string | null; after: Record<string, unknown>; auditId: string; createdAt: Date; covers: number };

/**
 * Every audit row about a run's entries, one per entry it covers: an entry's own rows, and its line
 * of each automatic settlement's audit row (one row per thousand entries, on the run). Checks that
 * every automatic Resolution names the audit row that lists its entry.
 */
export async function entryAudits(prisma: PrismaClient, runId: string, resultIds: readonly number[]): Promise<EntryAudit[]> {
  const out: EntryAudit[] = [];
  for (let i = 0; i < resultIds.length; i += 500) {
    const own = await prisma.auditLog.findMany({ where: { entityType: 'RunResult', entityId: { in: resultIds.slice(i, i + 500).map(String) } } });
    for (const a of own) out.push({ resultId: Number(a.entityId), action: a.action, actorId: a.actorId, before: a.before, after: JSON.parse(a.after ?? '{}') as Record<string, unknown>, auditId: a.id, createdAt: a.createdAt, covers: 1 });
  }
  const wanted = new Set(resultIds);
  const batches = await prisma.auditLog.findMany({ where: { action: AUTO_SETTLEMENT_ACTION, entityType: 'Run', entityId: runId } });
  const lineOf = new Map<number, string>();
  for (const a of batches) {
    const s = settlementLines(a.action, a.after)!;
    expect(s.lines).toHaveLength(s.count);
    expect(Object.values(s.rules).reduce((x, y) => x + y, 0)).toBe(s.count);
    for (const l of s.lines) {
      lineOf.set(l.resultId, a.id);
      if (wanted.has(l.resultId)) out.push({ resultId: l.resultId, action: a.action, actorId: a.actorId, before: a.before, after: { ...l, resultId: undefined }, auditId: a.id, createdAt: a.createdAt, covers: s.count });
    }
  }
  // Each automatic decision names the audit row that lists its entry.
  const autos = await prisma.resolution.findMany({ where: { runId, action: 'auto' }, select: { resultId: true, params: true } });
  for (const r of autos) expect((JSON.parse(r.params ?? '{}') as { auditId?: string }).auditId, `entry ${r.resultId}`).toBe(lineOf.get(r.resultId));
  return out;
}

/** A Resolution's params without the id of the audit row an automatic one names (ids differ between two ledgers). */
export function paramsWithoutAuditId(params: string | null): unknown {
  if (!params) return params;
  const { auditId, ...rest } = JSON.parse(params) as { auditId?: string };
  return { ...rest, auditId: typeof auditId };
}
