import { type NormalizedRecord, type Status } from '@/lib/reconcile';
import { clientTarget, type DbClient as Client } from '@/lib/server/db/client';
import { withSqliteWriterConnection, writerFor } from '@/lib/server/db/record-insert';
import { type ResolvedInputs } from './start-run';
import { READ_BATCH } from './settings';
import { type KeyRange } from '@/lib/server/db/key-bounds';

type Snapshot = { at: number; records: { id: number; rec: NormalizedRecord }[] };
type RecordRow = { id: number; ingestionId: string | null; eventId: string | null; key: string; line: number | null; occurredAt: Date | null; date: string | null; amountMinor: bigint | number; currency: string; status: string; code: string };

const RECORD_COLUMNS = '"id", "ingestionId", "eventId", "key", "line", "occurredAt", "date", "amountMinor", "currency", "status", "code"';

/**
 * One page of keyGroups' read: the same rows, order and keyset as a Prisma query would give, by one SQL
 * statement on the bulk writer's own connection (SQLite: a prepared statement, Prisma's findMany took
 * 4x as long for the same 200k rows, 57 s of a 1M-key pass's records phase; PostgreSQL: its pool).
 * Lists go in as one parameter (a JSON array on SQLite, a text array on PostgreSQL).
 */
async function recordPage(
  db: Client,
  q: { sourceId: string; ingestionIds: string[]; webhookMaxRecordId: number | null; dateFrom: string | null; dateTo: string | null; keys: KeyScope; after: { key: string; id: number } | null },
): Promise<RecordRow[]> {
  const pg = clientTarget(db).kind === 'postgres';
  const params: (string | number | string[])[] = [];
  const p = (value: string | number) => (params.push(value), pg ? `$${params.length}` : '?');
  const list = (values: readonly string[]) => (pg ? (params.push([...values]), `= ANY($${params.length}::text[])`) : `IN (SELECT value FROM json_each(${p(JSON.stringify(values))}))`);
  const where = [`"sourceId" = ${p(q.sourceId)}`];
  const origin: string[] = [];
  if (q.ingestionIds.length) origin.push(`"ingestionId" ${list(q.ingestionIds)}`);
  if (q.webhookMaxRecordId !== null) origin.push(`("ingestionId" IS NULL AND "id" <= ${p(q.webhookMaxRecordId)})`);
  where.push(`(${origin.join(' OR ')})`);
  if (q.dateFrom) where.push(`"date" >= ${p(q.dateFrom)}`);
  if (q.dateTo) where.push(`"date" <= ${p(q.dateTo)}`);
  const keys = q.keys;
  if (keys === null) {
    // every key
  } else if ('first' in keys) {
    where.push(`"key" >= ${p(keys.first)} AND "key" <= ${p(keys.last)}`);
  } else if ('upTo' in keys) {
    if (keys.after !== null) where.push(`"key" > ${p(keys.after)}`);
    if (keys.upTo !== null) where.push(`"key" <= ${p(keys.upTo)}`);
  } else {
    where.push(`"key" ${list(keys)}`);
  }
  // The keyset's leading column also as a plain lower bound: PostgreSQL makes it an index condition.
  if (q.after) where.push(`"key" >= ${p(q.after.key)} AND ("key" > ${p(q.after.key)} OR "id" > ${p(q.after.id)})`);
  // PostgreSQL: the instant as epoch milliseconds (node-pg would read a timestamp without time zone as local time).
  const columns = pg ? RECORD_COLUMNS.replace('"occurredAt"', '(EXTRACT(EPOCH FROM "occurredAt") * 1000)::float8 AS "occurredAt"') : RECORD_COLUMNS;
  const sql = `SELECT ${columns} FROM "SourceRecord" WHERE ${where.join(' AND ')} ORDER BY "key", "id" LIMIT ${READ_BATCH}`;
  type Raw = Omit<RecordRow, 'occurredAt'> & { occurredAt: string | number | null };
  // Prisma stores a DateTime as ISO text on SQLite (older rows: milliseconds).
  const rows = (raw: Raw[]): RecordRow[] => raw.map((r) => ({ ...r, occurredAt: r.occurredAt === null ? null : new Date(r.occurredAt) }));
  if (pg) {
    const writer = writerFor(db);
    if (writer.kind !== 'postgres') throw new Error('recordPage: no PostgreSQL writer.');
    return rows((await writer.pool.query<Raw>(sql, params)).rows);
  }
  return withSqliteWriterConnection(db, async (conn) => rows(conn.prepare(sql).all(...params) as Raw[]));
}

/**
 * Streams one source's records per key in key order, from the run's committed ingestions and
 * webhook records. Per key the latest snapshot (by ingestion time or webhook event time) is
 * what the engine sees; the older ones feed the status-progression check.
 */
/** Which keys a read covers: a list, an inclusive range, a partition's range (after, upTo], or every key (null). */
export type KeyScope = readonly string[] | { first: string; last: string } | KeyRange | null;

export async function* keyGroups(
  db: Client,
  src: ResolvedInputs['sources'][number],
  range: { dateFrom: string | null; dateTo: string | null },
  /** Only these keys (a ledger pass over what an ingestion touched), or a key range (a full pass's chunk, a partition); null: every key. */
  keys: KeyScope = null,
): AsyncGenerator<{ key: string; snapshots: Snapshot[] }> {
  const ingestions = await db.ingestion.findMany({ where: { id: { in: src.ingestionIds } }, select: { id: true, createdAt: true } });
  const ingestionAt = new Map(ingestions.map((i) => [i.id, i.createdAt.getTime()]));
  const eventAt = new Map<string, number>();
  if (src.webhookMaxRecordId !== null) {
    const events = await db.webhookEvent.findMany({ where: { sourceId: src.sourceId }, select: { eventId: true, eventAt: true } });
    for (const e of events) eventAt.set(e.eventId, e.eventAt.getTime());
  }
  if (!src.ingestionIds.length && src.webhookMaxRecordId === null) return;
  let current: { key: string; byOrigin: Map<string, Snapshot> } | null = null;
  const finish = (g: { key: string; byOrigin: Map<string, Snapshot> }) => ({
    key: g.key,
    snapshots: [...g.byOrigin.values()].sort((a, b) => a.at - b.at || a.records[0]!.id - b.records[0]!.id),
  });
  let lastKey: string | null = null;
  let lastId = 0;
  for (;;) {
    // The keyset's leading column also goes in as a plain lower bound (key >= last): PostgreSQL
    // makes that an index condition, whereas under the OR alone it scanned the source's index
    // from the start on every page (quadratic: 5.5 s a page at 900k of 1M keys).
    const rows = await recordPage(db, { sourceId: src.sourceId, ingestionIds: src.ingestionIds, webhookMaxRecordId: src.webhookMaxRecordId, dateFrom: range.dateFrom, dateTo: range.dateTo, keys, after: lastKey === null ? null : { key: lastKey, id: lastId } });
    for (const r of rows) {
      if (!current || current.key !== r.key) {
        if (current) yield finish(current);
        current = { key: r.key, byOrigin: new Map() };
      }
      const originId = r.ingestionId ?? `event:${r.eventId ?? r.id}`;
      const at = r.ingestionId ? (ingestionAt.get(r.ingestionId) ?? 0) : (eventAt.get(r.eventId ?? '') ?? r.occurredAt?.getTime() ?? 0);
      let snap = current.byOrigin.get(originId);
      if (!snap) current.byOrigin.set(originId, (snap = { at, records: [] }));
      snap.records.push({
        id: r.id,
        rec: {
          key: r.key,
          ...(r.line ? { line: r.line } : {}),
          at: r.occurredAt ? r.occurredAt.getTime() : null,
          date: r.date,
          amount: Number(r.amountMinor),
          currency: r.currency,
          status: r.status as Status,
          code: r.code,
        },
      });
    }
    if (rows.length < READ_BATCH) break;
    const last = rows[rows.length - 1]!;
    lastKey = last.key;
    lastId = last.id;
  }
  if (current) yield finish(current);
}
