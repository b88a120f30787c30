import { getPrisma } from '@/lib/server/db/client';

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
  let lastId = 0;
  for (;;) {
    const rows = await db.runResult.findMany({
      where: { runId, finalStatus: 'Paid', state: 'resolved', id: { gt: lastId } },
      orderBy: { id: 'asc' },
      take: 2000,
      select: { id: true, key: true, date: true, finalStatus: true, finalAmountMinor: true, finalCurrency: true, currency: true },
    });
    for (const r of rows) {
      yield { runId, resultId: r.id, key: r.key, date: r.date, finalStatus: r.finalStatus!, finalAmountMinor: r.finalAmountMinor ?? 0n, currency: r.finalCurrency ?? r.currency };
    }
    if (rows.length < 2000) return;
    lastId = rows[rows.length - 1]!.id;
  }
}

/** Reconciled Paid revenue per currency (minor units) of a run. */
export async function reconciledPaidTotals(opts: { runId?: string; db?: Client } = {}): Promise<Record<string, bigint>> {
  const totals: Record<string, bigint> = {};
  for await (const t of reconciledPaidTransactions(opts)) totals[t.currency] = (totals[t.currency] ?? 0n) + t.finalAmountMinor;
  return totals;
}
