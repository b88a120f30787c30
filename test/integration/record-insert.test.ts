import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBulkWriters, insertRecords, pgLiteral, sqliteLiteral, type RecordRow } from '@/lib/server/db/record-insert';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

/** The bulk writer (literal INSERTs on SQLite, COPY on PostgreSQL) must store any text exactly. */
describe.each(DATABASE_KINDS)('bulk record writer on %s', (kind) => {
  let db: TestDatabase;
  let base: Pick<RecordRow, 'sourceId' | 'profileVersionId'>;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    const source = await db.prisma.source.create({ data: { name: 'gateway', kind: 'gateway' } });
    const version = await db.prisma.sourceProfileVersion.create({ data: { sourceId: source.id, version: 1, profile: '{}' } });
    base = { sourceId: source.id, profileVersionId: version.id };
  });
  afterAll(async () => {
    await closeBulkWriters();
    await db?.drop();
  });

  const HOSTILE = [
    '', ' ', '"', '""', "'", "''); DROP TABLE \"SourceRecord\"; --", 'a,b', 'line\nbreak', 'cr\r\nlf', 'tab\there', '\\N', '\\', 'back\\slash',
    '=HYPERLINK("http://x")', 'ünïcødé €', '😀 emoji', 'x'.repeat(70_000),
  ];

  it('round-trips hostile text, NULLs, negative amounts and dates exactly', async () => {
    const rows: RecordRow[] = HOSTILE.map((text, i) => ({
      ...base,
      ingestionId: null,
      dataset: 'payments',
      line: i % 2 ? i + 2 : null,
      eventId: null,
      fileSha256: null,
      key: `k-${i}-${text.slice(0, 20)}`,
      txId: text,
      occurredAt: i % 3 ? new Date(Date.UTC(2024, 1, 29, 23, 59, 59, i)) : null,
      date: i % 3 ? '2024-02-29' : null,
      amountMinor: i % 2 ? -(10 ** 12) - i : BigInt(i),
      currency: 'EUR',
      status: 'Paid',
      code: text.slice(0, 100),
      attrs: i % 2 ? JSON.stringify({ note: text.slice(0, 100) }) : null,
      raw: text,
    }));
    await insertRecords(db.prisma, rows);
    const back = await db.prisma.sourceRecord.findMany({ orderBy: { id: 'asc' } });
    expect(back).toHaveLength(rows.length);
    back.forEach((b, i) => {
      const r = rows[i]!;
      expect({ txId: b.txId, raw: b.raw, code: b.code, attrs: b.attrs, key: b.key, line: b.line, date: b.date }).toEqual({
        txId: r.txId, raw: r.raw, code: r.code, attrs: r.attrs, key: r.key, line: r.line, date: r.date,
      });
      expect(b.amountMinor).toBe(BigInt(r.amountMinor));
      expect(b.occurredAt?.toISOString() ?? null).toBe(r.occurredAt?.toISOString() ?? null);
    });
  });

  it('quotes hostile text as a literal that reads back exactly (the bulk settlement of automatic resolutions)', async () => {
    const literal = kind === 'postgres' ? pgLiteral : sqliteLiteral;
    for (const text of [...HOSTILE, 'nul\u0000inside']) {
      const rows = await db.prisma.$queryRawUnsafe<{ v: string }[]>(`SELECT ${literal(text)} AS v`);
      expect(rows[0]?.v).toBe(text.replace(/\u0000/g, '\ufffd'));
    }
    expect(literal(null)).toBe('NULL');
    expect(() => literal(Number.NaN)).toThrow(/Cannot store/);
  });

  it('writes all of a batch or none of it when one row is out of range', async () => {
    const before = await db.prisma.sourceRecord.count();
    const ok = (i: number): RecordRow => ({
      ...base, ingestionId: null, dataset: 'payments', line: i, eventId: null, fileSha256: null, key: `batch-${i}`, txId: `t${i}`,
      occurredAt: null, date: null, amountMinor: 100, currency: 'EUR', status: 'Paid', code: 'ok', attrs: null, raw: null,
    });
    const rows = Array.from({ length: 5000 }, (_, i) => ok(i));
    rows[4321] = { ...ok(4321), amountMinor: 2n ** 60n };
    await expect(insertRecords(db.prisma, rows)).rejects.toThrow(/outside the supported range/);
    expect(await db.prisma.sourceRecord.count()).toBe(before);
  });
});
