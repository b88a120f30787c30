import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun } from '@/lib/features/runs';
import { closeBulkWriters, insertRecords, type RecordRow } from '@/lib/server/db/record-insert';
import { type Actor as ReviewActor } from '@/lib/domain/actor';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { makeActor } from './review-fixtures';

/**
 * A run reads each source in keyset pages of 2,000 records ((key, id), within its key range in a
 * partition). With three records a key at the gateway, page boundaries fall inside a key's records:
 * every record must still be read exactly once, whole and split.
 */
describe.each(DATABASE_KINDS)('run reads across page boundaries on %s', (kind) => {
  const KEYS = 2_345;
  let db: TestDatabase;
  let analyst: ReviewActor;
  let sourceIds: string[];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    analyst = await makeActor(db.prisma, 'analyst');
    sourceIds = [];
    for (const [name, kind_, copies] of [['Gateway', 'gateway', 3], ['Bank', 'bank', 1]] as const) {
      const s = await db.prisma.source.create({ data: { name, kind: kind_ } });
      const v = await db.prisma.sourceProfileVersion.create({ data: { sourceId: s.id, version: 1, profile: '{}' } });
      const ing = await db.prisma.ingestion.create({ data: { sourceId: s.id, profileVersionId: v.id, channel: 'upload', status: 'committed' } });
      sourceIds.push(s.id);
      const rows: RecordRow[] = [];
      // Copies of a key are written far apart (ids not adjacent), keys in reverse order.
      for (let c = 0; c < copies; c++) {
        for (let i = KEYS - 1; i >= 0; i--) {
          const key = `K${String(i).padStart(6, '0')}`;
          rows.push({ sourceId: s.id, ingestionId: ing.id, profileVersionId: v.id, dataset: 'payments', line: rows.length + 2, key, txId: key, occurredAt: null, date: '2024-07-01', amountMinor: 100 + i, currency: 'USD', status: 'Paid', code: 'paid', attrs: null, raw: null, fileSha256: null });
        }
      }
      await insertRecords(db.prisma, rows);
    }
  }, 120_000);
  afterAll(async () => {
    await closeBulkWriters();
    await db?.drop();
  });

  it.each([1, 2])('reads every record once with %i partition(s)', async (partitions) => {
    const run = await startRun({ sources: sourceIds.map((sourceId) => ({ sourceId })) }, analyst, { db: db.prisma, wait: true, partitions });
    const r = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id } });
    expect(r.status).toBe('completed');
    expect(r.totalKeys).toBe(KEYS);
    expect(r.duplicate).toBe(KEYS);
    const counts = (await db.prisma.runResult.findMany({ where: { runId: run.id }, select: { detail: true } })).map(
      (x) => (JSON.parse(x.detail) as { sources: { count: number }[] }).sources.map((s) => s.count).join('/'),
    );
    expect(counts).toHaveLength(KEYS);
    expect(new Set(counts)).toEqual(new Set(['3/1']));
  });
});
