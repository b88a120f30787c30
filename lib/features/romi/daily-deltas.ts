import { type Tx } from './rebuild-romi';
import { clientTarget } from '@/lib/server/db/client';
import { literalFor } from '@/lib/server/db/record-insert';

/** A result row's review state, as ROMI reads it. */
export type RowFinal = { state: string; finalStatus: string | null; finalAmountMinor: bigint | null; finalCurrency: string | null };

export type DailyDelta = { model: string; day: string; channel: string; campaign: string; currency: string; revenueMinor: bigint; refundMinor: bigint; notCountedMinor: bigint; paidTx: number };

/**
 * Adds many deltas to RomiDaily in a few statements (INSERT ... ON CONFLICT DO UPDATE, which both
 * databases have), inside the caller's transaction: one Prisma upsert per touched row cost about
 * 2 ms each, hundreds per chunk of a pass.
 */
export async function addDailyDeltas(tx: Tx, runId: string, deltas: readonly DailyDelta[]): Promise<void> {
  const rows = deltas.filter((d) => d.revenueMinor || d.refundMinor || d.notCountedMinor || d.paidTx);
  if (!rows.length) return;
  const lit = literalFor(clientTarget(tx as object).kind);
  for (let i = 0; i < rows.length; i += 500) {
    const tuples = rows.slice(i, i + 500).map((d) => `(${[runId, d.model, d.day, d.channel, d.campaign, d.currency, d.revenueMinor, d.refundMinor, d.notCountedMinor, d.paidTx].map(lit).join(', ')})`);
    await tx.$executeRawUnsafe(
      `INSERT INTO "RomiDaily" ("runId", "model", "day", "channel", "campaign", "currency", "revenueMinor", "refundMinor", "notCountedMinor", "paidTx") VALUES ${tuples.join(', ')}
       ON CONFLICT ("runId", "model", "day", "channel", "campaign", "currency") DO UPDATE SET
         "revenueMinor" = "RomiDaily"."revenueMinor" + excluded."revenueMinor",
         "refundMinor" = "RomiDaily"."refundMinor" + excluded."refundMinor",
         "notCountedMinor" = "RomiDaily"."notCountedMinor" + excluded."notCountedMinor",
         "paidTx" = "RomiDaily"."paidTx" + excluded."paidTx"`,
    );
  }
}
