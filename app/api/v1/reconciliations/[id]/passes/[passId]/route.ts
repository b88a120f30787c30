import { z } from 'zod';
import { endpoints } from '@/lib/api';
import { decodeCursor, encodeCursor } from '@/lib/api/schemas';
import { passView } from '@/lib/api/views';
import { NotFoundError } from '@/lib/server/core/app-error';
import { getPrisma } from '@/lib/server/db/client';
import { withCreatedFacts } from '@/lib/features/ledger';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

function facts(json: string | null): Record<string, unknown>[] | null {
  if (json === null) return null;
  try {
    const parsed = JSON.parse(json) as unknown;
    return Array.isArray(parsed) ? (parsed as Record<string, unknown>[]) : [];
  } catch {
    return [];
  }
}

export const GET = defineApiRoute(endpoints.getPass, async ({ params, query }) => {
  const db = getPrisma();
  const found = await db.reconciliationPass.findFirst({ where: { id: params.passId, reconciliationId: params.id }, include: { reconciliation: { select: { name: true, ledgerRunId: true } } } });
  if (!found) throw new NotFoundError('No such pass of this reconciliation.');
  const after = decodeCursor(query.cursor, z.number().int().positive());
  const rows = await withCreatedFacts(db, await db.entryHistory.findMany({
    where: { passId: found.id, ...(query.change ? { change: query.change } : {}), ...(after ? { id: { gt: after } } : {}) },
    orderBy: { id: 'asc' },
    take: query.limit + 1,
    select: { id: true, resultId: true, change: true, reason: true, factsBefore: true, factsAfter: true, at: true, result: { select: { id: true, key: true } } },
  }));
  const shown = rows.slice(0, query.limit);
  return {
    ...passView(found),
    entries: {
      items: shown.map((h) => ({ entryId: h.result.id, key: h.result.key, change: h.change as 'created' | 'changed' | 'reopened', reason: h.reason, factsBefore: facts(h.factsBefore), factsAfter: facts(h.factsAfter) ?? [], at: h.at })),
      nextCursor: rows.length > query.limit ? encodeCursor(shown[shown.length - 1]!.id) : null,
    },
  };
});
