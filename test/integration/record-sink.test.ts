import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestRecord } from '@/lib/domain/records';
import { closeBulkWriters, insertRecords, toRecordRow } from '@/lib/server/db/record-insert';
import { openRecordSink } from '@/lib/server/db/record-sink';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

const HOSTILE = [
  '', ' ', '"', '""', "'", "''); DROP TABLE \"SourceRecord\"; --", 'a,b', 'line\nbreak', 'cr\r\nlf', 'tab\there', '\\N', '\\', 'back\\slash',
  'nul\u0000inside', '=HYPERLINK("http://x")', 'ünïcødé €', '😀 emoji', 'x'.repeat(70_000),
];

function records(): IngestRecord[] {
  return HOSTILE.map((text, i) => ({
    dataset: i % 5 === 4 ? 'deals' : 'payments',
    key: `K-${i}-${text.slice(0, 20)}`,
    txId: text,
    line: i + 2,
    at: i % 3 ? Date.UTC(2024, 1, 29, 23, 59, 59, i) : null,
    date: i % 3 ? '2024-02-29' : null,
    amount: i % 2 ? -(10 ** 12) - i : i,
    currency: 'EUR',
    status: i % 4 ? 'Paid' : 'Unknown',
    code: text.slice(0, 100),
    attrs: (i % 2 ? { note: text.slice(0, 100), campaign: 'Q1' } : {}) as Record<string, string>,
  }));
}

/** Everything a record says, in a form both databases read back the same way. */
const facts = (r: Record<string, unknown>) => {
  const { id: _id, ingestionId: _ingestion, ...rest } = r;
  return { ...rest, occurredAt: (r.occurredAt as Date | null)?.toISOString() ?? null };
};

/**
 * The ingestion's bulk path (a COPY stream on PostgreSQL, one prepared statement on SQLite) must store
 * exactly what the general writer stores for the same records: the same ledger from the fast and the
 * slow path.
 */
describe.each(DATABASE_KINDS)('record sink on %s', (kind) => {
  let db: TestDatabase;
  let source: { id: string };
  let version: { id: string };
  const ingestion = async () => (await db.prisma.ingestion.create({ data: { sourceId: source.id, profileVersionId: version.id, channel: 'upload', status: 'processing' } })).id;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    source = await db.prisma.source.create({ data: { name: 'gateway', kind: 'gateway' } });
    version = await db.prisma.sourceProfileVersion.create({ data: { sourceId: source.id, version: 1, profile: '{}' } });
  });
  afterAll(async () => {
    await closeBulkWriters();
    await db?.drop();
  });

  it('stores every record, hostile text included, exactly as the general writer does', async () => {
    const slowId = await ingestion();
    const fastId = await ingestion();
    const sha = 'ab'.repeat(32);
    const input = records();
    await insertRecords(
      db.prisma,
      input.map((r) => toRecordRow(r, { sourceId: source.id, profileVersionId: version.id, ingestionId: slowId, fileSha256: sha, eventId: null, line: r.line }, `{"raw":${JSON.stringify(r.txId)}}`)),
    );
    const sink = await openRecordSink(db.prisma, { sourceId: source.id, profileVersionId: version.id, ingestionId: fastId, fileSha256: sha });
    for (const r of input) await sink.add(r, `{"raw":${JSON.stringify(r.txId)}}`);
    await sink.close();
    const slow = await db.prisma.sourceRecord.findMany({ where: { ingestionId: slowId }, orderBy: { id: 'asc' } });
    const fast = await db.prisma.sourceRecord.findMany({ where: { ingestionId: fastId }, orderBy: { id: 'asc' } });
    expect(fast).toHaveLength(input.length);
    expect(fast.map(facts)).toEqual(slow.map(facts));
    // Spot checks that the comparison compares something: NUL is stored as U+FFFD, as everywhere.
    expect(fast.find((r) => r.txId.startsWith('nul'))?.txId).toBe('nul\ufffdinside');
    expect(fast.filter((r) => r.occurredAt === null)).toHaveLength(input.filter((r) => r.at === null).length);
  });

  it('refuses an amount beyond the safe integer range, naming it', async () => {
    const sink = await openRecordSink(db.prisma, { sourceId: source.id, profileVersionId: version.id, ingestionId: await ingestion(), fileSha256: null });
    const [r] = records();
    await expect(async () => sink.add({ ...r!, amount: 2 ** 60 }, null)).rejects.toThrow(/outside the supported range/);
    await sink.abort();
  });

  it('an aborted sink leaves nothing it was sent on PostgreSQL, and stops on SQLite', async () => {
    const id = await ingestion();
    const sink = await openRecordSink(db.prisma, { sourceId: source.id, profileVersionId: version.id, ingestionId: id, fileSha256: null });
    // Enough rows for PostgreSQL to have received several chunks before the abort.
    const [r] = records();
    for (let i = 0; i < 30_000; i++) await sink.add({ ...r!, key: `A-${i}`, txId: `tx-${i}`.padEnd(60, '.') }, null);
    await sink.abort(new Error('stopped by the test'));
    const kept = await db.prisma.sourceRecord.count({ where: { ingestionId: id } });
    if (kind === 'postgres') expect(kept).toBe(0);
    else expect(kept % 20_000).toBe(0); // whole batches only: never half a batch
  });
});
