/**
 * A stream of records into SourceRecord for one ingestion: the bulk path of the data plane
 * (docs/data-plane.md). Each record goes straight from the validated fields to the database's own
 * bulk form, with no intermediate row object:
 * - PostgreSQL: one `COPY ... FROM STDIN` (text format) for the whole ingestion (one statement, so all or nothing),
 *   fed in chunks of about 1 MiB with the stream's backpressure; the provenance columns, the same on
 *   every row, are escaped once.
 * - SQLite: one prepared INSERT of SQLITE_ROWS_PER_STATEMENT rows with the provenance as literals,
 *   reused for every group of rows (libSQL keeps the memory of each statement it prepares until a
 *   finalizer runs, so preparing per batch grew without bound), inside one transaction per
 *   SQLITE_BATCH rows; short transactions leave the write lock to the web server between batches.
 * Records are written by `add`; `close` makes them durable; `abort` leaves nothing on PostgreSQL
 * and stops on SQLite (the ingestion's abandon deletes what a batch wrote).
 */
import Database from 'libsql';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { IngestRecord } from '@/lib/domain/records';
import { clientTarget } from './client';
import { sqliteFilePath } from './config';
import { sqliteLiteral, writerFor } from './record-insert';

/** The columns the sink writes: the provenance, the same on every row of an ingestion, first. */
const COLUMNS = [
  'sourceId', 'ingestionId', 'profileVersionId', 'fileSha256', 'eventId', 'dataset',
  'line', 'key', 'txId', 'occurredAt', 'date', 'amountMinor', 'currency', 'status', 'code', 'attrs', 'raw',
] as const;
const COLUMN_LIST = COLUMNS.map((c) => `"${c}"`).join(',');

/**
 * Rows bound per SQLite transaction. Each commit writes every index page its rows touched, and the
 * rows of a file in random key order touch pages all over the (sourceId, key) index: 1M such rows
 * into a table already holding 1M took 26.4 s in batches of 20,000, 22.1 s of 50,000, 18.4 s of
 * 100,000 (alternating runs, libsql, the 2-core machine); rows in key order gain nothing. A batch of
 * 100,000 holds the write lock about 2 s.
 */
const SQLITE_BATCH = 100_000;
/** The SQLite page cache of the sink's connection, KiB. */
const SQLITE_CACHE_KIB = 64 * 1024;
/** COPY text sent to PostgreSQL at a time. */
const COPY_CHUNK = 1 << 20;

export type SinkProvenance = { sourceId: string; ingestionId: string; profileVersionId: string; fileSha256: string | null };
/** Called before each write is made durable (a SQLite batch, the end of the COPY); throwing stops the sink. */
export type SinkOptions = { beforeCommit?: () => void };

export interface RecordSink {
  /** Adds one validated record with its raw row (JSON); resolves when the database has room for more. */
  add(record: IngestRecord, raw: string | null): Promise<void> | void;
  /** Writes what is buffered and ends the stream. */
  close(): Promise<void>;
  /** Stops without writing what is buffered (PostgreSQL: nothing of this sink is kept). */
  abort(error?: Error): Promise<void>;
}

/**
 * A field of COPY's text format: NULL is \\N; a string needs escaping only for backslash, newline,
 * carriage return and tab (JSON and most text have none: no quote doubling, unlike CSV); NUL, which
 * PostgreSQL text cannot hold, becomes U+FFFD as in every other writer.
 */
function copyText(v: string | null): string {
  if (v === null) return '\\N';
  if (!COPY_TEXT_SPECIAL.test(v)) return v;
  return v.replace(/\u0000/g, '\ufffd').replace(/[\\\n\r\t]/g, (c) => COPY_TEXT_ESCAPE[c]!);
}
const COPY_TEXT_SPECIAL = /[\\\n\r\t\u0000]/;
const COPY_TEXT_ESCAPE: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function amountOf(r: IngestRecord): number {
  if (!Number.isSafeInteger(r.amount)) throw new Error(`Amount ${String(r.amount)} is outside the supported range.`);
  return r.amount;
}

const attrsOf = (r: IngestRecord): string | null => {
  for (const _ in r.attrs) return JSON.stringify(r.attrs);
  return null;
};

/** Opens a sink on the database of `db` (a Prisma client), for one ingestion's records. */
export async function openRecordSink(db: object, provenance: SinkProvenance, options: SinkOptions = {}): Promise<RecordSink> {
  const { kind, url } = clientTarget(db);
  return kind === 'postgres' ? openPgSink(db, provenance, options) : openSqliteSink(url, provenance, options);
}

async function openPgSink(db: object, p: SinkProvenance, options: SinkOptions): Promise<RecordSink> {
  const writer = writerFor(db);
  if (writer.kind !== 'postgres') throw new Error('not a PostgreSQL writer');
  const client = await writer.pool.connect();
  const stream = client.query(copyFrom(`COPY "SourceRecord" (${COLUMN_LIST}) FROM STDIN`));
  let failure: Error | null = null;
  stream.on('error', (e: Error) => (failure ??= e));
  // Text format, tab-separated: the provenance, the same on every row, escaped once.
  const prefix = [p.sourceId, p.ingestionId, p.profileVersionId, p.fileSha256, null].map(copyText).join('\t') + '\t';
  const datasets = new Map<string, string>();
  // Lines gathered in an array and joined once per chunk: appending each to one growing string made
  // a rope the writer had to flatten, and half the ingestion's time went to the garbage collector.
  let lines: string[] = [];
  let size = 0;
  let released = false;
  const release = (error?: Error) => {
    if (released) return;
    released = true;
    client.release(error);
  };
  return {
    async add(r, raw) {
      if (failure) throw failure;
      let dataset = datasets.get(r.dataset);
      if (dataset === undefined) datasets.set(r.dataset, (dataset = prefix + copyText(r.dataset) + '\t'));
      const line = `${dataset}${r.line}\t${copyText(r.key)}\t${copyText(r.txId)}\t${r.at === null ? '\\N' : new Date(r.at).toISOString()}\t${copyText(r.date)}\t${amountOf(r)}\t${copyText(r.currency)}\t${copyText(r.status)}\t${copyText(r.code)}\t${copyText(attrsOf(r))}\t${copyText(raw)}\n`;
      lines.push(line);
      size += line.length;
      if (size >= COPY_CHUNK) {
        const ok = stream.write(lines.join(''));
        lines = [];
        size = 0;
        if (!ok) await Promise.race([once(stream, 'drain'), once(stream, 'error')]);
        if (failure) throw failure;
      }
    },
    async close() {
      try {
        options.beforeCommit?.();
        stream.end(lines.join(''));
        lines = [];
        await finished(stream);
        if (failure) throw failure;
        release();
      } catch (error) {
        release(error as Error);
        throw error;
      }
    },
    async abort(error) {
      lines = [];
      // Destroying the COPY makes PostgreSQL fail the statement: none of its rows stay.
      stream.destroy(error ?? new Error('ingestion aborted'));
      await finished(stream).catch(() => {});
      release(error ?? new Error('ingestion aborted'));
    },
  };
}

/** NUL becomes U+FFFD, as in every other writer (PostgreSQL text cannot hold it; SQLite's literal statements could not). */
function text<T extends string | null>(s: T): T {
  return (s !== null && s.includes('\u0000') ? s.replace(/\u0000/g, '\ufffd') : s) as T;
}

/** Rows an INSERT statement of the SQLite sink takes (12 bound values each). */
const SQLITE_ROWS_PER_STATEMENT = 50;
/** The provenance columns, the same on every row: literals in the SQLite sink's statements. */
const PROVENANCE_COLUMNS = 5;

function openSqliteSink(url: string, p: SinkProvenance, options: SinkOptions): RecordSink {
  const conn = new Database(sqliteFilePath(url), { timeout: 10_000 });
  // Index pages of the table stay in memory across batches (the default 2 MiB cache re-read them).
  conn.exec(`PRAGMA cache_size = -${SQLITE_CACHE_KIB}`);
  // The provenance as literals (written once into the statement, not converted for every row), the
  // other columns bound, SQLITE_ROWS_PER_STATEMENT rows a statement: 1M rows of a bank export took
  // 7.7-7.8 s to insert this way against 10.6-12.0 s with every column bound a row at a time (libsql,
  // the 2-core machine; a row's call and its five long provenance strings were most of the cost).
  const provenance = [p.sourceId, p.ingestionId, p.profileVersionId, p.fileSha256, null].map((v) => sqliteLiteral(v)).join(',');
  const tuple = `(${provenance},${COLUMNS.slice(PROVENANCE_COLUMNS).map(() => '?').join(',')})`;
  const statement = (n: number) => conn.prepare(`INSERT INTO "SourceRecord" (${COLUMN_LIST}) VALUES ${Array.from({ length: n }, () => tuple).join(',')}`);
  // Prepared once each (libsql keeps a statement's memory until its finalizer runs): a batch's last rows go one at a time.
  const insertMany = statement(SQLITE_ROWS_PER_STATEMENT);
  const insertOne = statement(1);
  const width = COLUMNS.length - PROVENANCE_COLUMNS;
  // A batch's bound values, flat, in one array allocated once (growing it row by row cost GC time).
  const values: unknown[] = new Array(SQLITE_BATCH * width).fill(null);
  let n = 0;
  const write = conn.transaction((end: number) => {
    const many = SQLITE_ROWS_PER_STATEMENT * width;
    let i = 0;
    for (; i + many <= end; i += many) insertMany.run(values.slice(i, i + many));
    for (; i < end; i += width) insertOne.run(values.slice(i, i + width));
  });
  const flush = () => {
    if (!n) return;
    options.beforeCommit?.();
    write(n);
    n = 0;
  };
  return {
    add(r, raw) {
      values[n++] = r.dataset;
      values[n++] = r.line;
      values[n++] = text(r.key);
      values[n++] = text(r.txId);
      // Prisma's own text form of a DateTime on SQLite, so rows read back like any other.
      values[n++] = r.at === null ? null : new Date(r.at).toISOString().replace('Z', '+00:00');
      values[n++] = r.date;
      values[n++] = amountOf(r);
      values[n++] = r.currency;
      values[n++] = text(r.status);
      values[n++] = text(r.code);
      values[n++] = text(attrsOf(r));
      values[n++] = text(raw);
      if (n >= values.length) flush();
    },
    async close() {
      try {
        flush();
      } finally {
        conn.close();
      }
    },
    async abort() {
      n = 0;
      conn.close();
    },
  };
}
