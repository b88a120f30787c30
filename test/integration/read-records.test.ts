import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyGroups, type KeyScope } from '@/lib/features/runs/read-records';
import { keyBounds, largestSource, rangesOf } from '@/lib/server/db/key-bounds';
import { closeBulkWriters, insertRecords, type RecordRow } from '@/lib/server/db/record-insert';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

/**
 * keyGroups reads a source's records in keyset pages of 2,000 ((key, id) order): on SQLite by a prepared
 * statement of its own, on PostgreSQL through Prisma. Against every record read at once and filtered
 * here by the same rules: the run's ingestions and its webhook records up to the last one it counts
 * (not another ingestion's, not a later webhook's), its date range, a key list, a key range, a
 * partition's range (after, upTo]; each record once, keys in order, each key's snapshots by time.
 */
describe.each(DATABASE_KINDS)('reading a source\'s records by key on %s', (kind) => {
  const KEYS = 2_600;
  let db: TestDatabase;
  let sourceId: string;
  let counted: string[];
  let webhookMax: number;
  type Row = { id: number; key: string; ingestionId: string | null; date: string | null; amountMinor: bigint; status: string; line: number | null; occurredAt: Date | null };
  let all: Row[];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    const s = await db.prisma.source.create({ data: { name: 'Gateway', kind: 'gateway' } });
    sourceId = s.id;
    const v = await db.prisma.sourceProfileVersion.create({ data: { sourceId, version: 1, profile: '{}' } });
    const ingestions = [];
    for (let i = 0; i < 3; i++) ingestions.push(await db.prisma.ingestion.create({ data: { sourceId, profileVersionId: v.id, channel: 'upload', status: 'committed', createdAt: new Date(Date.UTC(2024, 6, 1 + i)) } }));
    counted = [ingestions[0]!.id, ingestions[1]!.id]; // the third is not the run's
    const row = (ingestionId: string | null, i: number, copy: number): RecordRow => {
      const key = `K${String(i).padStart(5, '0')}`;
      return {
        sourceId, ingestionId, profileVersionId: v.id, dataset: 'payments', line: ingestionId ? i + 2 : null, key, txId: key,
        occurredAt: ingestionId ? null : new Date(Date.UTC(2024, 7, 1, 0, 0, copy)),
        date: i % 7 === 0 ? null : `2024-07-${String(1 + (i % 28)).padStart(2, '0')}`,
        amountMinor: 100 + i + copy, currency: 'USD', status: copy % 2 ? 'Failed' : 'Paid', code: `c${copy}`, attrs: null, raw: null, fileSha256: null,
      };
    };
    const rows: RecordRow[] = [];
    // Keys in reverse order, the copies far apart (ids not adjacent to their key's other records).
    for (const [c, ing] of ingestions.entries()) for (let i = KEYS - 1; i >= 0; i -= c + 1) rows.push(row(ing.id, i, c));
    for (let i = 0; i < KEYS; i += 3) rows.push(row(null, i, 5));
    await insertRecords(db.prisma, rows);
    // Webhook records up to here count; one written after does not.
    webhookMax = (await db.prisma.sourceRecord.aggregate({ where: { sourceId }, _max: { id: true } }))._max.id!;
    await insertRecords(db.prisma, [row(null, 4, 6), row(null, 5, 6)]);
    all = (await db.prisma.sourceRecord.findMany({ where: { sourceId }, select: { id: true, key: true, ingestionId: true, date: true, amountMinor: true, status: true, line: true, occurredAt: true } })) as Row[];
  }, 120_000);
  afterAll(async () => {
    await closeBulkWriters();
    await db?.drop();
  });

  const src = () => ({ sourceId, name: 'Gateway', kind: 'gateway', ingestionIds: counted, profileVersions: [], webhookMaxRecordId: webhookMax });
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const inScope = (key: string, keys: KeyScope): boolean => {
    if (keys === null) return true;
    if ('first' in keys) return key >= keys.first && key <= keys.last;
    if ('upTo' in keys) return (keys.after === null || key > keys.after) && (keys.upTo === null || key <= keys.upTo);
    return keys.includes(key);
  };

  async function read(range: { dateFrom: string | null; dateTo: string | null }, keys: KeyScope) {
    const out: { key: string; ids: number[]; snapshots: number; amounts: number[]; at: (number | null)[] }[] = [];
    for await (const g of keyGroups(db.prisma, src(), range, keys)) {
      const recs = g.snapshots.flatMap((s) => s.records);
      out.push({ key: g.key, ids: recs.map((r) => r.id).sort((x, y) => x - y), snapshots: g.snapshots.length, amounts: g.snapshots[g.snapshots.length - 1]!.records.map((r) => r.rec.amount), at: recs.map((r) => r.rec.at) });
    }
    return out;
  }

  function expected(range: { dateFrom: string | null; dateTo: string | null }, keys: KeyScope) {
    const kept = all.filter(
      (r) =>
        ((r.ingestionId !== null && counted.includes(r.ingestionId)) || (r.ingestionId === null && r.id <= webhookMax)) &&
        (!range.dateFrom || (r.date !== null && r.date >= range.dateFrom)) &&
        (!range.dateTo || (r.date !== null && r.date <= range.dateTo)) &&
        inScope(r.key, keys),
    );
    const byKey = new Map<string, Row[]>();
    for (const r of kept) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
    return [...byKey.keys()].sort(cmp).map((key) => {
      const rs = byKey.get(key)!;
      const origins = new Set(rs.map((r) => r.ingestionId ?? `event:${r.id}`));
      return { key, ids: rs.map((r) => r.id).sort((x, y) => x - y), snapshots: origins.size };
    });
  }

  it.each([
    ['every key', { dateFrom: null, dateTo: null }, null],
    ['a date range', { dateFrom: '2024-07-05', dateTo: '2024-07-20' }, null],
    ['a key range', { dateFrom: null, dateTo: null }, { first: 'K00100', last: 'K02450' }],
    ['a key list', { dateFrom: null, dateTo: null }, ['K00004', 'K00005', 'K00009', 'K02599', 'K99999', 'K00003']],
    ['a first partition', { dateFrom: null, dateTo: null }, { after: null, upTo: 'K00900' }],
    ['a middle partition', { dateFrom: '2024-07-02', dateTo: null }, { after: 'K00900', upTo: 'K01799' }],
    ['a last partition', { dateFrom: null, dateTo: null }, { after: 'K01799', upTo: null }],
  ] as const)('reads %s: every record once, keys in order', async (_name, range, keys) => {
    const got = await read(range, keys as KeyScope);
    const want = expected(range, keys as KeyScope);
    expect(want.length).toBeGreaterThan(0);
    expect(got.map(({ key, ids, snapshots }) => ({ key, ids, snapshots }))).toEqual(want);
  });

  it('gives each key its latest snapshot\'s records, webhook times as the records say', async () => {
    const got = await read({ dateFrom: null, dateTo: null }, ['K00000', 'K00001', 'K00003']);
    // K00000: the first ingestion and a webhook record (the third ingestion is not the run's); K00001 both
    // ingestions, the second the latest; K00003 both and a webhook record of August, the latest.
    expect(got.map((g) => [g.key, g.snapshots, g.amounts])).toEqual([
      ['K00000', 2, [105]],
      ['K00001', 2, [102]],
      ['K00003', 3, [108]],
    ]);
    expect(got[0]!.at).toContain(Date.UTC(2024, 7, 1, 0, 0, 5));
  });

  it('splits the keys into ranges that together read every record once, in order', async () => {
    const bounds = await keyBounds(db.prisma, await largestSource(db.prisma, [sourceId]), 3);
    expect(bounds).toHaveLength(2);
    expect(bounds[0]! < bounds[1]!).toBe(true);
    const parts = [];
    for (const r of rangesOf(bounds)) parts.push(await read({ dateFrom: null, dateTo: null }, r));
    expect(parts.every((p) => p.length > KEYS / 5)).toBe(true);
    expect(parts.flat()).toEqual(await read({ dateFrom: null, dateTo: null }, null));
    // More parts than records: no split.
    expect(await keyBounds(db.prisma, { sourceId, n: 2 }, 3)).toEqual([]);
  });
});
