import { expect } from 'vitest';
import { type PrismaClient } from '@/lib/server/db/client';
import { COUNTED } from '@/lib/features/ledger/summary';

/** The ledger's maintained counts (LedgerCount) equal a GROUP BY over its entries, per dimension. */
export async function expectCountsMatchEntries(prisma: PrismaClient, runId: string): Promise<void> {
  for (const dim of COUNTED) {
    const groups = (await prisma.runResult.groupBy({ by: [dim], where: { runId }, _count: { _all: true } })) as unknown as (Record<string, string> & { _count: { _all: number } })[];
    const rows = await prisma.ledgerCount.findMany({ where: { runId, dim, n: { not: 0 } } });
    expect({ dim, counts: Object.fromEntries(rows.map((r) => [r.value, r.n])) }).toEqual({ dim, counts: Object.fromEntries(groups.map((g) => [String(g[dim]), g._count._all])) });
  }
}
