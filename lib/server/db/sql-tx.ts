/**
 * Raw-SQL writers inside a transaction: Prisma's interactive transaction on either database, or, on
 * PostgreSQL, a transaction of the bulk writer's own pool (pgTransaction) that also takes COPY. The
 * ledger's fill writes its new entries, their settlements, audit rows and history through
 * insertValues: literal multi-row INSERTs in Prisma's transaction, COPY in a pg one (a literal
 * INSERT cost PostgreSQL about as much again to parse as to store).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { clientTarget, withClientTarget } from './client';
import { copyField, literalFor, writerFor, type SqlValue } from './record-insert';

/** What the raw writers need of a transaction (Prisma's interactive transaction has it). */
export type RawTx = {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
};

/** A PostgreSQL transaction of the bulk writer's pool: raw statements and COPY. */
export type PgTx = RawTx & { copy(table: string, columns: readonly string[], lines: Iterable<string>): Promise<void> };

export const takesCopy = (tx: RawTx): tx is PgTx => typeof (tx as Partial<PgTx>).copy === 'function';

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
  const lit = literalFor(clientTarget(tx).kind);
  const head = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES `;
  for (let i = 0; i < rows.length; i += batch) {
    await tx.$executeRawUnsafe(head + rows.slice(i, i + batch).map((r) => `(${r.map(lit).join(', ')})`).join(', '));
  }
}

/** `n` new ids of a table's serial id, in order (so rows can be written by COPY with their ids known). */
export async function reserveIds(tx: RawTx, table: string, n: number): Promise<number[]> {
  if (n <= 0) return [];
  const rows: { id: number | string | bigint }[] = await tx.$queryRawUnsafe(`SELECT nextval(pg_get_serial_sequence('"${table}"', 'id')) AS "id" FROM generate_series(1, ${Math.floor(n)}) ORDER BY 1`);
  return rows.map((r) => Number(r.id));
}
