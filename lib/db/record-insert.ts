import { clientKind, type PrismaClient } from './client';

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

const COLUMNS = [
  'sourceId', 'ingestionId', 'profileVersionId', 'dataset', 'line', 'eventId', 'fileSha256', 'key', 'txId',
  'occurredAt', 'date', 'amountMinor', 'currency', 'status', 'code', 'attrs', 'raw',
] as const;

/** Prisma's own text form of a DateTime in SQLite, so rows written here read back like any other. */
function sqliteDate(d: Date): string {
  return d.toISOString().replace('Z', '+00:00');
}

/**
 * Bulk insert of records in one multi-row INSERT. Prisma's createMany spends most of
 * its time building the query (measured: 10,000 rows in 3.5 s against 0.25 s here), and
 * ingestion writes millions of rows. Values are always bound parameters, never spliced.
 */
export async function insertRecords(db: Pick<PrismaClient, '$executeRawUnsafe'>, rows: readonly RecordRow[]): Promise<void> {
  if (!rows.length) return;
  const postgres = clientKind(db) === 'postgres';
  const params: unknown[] = [];
  const tuples: string[] = [];
  for (const r of rows) {
    const values = [
      r.sourceId, r.ingestionId, r.profileVersionId, r.dataset, r.line, r.eventId ?? null, r.fileSha256, r.key, r.txId,
      r.occurredAt ? (postgres ? r.occurredAt : sqliteDate(r.occurredAt)) : null,
      r.date, Number(r.amountMinor), r.currency, r.status, r.code, r.attrs, r.raw,
    ];
    const start = params.length;
    params.push(...values);
    tuples.push(`(${values.map((_, i) => (postgres ? `$${start + i + 1}` : '?')).join(',')})`);
  }
  const sql = `INSERT INTO "SourceRecord" (${COLUMNS.map((c) => `"${c}"`).join(',')}) VALUES ${tuples.join(',')}`;
  await db.$executeRawUnsafe(sql, ...params);
}
