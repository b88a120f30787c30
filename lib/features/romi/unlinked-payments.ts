/**
 * The ROMI build's payments that link to no deal, in SQL. Most payments link to none (nine in ten in
 * the pipeline bench), and building their figures in the process (each entry read, its contribution
 * computed, its credit row written back) was most of the rebuild: their figures are summed by day and
 * currency with GROUP BY, their credits written with INSERT ... SELECT, a key range at a time (the
 * range the build has just read the join values of), less the entries of the range that link to a
 * deal (a literal id list; a NOT EXISTS against the credits written so far was planned, inside the
 * rebuild's transaction, as a scan of every credit per entry: 24 s at 100k keys on PostgreSQL). The
 * contribution mirrors contributionOf (lib/romi/build.ts):
 * unlinked-payments.test.ts compares the two on every review state, final status and sign.
 */
import { OPEN_REVIEW_STATES } from '@/lib/domain/review';
import { clientTarget } from '@/lib/server/db/client';
import { literalFor } from '@/lib/server/db/record-insert';
import { type RawTx } from '@/lib/server/db/sql-tx';
import { NO_DATE, type CreditModel, type UnlinkedTotals } from '@/lib/romi';

type Lit = ReturnType<typeof literalFor>;

/** contributionOf as SQL expressions over RunResult `r` (the day as the build keys it, NO_DATE when none). */
export function contributionSql(lit: Lit) {
  const open = `r."state" IN (${OPEN_REVIEW_STATES.map(lit).join(', ')})`;
  const amount = `COALESCE(r."finalAmountMinor", 0)`;
  const paid = `r."state" = 'resolved' AND r."finalStatus" = 'Paid'`;
  const refunded = `r."state" = 'resolved' AND r."finalStatus" = 'Refunded'`;
  return {
    day: `COALESCE(r."date", ${lit(NO_DATE)})`,
    currency: `CASE WHEN ${open} THEN r."currency" ELSE COALESCE(r."finalCurrency", r."currency") END`,
    // A refund transaction of its own (Paid, negative) subtracts; a payment that ended Refunded counts its gross and the same refund.
    revenue: `CASE WHEN ${paid} AND ${amount} >= 0 THEN ${amount} WHEN ${refunded} THEN ABS(${amount}) ELSE 0 END`,
    refund: `CASE WHEN ${paid} AND ${amount} < 0 THEN -${amount} WHEN ${refunded} THEN ABS(${amount}) ELSE 0 END`,
    notCounted: `CASE WHEN ${open} THEN ABS(r."amountMinor") ELSE 0 END`,
    paidTx: `CASE WHEN ${paid} AND ${amount} >= 0 THEN 1 ELSE 0 END`,
  };
}

/** A key range of a run's entries (inclusive), less the ids that link to a deal. */
export type UnlinkedRange = { first: string; last: string; linkedIds: readonly number[] };

function unlinkedWhere(lit: Lit, runId: string, range: UnlinkedRange): string {
  const ids = range.linkedIds.filter((id) => Number.isSafeInteger(id));
  return `r."runId" = ${lit(runId)} AND r."key" >= ${lit(range.first)} AND r."key" <= ${lit(range.last)}${ids.length ? ` AND r."id" NOT IN (${ids.join(',')})` : ''}`;
}

type TotalsRow = { day: string; currency: string; revenue: string; refund: string; notCounted: string; paidTx: string; payments: string };

/** The unlinked payments' figures of a key range by day and currency (sums as text: exact on both databases). */
export async function unlinkedTotals(tx: RawTx, runId: string, range: UnlinkedRange): Promise<UnlinkedTotals[]> {
  const lit = literalFor(clientTarget(tx as object).kind);
  const e = contributionSql(lit);
  const sum = (x: string) => `CAST(SUM(${x}) AS TEXT)`;
  const rows: TotalsRow[] = await tx.$queryRawUnsafe(
    `SELECT ${e.day} AS "day", ${e.currency} AS "currency", ${sum(e.revenue)} AS "revenue", ${sum(e.refund)} AS "refund", ${sum(e.notCounted)} AS "notCounted",
            ${sum(e.paidTx)} AS "paidTx", CAST(COUNT(*) AS TEXT) AS "payments"
       FROM "RunResult" r WHERE ${unlinkedWhere(lit, runId, range)} GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  return rows.map((r) => ({ day: r.day, currency: r.currency, revenueMinor: BigInt(r.revenue), refundMinor: BigInt(r.refund), notCountedMinor: BigInt(r.notCounted), paidTx: Number(r.paidTx), payments: Number(r.payments) }));
}

/**
 * Writes the credit of every unlinked payment of a key range (one per stored model: EVERY_MODEL when
 * the models agree), in key order. Returns the rows written.
 */
export async function insertUnlinkedCredits(tx: RawTx, runId: string, range: UnlinkedRange, credit: { models: readonly CreditModel[]; channel: string; campaign: string; weightPpm: number }): Promise<number> {
  if (!credit.models.length) return 0;
  const lit = literalFor(clientTarget(tx as object).kind);
  const e = contributionSql(lit);
  const run = lit(runId);
  const models = credit.models.map((m) => `SELECT ${lit(m)} AS "model"`).join(' UNION ALL ');
  return tx.$executeRawUnsafe(
    `INSERT INTO "RomiCredit" ("runId", "model", "kind", "ref", "dealKey", "day", "channel", "campaign", "currency", "weightPpm", "link")
     SELECT ${run}, m."model", 'payment', r."id", NULL, ${e.day}, ${lit(credit.channel)}, ${lit(credit.campaign)}, ${e.currency}, ${credit.weightPpm}, NULL
       FROM "RunResult" r CROSS JOIN (${models}) m WHERE ${unlinkedWhere(lit, runId, range)} ORDER BY r."key", m."model"`,
  );
}
