import { clientTarget, getPrisma } from '@/lib/server/db/client';

type Client = ReturnType<typeof getPrisma>;

/** One transaction as reconciliation settled it. Only these rows, with status Paid, are revenue for ROMI. */
export type ReconciledTransaction = {
  runId: string;
  resultId: number;
  key: string;
  date: string | null;
  finalStatus: string;
  finalAmountMinor: bigint;
  currency: string;
};

async function targetRun(db: Client, runId?: string): Promise<string | null> {
  if (runId) return runId;
  const run = await db.run.findFirst({ where: { status: 'completed' }, orderBy: { createdAt: 'desc' }, select: { id: true } });
  return run?.id ?? null;
}

/**
 * The reconciled Paid transactions of a run (default: the newest completed run): rows a person or an
 * automatic rule resolved with final status Paid. Open, escalated and written-off rows never count.
 * Streams in key order, so a million rows never sit in memory.
 */
export async function* reconciledPaidTransactions(opts: { runId?: string; db?: Client } = {}): AsyncGenerator<ReconciledTransaction> {
  const db = opts.db ?? getPrisma();
  const runId = await targetRun(db, opts.runId);
  if (!runId) return;
  const run = await db.run.findUnique({ where: { id: runId }, select: { status: true } });
  if (run?.status !== 'completed') return;
  // Keyset on (runId, key), the unique index: paging by id made PostgreSQL gather every Paid row still
  // to come for each page.
  let lastKey: string | null = null;
  for (;;) {
    const rows: { id: number; key: string; date: string | null; finalStatus: string | null; finalAmountMinor: bigint | null; finalCurrency: string | null; currency: string }[] = await db.runResult.findMany({
      where: { runId, finalStatus: 'Paid', state: 'resolved', ...(lastKey === null ? {} : { key: { gt: lastKey } }) },
      orderBy: { key: 'asc' },
      take: 2000,
      select: { id: true, key: true, date: true, finalStatus: true, finalAmountMinor: true, finalCurrency: true, currency: true },
    });
    for (const r of rows) {
      yield { runId, resultId: r.id, key: r.key, date: r.date, finalStatus: r.finalStatus!, finalAmountMinor: r.finalAmountMinor ?? 0n, currency: r.finalCurrency ?? r.currency };
    }
    if (rows.length < 2000) return;
    lastKey = rows[rows.length - 1]!.key;
  }
}

/**
 * Reconciled Paid revenue per currency (minor units) of a run: the same rows, summed in one statement
 * (sums as text: exact on both databases). The run page reads it; streaming a 10M-key ledger's rows
 * through the process took minutes.
 */
export async function reconciledPaidTotals(opts: { runId?: string; db?: Client } = {}): Promise<Record<string, bigint>> {
  const db = opts.db ?? getPrisma();
  const runId = await targetRun(db, opts.runId);
  if (!runId) return {};
  const run = await db.run.findUnique({ where: { id: runId }, select: { status: true } });
  if (run?.status !== 'completed') return {};
  const p = clientTarget(db).kind === 'postgres' ? '$1' : '?1';
  const rows: { currency: string; total: string }[] = await db.$queryRawUnsafe(
    `SELECT COALESCE("finalCurrency", "currency") AS "currency", CAST(SUM(COALESCE("finalAmountMinor", 0)) AS TEXT) AS "total"
       FROM "RunResult" WHERE "runId" = ${p} AND "finalStatus" = 'Paid' AND "state" = 'resolved' GROUP BY 1 ORDER BY 1`,
    runId,
  );
  return Object.fromEntries(rows.map((r) => [r.currency, BigInt(r.total)]));
}
