/**
 * Bulk writer for a run's result rows (RunResult), guarded by the writing attempt's lease.
 *
 * Prisma's createMany spends most of its time building the query (10,000 rows: about 3.5 s), which
 * made a 10M-key run spend about an hour writing results. Like lib/server/db/record-insert.ts, this goes
 * around Prisma: PostgreSQL gets COPY ... FROM STDIN through the bulk writer's own pg pool, SQLite a
 * literal multi-row INSERT through libSQL's executeMultiple (which keeps no prepared statements).
 *
 * Every batch is conditional on the lease, in the same transaction as the rows:
 * - PostgreSQL: BEGIN; the lease's heartbeat UPDATE (attempt and status in its WHERE, which also
 *   locks the lease row until COMMIT, as the Prisma transaction did); if it matched nothing, write
 *   nothing and report the lease lost; else COPY the rows; COMMIT (lib/server/db/sql-tx.ts).
 * - SQLite: BEGIN IMMEDIATE; the same heartbeat UPDATE; INSERT ... SELECT FROM (VALUES ...) WHERE the
 *   lease still holds; COMMIT. The lease is read back afterwards: attempts only move forward, so a
 *   lease held after the batch was held during it (the write lock was ours in between).
 */
import { SQLITE_BUSY_TIMEOUT_MS, type PrismaClient } from './client';
import { retryingBusy, SQLITE_STATEMENT_BUSY_MS } from './sqlite-busy';
import { literalFor, sqliteLiteral, writerFor } from './record-insert';
import { insertValues, pgTransaction } from './sql-tx';

/** One result row, exactly the columns executeRun sets (the rest take their defaults). */
export type ResultInsertRow = {
  runId: string;
  key: string;
  cls: string;
  reasons: string;
  severity: string;
  severityRank: number;
  action: string;
  actionLabel: string;
  ruleId: string | null;
  missingIn: string;
  duplicateIn: string;
  statuses: string;
  amountMinor: bigint;
  currency: string;
  date: string | null;
  amountDiffMinor: bigint;
  detail: string;
  state: string;
  /** The key partition writing the row (null or absent: an unsplit run). */
  partition?: number | null;
};

/**
 * Who writes: a whole run (its attempt) or one partition of it (the partition's attempt and the run's).
 * `progress` (run) or `rows` (partition) is stored with the heartbeat, as the rows written so far.
 */
export type ResultLease =
  | { runId: string; attempt: number; partition?: undefined; progress: number }
  | { runId: string; attempt: number; partition: { id: string; attempt: number }; rows: number };

const COLUMNS = [
  'runId', 'key', 'cls', 'reasons', 'severity', 'severityRank', 'action', 'actionLabel', 'ruleId', 'missingIn', 'duplicateIn',
  'statuses', 'amountMinor', 'currency', 'date', 'amountDiffMinor', 'detail', 'state', 'updatedAt', 'partition',
] as const;
const COLUMN_LIST = COLUMNS.map((c) => `"${c}"`).join(',');

/** Amounts the whole app reads back exactly (the engine holds them as numbers; libSQL refuses wider integers). */
const MAX = BigInt(Number.MAX_SAFE_INTEGER);

function int64(v: bigint, what: string, key: string): string {
  if (typeof v !== 'bigint' || v < -MAX || v > MAX) throw new Error(`The ${what} of key ${JSON.stringify(key.slice(0, 80))} (${String(v)}) is outside the supported range.`);
  return v.toString();
}

/** The row's values; amounts as decimal text straight from the bigint (no float on the way), the integers as numbers. */
function values(r: ResultInsertRow, now: Date): (string | number | Date | null)[] {
  if (!Number.isSafeInteger(r.severityRank)) throw new Error(`Bad severity rank ${r.severityRank}.`);
  const partition = r.partition ?? null;
  if (partition !== null && !Number.isSafeInteger(partition)) throw new Error(`Bad partition ${partition}.`);
  return [
    r.runId, r.key, r.cls, r.reasons, r.severity, r.severityRank, r.action, r.actionLabel, r.ruleId, r.missingIn, r.duplicateIn,
    r.statuses, int64(r.amountMinor, 'amount', r.key), r.currency, r.date, int64(r.amountDiffMinor, 'amount difference', r.key), r.detail, r.state, now, partition,
  ];
}

/** Amounts go as unquoted integers; every other string is quoted (so '' stays distinct from NULL). */
const AMOUNT_COLUMNS = new Set([COLUMNS.indexOf('amountMinor'), COLUMNS.indexOf('amountDiffMinor')]);

function sqliteTuple(vals: ReturnType<typeof values>): string {
  return `(${vals.map((v, i) => (AMOUNT_COLUMNS.has(i) ? (v as string) : sqliteLiteral(v))).join(',')})`;
}

/**
 * Writes one batch of result rows if the lease still holds, in one transaction with the lease's
 * heartbeat. Returns false (nothing written) when the attempt lost its lease. Every row is checked
 * before anything is sent: a bad row throws and nothing of the batch is written.
 */
export async function insertResults(db: PrismaClient, lease: ResultLease, rows: readonly ResultInsertRow[]): Promise<boolean> {
  const now = new Date();
  const all = rows.map((r) => values(r, now));
  const writer = writerFor(db);
  if (writer.kind === 'sqlite') {
    const lit = sqliteLiteral;
    const runHeld = `EXISTS (SELECT 1 FROM "Run" WHERE "id" = ${lit(lease.runId)} AND "attempt" = ${lease.attempt} AND "status" = 'running')`;
    const held = lease.partition
      ? `EXISTS (SELECT 1 FROM "RunPartition" WHERE "id" = ${lit(lease.partition.id)} AND "attempt" = ${lease.partition.attempt} AND "status" = 'running') AND ${runHeld}`
      : runHeld;
    const beat = lease.partition
      ? `UPDATE "RunPartition" SET "heartbeatAt" = ${lit(now)}, "rows" = ${lease.rows} WHERE "id" = ${lit(lease.partition.id)} AND "attempt" = ${lease.partition.attempt} AND "status" = 'running' AND ${runHeld};`
      : `UPDATE "Run" SET "heartbeatAt" = ${lit(now)}, "progress" = ${lease.progress} WHERE "id" = ${lit(lease.runId)} AND "attempt" = ${lease.attempt} AND "status" = 'running';`;
    const insert = all.length ? `INSERT INTO "RunResult" (${COLUMN_LIST}) SELECT * FROM (VALUES ${all.map(sqliteTuple).join(',')}) WHERE ${held};` : '';
    // The lock is waited for asynchronously (./sqlite-busy.ts): a synchronous wait could not end
    // while a transaction of this process held it between two statements.
    await retryingBusy(async () => {
      try {
        await writer.client.executeMultiple(`PRAGMA busy_timeout = ${SQLITE_STATEMENT_BUSY_MS}; BEGIN IMMEDIATE; ${beat} ${insert} COMMIT;`);
      } catch (e) {
        // A failed statement leaves the transaction open on this shared connection.
        await writer.client.executeMultiple('ROLLBACK;').catch(() => undefined);
        throw e;
      }
    }, SQLITE_BUSY_TIMEOUT_MS);
    const check = await writer.client.execute(`SELECT ${held} AS held`);
    return Number(check.rows[0]?.held ?? 0) === 1;
  }
  // A lost lease writes nothing (its heartbeat matched no row); the transaction then commits nothing.
  return pgTransaction(db, async (tx) => {
    const beat = lease.partition
      ? await tx.$executeRawUnsafe(
          `UPDATE "RunPartition" SET "heartbeatAt" = $1::timestamp, "rows" = $2 WHERE "id" = $3 AND "attempt" = $4 AND "status" = 'running'
             AND EXISTS (SELECT 1 FROM "Run" WHERE "id" = $5 AND "attempt" = $6 AND "status" = 'running')`,
          now.toISOString(), lease.rows, lease.partition.id, lease.partition.attempt, lease.runId, lease.attempt,
        )
      : await tx.$executeRawUnsafe(`UPDATE "Run" SET "heartbeatAt" = $1::timestamp, "progress" = $2 WHERE "id" = $3 AND "attempt" = $4 AND "status" = 'running'`, now.toISOString(), lease.progress, lease.runId, lease.attempt);
    if (!beat) return false;
    await insertValues(tx, 'RunResult', COLUMNS, all);
    return true;
  });
}

/** The columns of resultRowsWithIds, in order. */
export const RESULT_COLUMNS_WITH_IDS = ['id', ...COLUMNS, 'changedAt', 'version', 'finalStatus', 'finalAmountMinor', 'finalCurrency', 'resolvedAt'] as const;

/**
 * New ledger entries as rows of values with their ids (reserved beforehand: written by COPY, which
 * returns nothing), checked as resultInsertSql checks them; the settled ones with their reconciled
 * state and version 1, as resultInsertSql writes them.
 */
export function resultRowsWithIds(
  rows: readonly ResultInsertRow[],
  ids: readonly number[],
  now: Date,
  settled: ReadonlyMap<string, { status: string; amountMinor: bigint; currency: string }>,
): (string | number | bigint | Date | null)[][] {
  return rows.map((r, i) => {
    const vals = values(r, now).map((v, j) => (AMOUNT_COLUMNS.has(j) ? BigInt(v as string) : v));
    const final = settled.get(r.key);
    return [ids[i]!, ...vals, now, ...(final ? [1, final.status, final.amountMinor, final.currency, now] : [0, null, null, null, null])];
  });
}

/**
 * The statement that inserts result rows inside a caller's transaction (a ledger pass, whose new
 * entries commit with their history rows): one multi-row INSERT with literal values, every row
 * checked first as insertResults checks them. `changedAt` is set to the same time as `updatedAt`.
 */
export function resultInsertSql(
  kind: 'sqlite' | 'postgres',
  rows: readonly ResultInsertRow[],
  now = new Date(),
  /** Entries created already settled (a ledger pass's automatic rules), by key: their reconciled state, version 1. */
  settled?: ReadonlyMap<string, { status: string; amountMinor: bigint; currency: string }>,
): string {
  const lit = literalFor(kind);
  const tuples = rows.map((r) => {
    const vals = values(r, now);
    const final = settled?.get(r.key);
    const extra = settled ? `,${final ? `1,${lit(final.status)},${final.amountMinor.toString()},${lit(final.currency)},${lit(now)}` : '0,NULL,NULL,NULL,NULL'}` : '';
    return `(${vals.map((v, i) => (AMOUNT_COLUMNS.has(i) ? (v as string) : lit(v))).join(',')},${lit(now)}${extra})`;
  });
  const extraColumns = settled ? ',"version","finalStatus","finalAmountMinor","finalCurrency","resolvedAt"' : '';
  return `INSERT INTO "RunResult" (${COLUMN_LIST},"changedAt"${extraColumns}) VALUES ${tuples.join(',')}`;
}
