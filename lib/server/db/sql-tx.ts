/**
 * Raw-SQL writers inside a transaction: Prisma's interactive transaction on either database, or a
 * transaction of the bulk writer's own (bulkTransaction): on PostgreSQL a connection of its pool that
 * also takes COPY, on SQLite a connection of its own with prepared statements. The ledger's fill
 * writes its new entries, their settlements, audit rows and history through insertValues: literal
 * multi-row INSERTs in Prisma's transaction, COPY in a pg one (a literal INSERT cost PostgreSQL about
 * as much again to parse as to store), one prepared INSERT per table bound row by row on SQLite (the
 * Prisma adapter's libSQL client keeps every statement's memory: 1.14 GiB RSS in a 1M-key fill).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { clientTarget, SQLITE_BUSY_TIMEOUT_MS, withClientTarget } from './client';
import type Database from 'libsql';
import { copyField, literalFor, withSqliteWriterConnection, writerFor, type SqlValue } from './record-insert';

/** What the raw writers need of a transaction (Prisma's interactive transaction has it). */
export type RawTx = {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
};

/** A PostgreSQL transaction of the bulk writer's pool: raw statements and COPY. */
export type PgTx = RawTx & { copy(table: string, columns: readonly string[], lines: Iterable<string>): Promise<void> };

export const takesCopy = (tx: RawTx): tx is PgTx => typeof (tx as Partial<PgTx>).copy === 'function';

/** A SQLite transaction on the bulk writer's own connection: raw statements and prepared row inserts. */
export type SqliteTx = RawTx & { insert(table: string, columns: readonly string[], rows: readonly (readonly SqlValue[])[]): void };

export const takesPrepared = (tx: RawTx): tx is SqliteTx => typeof (tx as Partial<SqliteTx>).insert === 'function';

/** A value as SQLite binds it, stored as Prisma stores it (dates as ISO text with +00:00, booleans 1/0; NUL as U+FFFD, as every writer). */
function sqliteValue(v: SqlValue | undefined): string | number | bigint | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString().replace('Z', '+00:00');
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') return v.includes('\u0000') ? v.replace(/\u0000/g, '\ufffd') : v;
  if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`Cannot store ${v}.`);
  return v;
}

/** How long a SQLite bulk transaction waits for the write lock before it gives up (ms). */
const SQLITE_LOCK_WAIT_MS = 30_000;

/**
 * Takes the write lock (BEGIN IMMEDIATE) without blocking the event loop: libsql's busy handler waits
 * synchronously, so a transaction of this same process holding the lock (Prisma's, between two of
 * its statements) could never finish while it waited. Polls with the busy timeout off instead.
 */
async function beginImmediate(conn: Database.Database): Promise<void> {
  const deadline = Date.now() + SQLITE_LOCK_WAIT_MS;
  conn.exec('PRAGMA busy_timeout = 0');
  try {
    for (let wait = 2; ; wait = Math.min(wait * 2, 100)) {
      try {
        conn.exec('BEGIN IMMEDIATE');
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  } finally {
    conn.exec(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  }
}

/**
 * Runs fn in one IMMEDIATE transaction (the write lock taken at BEGIN) on the SQLite bulk writer's own
 * connection: committed when fn returns, rolled back when it throws. Holding the write lock, the
 * transaction can also reserve ids (reserveIds). Every statement is synchronous; bulk transactions of
 * this process take turns (inTurn), so a body may await other work. `db` is the app's Prisma client.
 */
export function sqliteTransaction<T>(db: object, fn: (tx: SqliteTx) => Promise<T>): Promise<T> {
  if (insideSqliteTransaction.getStore()) throw new Error('A SQLite bulk transaction cannot open another inside it (it would wait for itself).');
  return inTurn(clientTarget(db).url, () => withSqliteWriterConnection(db, (conn) => insideSqliteTransaction.run(true, () => transactionOn(conn, db, fn))));
}

/** Set inside a SQLite bulk transaction's body (a nested one would wait for its own turn forever). */
const insideSqliteTransaction = new AsyncLocalStorage<boolean>();
const sqliteTurns = new Map<string, Promise<void>>();

/**
 * One SQLite bulk transaction at a time per database in this process. They share one connection,
 * and a body that awaits more than its statements (the ROMI rebuild yields between key ranges) would
 * otherwise let a second BEGIN onto it, which SQLite refuses ("cannot start a transaction within a
 * transaction"); in turn, the second waits as it would for another process's lock.
 */
function inTurn<T>(url: string, fn: () => Promise<T>): Promise<T> {
  const run = (sqliteTurns.get(url) ?? Promise.resolve()).then(fn);
  const done = run.then(
    () => undefined,
    () => undefined,
  );
  sqliteTurns.set(url, done);
  void done.then(() => {
    if (sqliteTurns.get(url) === done) sqliteTurns.delete(url);
  });
  return run;
}

/**
 * Rows a SQLite bulk INSERT statement takes: one call binds this many rows (at most
 * SQLITE_MAX_BOUND values). A call per row was most of a ledger fill's insert time, as it was the
 * upload's (./record-sink.ts).
 */
const SQLITE_ROWS_PER_INSERT = 50;
/** Values one SQLite statement may bind (SQLITE_MAX_VARIABLE_NUMBER's default since 3.32). */
const SQLITE_MAX_BOUND = 32_766;
type Statement = ReturnType<Database.Database['prepare']>;
/** Each connection's prepared INSERTs, by their SQL: prepared once (libSQL frees a statement's memory only when its finalizer runs). */
const preparedInserts = new WeakMap<Database.Database, Map<string, Statement>>();

function preparedOn(conn: Database.Database, sql: string): Statement {
  let cache = preparedInserts.get(conn);
  if (!cache) preparedInserts.set(conn, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) cache.set(sql, (stmt = conn.prepare(sql)));
  return stmt;
}

/** Inserts rows (values in `columns` order) with prepared statements of up to SQLITE_ROWS_PER_INSERT rows each. */
function insertPrepared(conn: Database.Database, table: string, columns: readonly string[], rows: readonly (readonly SqlValue[])[]): void {
  const width = columns.length;
  const head = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const per = Math.max(1, Math.min(SQLITE_ROWS_PER_INSERT, Math.floor(SQLITE_MAX_BOUND / width)));
  const check = (r: readonly SqlValue[]) => {
    if (r.length !== width) throw new Error(`A row for ${table} has ${r.length} values for ${width} columns.`);
    return r;
  };
  // A batch's rows mostly share their Date objects (the pass's `now`): each converted once.
  let lastDate: Date | undefined;
  let lastText = '';
  const bind = (v: SqlValue) => {
    if (!(v instanceof Date)) return sqliteValue(v);
    if (v !== lastDate) {
      lastText = sqliteValue(v) as string;
      lastDate = v;
    }
    return lastText;
  };
  let i = 0;
  if (rows.length >= per) {
    const many = preparedOn(conn, head + Array.from({ length: per }, () => tuple).join(', '));
    // One flat array of bound values, reused for every statement.
    const flat: (string | number | bigint | null)[] = new Array(per * width);
    for (; i + per <= rows.length; i += per) {
      let k = 0;
      for (let j = i; j < i + per; j++) for (const v of check(rows[j]!)) flat[k++] = bind(v);
      many.run(flat);
    }
  }
  if (i < rows.length) {
    const one = preparedOn(conn, head + tuple);
    for (; i < rows.length; i++) one.run(check(rows[i]!).map(bind));
  }
}

async function transactionOn<T>(conn: Database.Database, db: object, fn: (tx: SqliteTx) => Promise<T>): Promise<T> {
  const tx = withClientTarget<SqliteTx>(
    {
      async $executeRawUnsafe(query, ...values) {
        return Number(conn.prepare(query).run(...values.map((v) => sqliteValue(v as SqlValue))).changes);
      },
      async $queryRawUnsafe<R>(query: string, ...values: unknown[]) {
        return conn.prepare(query).all(...values.map((v) => sqliteValue(v as SqlValue))) as R;
      },
      insert(table, columns, rows) {
        insertPrepared(conn, table, columns, rows);
      },
    },
    clientTarget(db),
  );
  await beginImmediate(conn);
  try {
    const out = await fn(tx);
    conn.exec('COMMIT');
    return out;
  } catch (e) {
    if (conn.inTransaction) conn.exec('ROLLBACK');
    throw e;
  }
}

/** A transaction of the bulk writer's own on either database (pgTransaction or sqliteTransaction). */
export function bulkTransaction<T>(db: object, fn: (tx: PgTx | SqliteTx) => Promise<T>): Promise<T> {
  return clientTarget(db).kind === 'postgres' ? pgTransaction(db, fn) : sqliteTransaction(db, fn);
}

/**
 * Runs fn in one transaction on a connection of the PostgreSQL bulk writer's pool: committed when fn
 * returns, rolled back when it throws. `db` is the app's Prisma client (which database).
 */
export async function pgTransaction<T>(db: object, fn: (tx: PgTx) => Promise<T>): Promise<T> {
  const writer = writerFor(db);
  if (writer.kind !== 'postgres') throw new Error('pgTransaction is for PostgreSQL.');
  const client = await writer.pool.connect();
  const tx = withClientTarget<PgTx>(
    {
      async $executeRawUnsafe(query, ...values) {
        return (await client.query(query, values)).rowCount ?? 0;
      },
      async $queryRawUnsafe<R>(query: string, ...values: unknown[]) {
        return (await client.query(query, values)).rows as R;
      },
      async copy(table, columns, lines) {
        await pipeline(Readable.from(lines), client.query(copyFrom(`COPY "${table}" (${columns.map((c) => `"${c}"`).join(',')}) FROM STDIN WITH (FORMAT csv)`)));
      },
    },
    clientTarget(db),
  );
  try {
    await client.query('BEGIN');
    const out = await fn(tx);
    await client.query('COMMIT');
    return out;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/** A COPY csv field of any SQL value (booleans as true/false, bigints as integers). */
function csvField(v: SqlValue): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return copyField(v);
}

/** COPY input in chunks of about 1 MiB. */
function* csvChunks(rows: readonly (readonly SqlValue[])[]): Generator<string> {
  let chunk = '';
  for (const r of rows) {
    chunk += r.map(csvField).join(',') + '\n';
    if (chunk.length >= 1 << 20) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/**
 * Inserts rows (values in `columns` order) in the caller's transaction: COPY when it takes COPY,
 * else multi-row INSERTs with literal values, `batch` rows a statement.
 */
export async function insertValues(tx: RawTx, table: string, columns: readonly string[], rows: readonly (readonly SqlValue[])[], batch = 1000): Promise<void> {
  if (!rows.length) return;
  if (takesCopy(tx)) return tx.copy(table, columns, csvChunks(rows));
  if (takesPrepared(tx)) return tx.insert(table, columns, rows);
  const lit = literalFor(clientTarget(tx).kind);
  const head = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES `;
  for (let i = 0; i < rows.length; i += batch) {
    await tx.$executeRawUnsafe(head + rows.slice(i, i + batch).map((r) => `(${r.map(lit).join(', ')})`).join(', '));
  }
}

/**
 * `n` new ids of a table's serial id, in order (so rows can be written by COPY or prepared inserts with
 * their ids known): from the sequence on PostgreSQL; on SQLite after the largest id the table has had
 * (AUTOINCREMENT never reuses one), which holds because a SqliteTx has the write lock.
 */
export async function reserveIds(tx: PgTx | SqliteTx, table: string, n: number): Promise<number[]> {
  if (n <= 0) return [];
  if (takesPrepared(tx)) {
    const [row] = await tx.$queryRawUnsafe<{ last: number | bigint | null }[]>(
      `SELECT MAX(COALESCE((SELECT "seq" FROM sqlite_sequence WHERE "name" = '${table}'), 0), COALESCE((SELECT MAX("id") FROM "${table}"), 0)) AS "last"`,
    );
    const last = Number(row?.last ?? 0);
    return Array.from({ length: Math.floor(n) }, (_, i) => last + 1 + i);
  }
  const rows: { id: number | string | bigint }[] = await tx.$queryRawUnsafe(`SELECT nextval(pg_get_serial_sequence('"${table}"', 'id')) AS "id" FROM generate_series(1, ${Math.floor(n)}) ORDER BY 1`);
  return rows.map((r) => Number(r.id));
}
