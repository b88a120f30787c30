import { type NormalizedRecord, type Status } from '@/lib/reconcile';
import { clientTarget, type DbClient as Client } from '@/lib/server/db/client';
import { withSqliteWriterConnection } from '@/lib/server/db/record-insert';
import { type ResolvedInputs } from './start-run';
import { type Prisma } from '@/lib/generated/sqlite/client';
import { READ_BATCH } from './settings';

type Snapshot = { at: number; records: { id: number; rec: NormalizedRecord }[] };
type RecordRow = { id: number; ingestionId: string | null; eventId: string | null; key: string; line: number | null; occurredAt: Date | null; date: string | null; amountMinor: bigint | number; currency: string; status: string; code: string };

const RECORD_COLUMNS = '"id", "ingestionId", "eventId", "key", "line", "occurredAt", "date", "amountMinor", "currency", "status", "code"';

/**
 * One page of keyGroups' read on SQLite: the same rows, order and keyset as its Prisma query, by one
 * prepared statement on the bulk writer's own connection (Prisma's findMany took 4x as long for the
 * same 200k rows: 57 s of a 1M-key pass's records phase). Lists go in as one JSON parameter.
 */
async function sqliteRecordPage(
  db: Client,
  q: { sourceId: string; ingestionIds: string[]; webhookMaxRecordId: number | null; dateFrom: string | null; dateTo: string | null; keys: KeyScope; bucket: number | null; after: { key: string; id: number } | null },
): Promise<RecordRow[]> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const and = (condition: string, ...values: (string | number)[]) => {
    where.push(condition);
    params.push(...values);
  };
  and('"sourceId" = ?', q.sourceId);
  const origin: string[] = [];
  const originParams: (string | number)[] = [];
  if (q.ingestionIds.length) {
    origin.push('"ingestionId" IN (SELECT value FROM json_each(?))');
    originParams.push(JSON.stringify(q.ingestionIds));
  }
  if (q.webhookMaxRecordId !== null) {
    origin.push('("ingestionId" IS NULL AND "id" <= ?)');
    originParams.push(q.webhookMaxRecordId);
  }
  and(`(${origin.join(' OR ')})`, ...originParams);
  if (q.dateFrom) and('"date" >= ?', q.dateFrom);
  if (q.dateTo) and('"date" <= ?', q.dateTo);
  if (q.keys !== null) {
    if ('first' in q.keys) and('"key" >= ? AND "key" <= ?', q.keys.first, q.keys.last);
    else and('"key" IN (SELECT value FROM json_each(?))', JSON.stringify(q.keys));
  }
  if (q.bucket !== null) and('"keyBucket" = ?', q.bucket);
  if (q.after) and('"key" >= ? AND ("key" > ? OR "id" > ?)', q.after.key, q.after.key, q.after.id);
  const sql = `SELECT ${RECORD_COLUMNS} FROM "SourceRecord" WHERE ${where.join(' AND ')} ORDER BY "key", "id" LIMIT ${READ_BATCH}`;
  return withSqliteWriterConnection(db, async (conn) =>
    (conn.prepare(sql).all(...params) as (Omit<RecordRow, 'occurredAt'> & { occurredAt: string | number | null })[]).map((r) => ({
      ...r,
      // Prisma stores a DateTime as ISO text on SQLite (older rows: milliseconds).
      occurredAt: r.occurredAt === null ? null : new Date(r.occurredAt),
    })),
  );
}

/**
 * Streams one source's records per key in key order, from the run's committed ingestions and
 * webhook records. Per key the latest snapshot (by ingestion time or webhook event time) is
 * what the engine sees; the older ones feed the status-progression check.
 */
/** Which keys a read covers: a list, an inclusive range, or every key (null). */
export type KeyScope = readonly string[] | { first: string; last: string } | null;

export async function* keyGroups(
  db: Client,
  src: ResolvedInputs['sources'][number],
  range: { dateFrom: string | null; dateTo: string | null },
  /** A partition's key buckets (null: every key). */
  buckets: number[] | null = null,
  /** Only these keys (a ledger pass over what an ingestion touched), or a key range (a full pass's chunk); null: every key. */
  keys: KeyScope = null,
): AsyncGenerator<{ key: string; snapshots: Snapshot[] }> {
  const ingestions = await db.ingestion.findMany({ where: { id: { in: src.ingestionIds } }, select: { id: true, createdAt: true } });
  const ingestionAt = new Map(ingestions.map((i) => [i.id, i.createdAt.getTime()]));
  const eventAt = new Map<string, number>();
  if (src.webhookMaxRecordId !== null) {
    const events = await db.webhookEvent.findMany({ where: { sourceId: src.sourceId }, select: { eventId: true, eventAt: true } });
    for (const e of events) eventAt.set(e.eventId, e.eventAt.getTime());
  }
  const origin: Prisma.SourceRecordWhereInput[] = [];
  if (src.ingestionIds.length) origin.push({ ingestionId: { in: src.ingestionIds } });
  if (src.webhookMaxRecordId !== null) origin.push({ ingestionId: null, id: { lte: src.webhookMaxRecordId } });
  if (!origin.length) return;
  const base: Prisma.SourceRecordWhereInput = {
    sourceId: src.sourceId,
    OR: origin,
    ...(range.dateFrom || range.dateTo ? { date: { ...(range.dateFrom ? { gte: range.dateFrom } : {}), ...(range.dateTo ? { lte: range.dateTo } : {}) } } : {}),
    ...(keys === null ? {} : 'first' in keys ? { key: { gte: keys.first, lte: keys.last } } : { key: { in: [...keys] } }),
  };
  const sqlite = clientTarget(db).kind === 'sqlite';
  let current: { key: string; byOrigin: Map<string, Snapshot> } | null = null;
  const finish = (g: { key: string; byOrigin: Map<string, Snapshot> }) => ({
    key: g.key,
    snapshots: [...g.byOrigin.values()].sort((a, b) => a.at - b.at || a.records[0]!.id - b.records[0]!.id),
  });
  // A partition reads its buckets one at a time, in order, keys in order within each (the
  // (sourceId, keyBucket, key) index): the same order as (keyBucket, key, id) over all of them.
  // With `keyBucket IN (...)` and a keyset on the bucket instead, PostgreSQL's index condition was
  // only `keyBucket >= last`: every page walked the other partitions' buckets too, fetching each
  // of their rows from the table to test it (a 20-partition run of 20M records: 3 minutes a
  // partition, most of it in PostgreSQL).
  for (const bucket of buckets ? [...buckets].sort((a, b) => a - b) : [null]) {
    const where0: Prisma.SourceRecordWhereInput = bucket === null ? base : { AND: [base, { keyBucket: bucket }] };
    let lastKey: string | null = null;
    let lastId = 0;
    for (;;) {
      // The keyset's leading column also goes in as a plain lower bound (key >= last): PostgreSQL
      // makes that an index condition, whereas under the OR alone it scanned the source's index
      // from the start on every page (quadratic: 5.5 s a page at 900k of 1M keys).
      const where: Prisma.SourceRecordWhereInput =
        lastKey === null ? where0 : { AND: [where0, { key: { gte: lastKey } }, { OR: [{ key: { gt: lastKey } }, { id: { gt: lastId } }] }] };
      const rows: RecordRow[] = sqlite
        ? await sqliteRecordPage(db, { sourceId: src.sourceId, ingestionIds: src.ingestionIds, webhookMaxRecordId: src.webhookMaxRecordId, dateFrom: range.dateFrom, dateTo: range.dateTo, keys, bucket, after: lastKey === null ? null : { key: lastKey, id: lastId } })
        : await db.sourceRecord.findMany({
            where,
            orderBy: [{ key: 'asc' }, { id: 'asc' }],
            take: READ_BATCH,
            select: { id: true, ingestionId: true, eventId: true, key: true, line: true, occurredAt: true, date: true, amountMinor: true, currency: true, status: true, code: true },
          });
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
  }
  if (current) yield finish(current);
}
