import { createClient, type Client as LibsqlClient } from '@libsql/client';
import type { IngestRecord } from '@/lib/domain/records';
import pg from 'pg';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { from as copyFrom } from 'pg-copy-streams';
import { clientTarget, SQLITE_BUSY_TIMEOUT_MS, type PrismaClient } from './client';
import { retryingBusy, SQLITE_STATEMENT_BUSY_MS } from './sqlite-busy';
import Database from 'libsql';
import { libsqlUrl, sqliteFilePath } from './config';

/** One normalized record with its provenance, as written by ingestions and pulls. */
export type RecordRow = {
  sourceId: string;
  ingestionId: string | null;
  profileVersionId: string;
  dataset: string;
  line: number | null;
  eventId?: string | null;
  fileSha256: string | null;
  key: string;
  txId: string;
  occurredAt: Date | null;
  date: string | null;
  amountMinor: bigint | number;
  currency: string;
  status: string;
  code: string;
  attrs: string | null;
  raw: string | null;
};

/** Where a record came from: the source, profile version and ingestion (with file hash) or webhook event. */
export type Provenance = {
  sourceId: string;
  profileVersionId: string;
  ingestionId: string | null;
  fileSha256: string | null;
  eventId: string | null;
  line: number | null;
};

/** A normalized record and its provenance, ready to store. */
export function toRecordRow(r: Omit<IngestRecord, 'line'>, provenance: Provenance, raw: string | null): RecordRow {
  return {
    ...provenance,
    dataset: r.dataset,
    key: r.key,
    txId: r.txId,
    occurredAt: r.at === null ? null : new Date(r.at),
    date: r.date,
    amountMinor: BigInt(r.amount),
    currency: r.currency,
    status: r.status,
    code: r.code,
    attrs: Object.keys(r.attrs).length ? JSON.stringify(r.attrs) : null,
    raw,
  };
}

const COLUMNS = [
  'sourceId', 'ingestionId', 'profileVersionId', 'dataset', 'line', 'eventId', 'fileSha256', 'key', 'txId',
  'occurredAt', 'date', 'amountMinor', 'currency', 'status', 'code', 'attrs', 'raw',
] as const;
const INSERT = `INSERT INTO "SourceRecord" (${COLUMNS.map((c) => `"${c}"`).join(',')}) VALUES `;

type Value = string | number | Date | null;

function values(r: RecordRow): Value[] {
  const amount = Number(r.amountMinor);
  if (!Number.isSafeInteger(amount)) throw new Error(`Amount ${String(r.amountMinor)} is outside the supported range.`);
  return [
    r.sourceId, r.ingestionId, r.profileVersionId, r.dataset, r.line, r.eventId ?? null, r.fileSha256, r.key, r.txId,
    r.occurredAt, r.date, amount, r.currency, r.status, r.code, r.attrs, r.raw,
  ];
}

/**
 * An SQLite literal. Strings are quoted with every ' doubled (SQLite has no other
 * escape), NUL becomes U+FFFD (it would end the statement text); numbers must be finite.
 * Dates use Prisma's own text form so rows read back like any other.
 */
export function sqliteLiteral(v: Value): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`Cannot store ${v}.`);
    return String(v);
  }
  const text = v instanceof Date ? v.toISOString().replace('Z', '+00:00') : v;
  return `'${text.replace(/\u0000/g, '\ufffd').replace(/'/g, "''")}'`;
}

/**
 * A SQL literal for PostgreSQL (standard_conforming_strings: only quotes are doubled; NUL,
 * which PostgreSQL text cannot hold, becomes U+FFFD); numbers must be finite.
 */
export function pgLiteral(v: string | number | bigint | boolean | Date | null): string {
  if (v === null) return 'NULL';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`Cannot store ${v}.`);
    return String(v);
  }
  if (typeof v === 'bigint') return v.toString();
  const text = v instanceof Date ? v.toISOString() : v;
  return `'${text.replace(/\u0000/g, '\ufffd').replace(/'/g, "''")}'`;
}

export type SqlValue = string | number | bigint | boolean | Date | null;

/** The literal function for a database: bigints as integers, booleans as SQLite's 1/0 or TRUE/FALSE. */
export function literalFor(kind: 'sqlite' | 'postgres'): (v: SqlValue) => string {
  if (kind === 'postgres') return pgLiteral;
  return (v) => (typeof v === 'bigint' ? v.toString() : typeof v === 'boolean' ? (v ? '1' : '0') : sqliteLiteral(v));
}

/*
 * Bulk writers bypass Prisma on purpose, measured on 200,000 rows:
 * - Prisma's createMany spends most of its time building the query (10,000 rows: 3.5 s
 *   against 0.25 s for one multi-row INSERT), and its raw queries keep their arguments
 *   alive (heap +340 MiB);
 * - libSQL keeps every prepared statement's memory (about 1.4 KiB a row inserted, RSS
 *   1.5 GiB at 1M rows), while its executeMultiple (sqlite3_exec) keeps nothing.
 * So SQLite gets literal multi-row INSERTs through executeMultiple, and PostgreSQL gets
 * COPY ... FROM STDIN through a small pg pool of its own.
 */
const writers = new Map<string, { kind: 'sqlite'; client: LibsqlClient; conn?: Database.Database; users?: number } | { kind: 'postgres'; pool: pg.Pool }>();

/** The bulk writer for a client's database (shared with lib/server/db/result-insert.ts; closed by closeBulkWriters). */
export function writerFor(db: object) {
  const { kind, url } = clientTarget(db);
  let writer = writers.get(url);
  if (!writer) {
    if (kind === 'sqlite') {
      writer = { kind, client: createClient({ url: libsqlUrl(url) }) };
    } else {
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      pool.on('error', () => {}); // an idle connection dropped by the server is replaced on next use
      writer = { kind, pool };
    }
    writers.set(url, writer);
  }
  return writer;
}

/** Page cache of the bulk writer's own SQLite connection: the index pages a ledger fill writes stay in memory between its transactions. */
const SQLITE_WRITER_CACHE_KIB = 64 * 1024;

/**
 * The SQLite bulk writer's own connection (libsql's synchronous driver, as the record sink's), opened
 * on first use: prepared statements that keep nothing after they are dropped (the Prisma adapter's
 * libSQL client keeps each statement's memory) and a page cache of its own.
 */
export function sqliteWriterConnection(db: object): Database.Database {
  const writer = writerFor(db);
  if (writer.kind !== 'sqlite') throw new Error('sqliteWriterConnection is for SQLite.');
  if (!writer.conn) {
    writer.conn = new Database(sqliteFilePath(clientTarget(db).url), { timeout: 10_000 });
    writer.conn.exec(`PRAGMA cache_size = -${SQLITE_WRITER_CACHE_KIB}; PRAGMA wal_autocheckpoint = 20000`);
  }
  return writer.conn;
}

/** Runs fn on the SQLite bulk writer's own connection, kept open meanwhile (releaseSqliteWriterConnection waits for its users). */
export async function withSqliteWriterConnection<T>(db: object, fn: (conn: Database.Database) => Promise<T>): Promise<T> {
  const conn = sqliteWriterConnection(db);
  const writer = writerFor(db) as { users?: number };
  writer.users = (writer.users ?? 0) + 1;
  try {
    return await fn(conn);
  } finally {
    writer.users--;
  }
}

/**
 * Closes the SQLite bulk writer's own connection, if open and unused, and with it its page cache (a ledger fill
 * fills it; the ROMI build after it runs in the same process). The next bulk transaction opens another.
 */
export function releaseSqliteWriterConnection(db: object): void {
  const writer = writers.get(clientTarget(db).url);
  if (writer?.kind !== 'sqlite' || !writer.conn || writer.users) return; // in use: kept
  writer.conn.close();
  writer.conn = undefined;
}

/** Closes the bulk writers (tests and CLIs call this before exiting). */
export async function closeBulkWriters(): Promise<void> {
  const all = [...writers.values()];
  writers.clear();
  await Promise.all(all.map((w) => (w.kind === 'sqlite' ? (w.conn?.close(), w.client.close()) : w.pool.end())));
}

/** Inserts records in one multi-row statement. */
export async function insertRecords(db: Pick<PrismaClient, '$executeRawUnsafe'>, rows: readonly RecordRow[]): Promise<void> {
  if (!rows.length) return;
  const writer = writerFor(db);
  if (writer.kind === 'sqlite') {
    const tuples = rows.map((r) => `(${values(r).map(sqliteLiteral).join(',')})`);
    // One statement, refused whole or written whole: waited for asynchronously (./sqlite-busy.ts).
    const sql = `PRAGMA busy_timeout = ${SQLITE_STATEMENT_BUSY_MS}; ${INSERT}${tuples.join(',')};`;
    await retryingBusy(() => writer.client.executeMultiple(sql), SQLITE_BUSY_TIMEOUT_MS);
    return;
  }
  // PostgreSQL: one COPY per call, the bulk path the database itself is fastest at.
  const client = await writer.pool.connect();
  try {
    const copy = client.query(copyFrom(COPY));
    await pipeline(Readable.from(copyLines(rows)), copy);
  } finally {
    client.release();
  }
}

const COPY = `COPY "SourceRecord" (${COLUMNS.map((c) => `"${c}"`).join(',')}) FROM STDIN WITH (FORMAT csv)`;

/**
 * A CSV field for COPY: NULL is an unquoted empty field, every string is quoted (so the empty
 * string stays distinct from NULL) with " doubled; NUL, which PostgreSQL text cannot hold,
 * becomes U+FFFD as in the SQLite writer.
 */
export function copyField(v: Value): string {
  if (v === null) return '';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`Cannot store ${v}.`);
    return String(v);
  }
  const text = v instanceof Date ? v.toISOString() : v;
  return `"${text.replace(/\u0000/g, '\ufffd').replace(/"/g, '""')}"`;
}

/** COPY input in chunks of about 1 MiB (validating every row before the first byte is sent would hold them all). */
function* copyLines(rows: readonly RecordRow[]): Generator<string> {
  let chunk = '';
  for (const r of rows) {
    chunk += values(r).map(copyField).join(',') + '\n';
    if (chunk.length >= 1 << 20) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** A multi-row INSERT of records with literal values, for a caller's transaction (the bulk writers use their own connection). */
export function recordInsertSql(kind: 'sqlite' | 'postgres', rows: readonly RecordRow[]): string {
  const lit = literalFor(kind);
  return `${INSERT}${rows.map((r) => `(${values(r).map((v) => lit(v as SqlValue)).join(',')})`).join(',')}`;
}
