import { timeOrderedId } from '@/lib/server/db/row-ids';
import { clientTarget, type getPrisma } from '@/lib/server/db/client';
import { literalFor, type SqlValue } from '@/lib/server/db/record-insert';
import { insertValues, type RawTx } from '@/lib/server/db/sql-tx';
import { finalFromRecommendation, type FinalState } from './final-state';
import { applyChange, changeRecords, ROW_SELECT, type ChangeRecord, type ReviewRow, type Tx } from './row-change';
import { type ResultDetail } from '@/lib/reconcile/result-detail';
import { applyRomiStateChanges } from '@/lib/features/romi/apply-row-change';
import { yieldToEventLoop } from '@/lib/server/db/yield';
import { AUTO_SETTLEMENT_ACTION } from './settlement-audit';

type Client = ReturnType<typeof getPrisma>;

/** Rows read and settled per transaction. */
const BATCH = 1000;

export type Decided = { row: ReviewRow; final: FinalState; record: ChangeRecord };

/**
 * Settles a batch of decided rows in the caller's transaction with three statements instead of
 * four per row: one UPDATE of every row still open at the version read (RETURNING the ids it
 * changed: a row a person changed meanwhile is left to them), then one INSERT of their
 * Resolutions and one of their audit rows, built by changeRecords exactly as applyChange builds
 * them. Values go in as literals (numbers, bigints and escaped strings), as the bulk writers do.
 */
export async function settleAutoBatch(tx: Tx, kind: 'sqlite' | 'postgres', batch: readonly Decided[]): Promise<number> {
  return (await settleAutoBatchIds(tx, kind, batch)).size;
}

/** settleAutoBatch, returning the ids of the rows it settled. */
async function settleAutoBatchIds(tx: Tx, kind: 'sqlite' | 'postgres', batch: readonly Decided[]): Promise<Set<number>> {
  const lit = literalFor(kind);
  const now = new Date();
  const values = batch.map((d) => `(${d.row.id}, ${d.row.version}, ${lit(d.final.status)}, ${lit(d.final.amountMinor)}, ${lit(d.final.currency)})`);
  const changed: { id: number }[] = await tx.$queryRawUnsafe(
    `WITH v(id, ver, fs, fa, fc) AS (VALUES ${values.join(', ')})
     UPDATE "RunResult" SET "state" = 'resolved', "version" = "RunResult"."version" + 1, "updatedAt" = ${lit(now)}, "resolvedAt" = ${lit(now)},
       "finalStatus" = v.fs, "finalAmountMinor" = v.fa, "finalCurrency" = v.fc
     FROM v WHERE "RunResult"."id" = v.id AND "RunResult"."version" = v.ver AND "RunResult"."state" = 'open'
     RETURNING "RunResult"."id" AS "id"`,
  );
  if (!changed.length) return new Set();
  const done = new Set(changed.map((c) => Number(c.id)));
  await recordSettlements(tx, batch.filter((d) => done.has(d.row.id)), now);
  return done;
}

/** Entries one automatic-settlement audit row covers (its `after` holds one short line per entry). */
export const SETTLEMENT_AUDIT_BATCH = 1000;

/** The columns of an automatic-settlement audit row's `after.entries`, one array per entry. */
export const SETTLEMENT_ENTRY_COLUMNS = ['resultId', 'key', 'version', 'finalStatus', 'finalAmountMinor', 'finalCurrency'] as const;

/**
 * The Resolution of each settled row (read open at its version) and one audit row per thousand of
 * them, as multi-row INSERTs: after settleAutoBatchIds's UPDATE, or for entries a ledger pass
 * inserted already settled.
 *
 * The audit row of an automatic settlement (`discrepancy.auto_resolve`, on the run) names every
 * entry it settled with the state it left (before: open at the version before), the rules and the
 * reason; each Resolution names its audit row (`params.auditId`). One audit row per key, with the
 * decision's before/after twice over and four indexes, was a third of the first full pass's writes.
 */
export async function recordSettlements(tx: RawTx, settled: readonly Decided[], now: Date): Promise<void> {
  if (!settled.length) return;
  const resolutions: SqlValue[][] = [];
  const audits: SqlValue[][] = [];
  for (let i = 0; i < settled.length; i += SETTLEMENT_AUDIT_BATCH) {
    const part = settled.slice(i, i + SETTLEMENT_AUDIT_BATCH);
    const auditId = timeOrderedId();
    const rules: Record<string, number> = {};
    const reasons: Record<string, string> = {};
    const entries: unknown[][] = [];
    for (const d of part) {
      const rec = changeRecords(d.row, d.row.version, { state: 'resolved', final: d.final }, { ...d.record, params: { ...(d.record.params as object), auditId } });
      const r = rec.resolution;
      resolutions.push([timeOrderedId(), r.resultId, r.runId, r.action, r.params, r.reason, r.auto, r.actorId, r.actorEmail, r.before, r.after, r.version, now]);
      const rule = d.row.ruleId ?? '';
      rules[rule] = (rules[rule] ?? 0) + 1;
      reasons[rule] ??= d.record.reason;
      entries.push([d.row.id, d.row.key, rec.after.version, d.final.status, String(d.final.amountMinor), d.final.currency]);
    }
    const runId = part[0]!.row.runId;
    const after = { runId, count: part.length, rules, reasons, state: 'resolved', auto: true, columns: SETTLEMENT_ENTRY_COLUMNS, entries };
    const actor = part[0]!.record.actor;
    audits.push([auditId, now, actor?.id ?? null, actor?.email ?? null, AUTO_SETTLEMENT_ACTION, 'Run', runId, JSON.stringify({ state: 'open' }), JSON.stringify(after)]);
  }
  await insertValues(tx, 'Resolution', ['id', 'resultId', 'runId', 'action', 'params', 'reason', 'auto', 'actorId', 'actorEmail', 'before', 'after', 'version', 'createdAt'], resolutions, 2000);
  await insertValues(tx, 'AuditLog', ['id', 'createdAt', 'actorId', 'actorEmail', 'action', 'entityType', 'entityId', 'before', 'after'], audits, 50);
}

/** The automatic decisions for rows read open: a key whose snapshots broke the state machine, or whose rule gives no final state, is left to a person. */
export function decide(rows: readonly ReviewRow[]): Decided[] {
  const decided: Decided[] = [];
  for (const row of rows) {
    const detail = JSON.parse(row.detail) as ResultDetail;
    if (detail.violations.length) continue;
    const final = finalFromRecommendation(detail, row.ruleId, row.currency);
    if (!final) continue;
    const record: ChangeRecord = {
      action: 'auto',
      reason: `Automatic rule ${row.ruleId}: ${row.actionLabel || row.action}`,
      params: { rule: row.ruleId, recommended: row.action },
      auto: true,
      actor: null,
    };
    decided.push({ row, final, record });
  }
  return decided;
}

/** Settles decided rows in the caller's transaction and, once the run's ROMI aggregate exists, moves it with them. */
async function settleDecided(tx: Tx, runId: string, kind: 'sqlite' | 'postgres', decided: readonly Decided[], rowByRow: boolean): Promise<number> {
  if (rowByRow) {
    for (const d of decided) await applyChange(tx, d.row, d.row.version, { state: 'resolved', final: d.final }, d.record);
    return decided.length;
  }
  const done = await settleAutoBatchIds(tx, kind, decided);
  // Once the run's ROMI aggregate exists, the settled rows move it (in bulk, as applyChange would row by row).
  const romiBuilt = done.size ? await tx.romiCredit.findFirst({ where: { runId, kind: 'payment' }, select: { id: true } }) : null;
  if (romiBuilt) {
    await applyRomiStateChanges(
      tx,
      runId,
      decided
        .filter((d) => done.has(d.row.id))
        .map((d) => ({
          resultId: d.row.id,
          before: { state: d.row.state, finalStatus: d.row.finalStatus, finalAmountMinor: d.row.finalAmountMinor, finalCurrency: d.row.finalCurrency },
          after: { state: 'resolved', finalStatus: d.final.status, finalAmountMinor: d.final.amountMinor, finalCurrency: d.final.currency },
        })),
    );
  }
  return done.size;
}

/**
 * Resolves the open rows of a run whose rule is marked automatic, so people handle only the
 * exceptions. Each decision is a Resolution (action 'auto', no actor) with its audit row, written
 * in the same transaction as the row's state change. Returns how many rows were resolved.
 *
 * Rows are settled a thousand at a time in bulk (settleAutoBatch): row by row through Prisma this
 * ran at about 270 rows a second, hours for a run of millions of matched keys. Once the run's
 * ROMI pre-aggregate exists (a run resolved again after completion), the settled rows also move
 * its figures in the same transaction, in bulk (applyRomiStateChanges: the same result as
 * applyChange's row-by-row move; a row that makes its deal paid goes row by row).
 */
export async function autoResolveRun(
  runId: string,
  autoRules: readonly string[],
  db: Client,
  /** rowByRow: every row through applyChange (the equivalence test compares both paths). */
  opts: { rowByRow?: boolean } = {},
): Promise<number> {
  if (!autoRules.length) return 0;
  const kind = clientTarget(db).kind;
  let resolved = 0;
  // In key order, by the (runId, key) index: paging by id made SQLite read and sort every open row of the run for each batch.
  let lastKey: string | null = null;
  for (;;) {
    const rows: ReviewRow[] = await db.runResult.findMany({
      where: { runId, state: 'open', ruleId: { in: [...autoRules] }, ...(lastKey === null ? {} : { key: { gt: lastKey } }) },
      orderBy: { key: 'asc' },
      take: BATCH,
      select: ROW_SELECT,
    });
    if (!rows.length) break;
    lastKey = rows[rows.length - 1]!.key;
    const decided = decide(rows);
    if (decided.length) resolved += await db.$transaction((tx) => settleDecided(tx, runId, kind, decided, opts.rowByRow ?? false), { timeout: 120_000 });
    if (rows.length < BATCH) break;
    await yieldToEventLoop();
  }
  return resolved;
}

/**
 * In the caller's transaction: settles the open entries among `keys` whose rule is automatic (a
 * ledger pass's new, changed and reopened entries, in the transaction that wrote them, so they
 * are written once and never seen unsettled). Returns how many were settled.
 */
export async function autoResolveKeys(tx: Tx, runId: string, autoRules: readonly string[], keys: readonly string[]): Promise<number> {
  if (!autoRules.length || !keys.length) return 0;
  const kind = clientTarget(tx as object).kind;
  let resolved = 0;
  // 500 keys a read: SQLite takes at most 999 bound values a statement.
  for (let i = 0; i < keys.length; i += 500) {
    const rows: ReviewRow[] = await tx.runResult.findMany({ where: { runId, state: 'open', ruleId: { in: [...autoRules] }, key: { in: keys.slice(i, i + 500) } }, select: ROW_SELECT });
    const decided = decide(rows);
    if (decided.length) resolved += await settleDecided(tx, runId, kind, decided, false);
  }
  return resolved;
}
