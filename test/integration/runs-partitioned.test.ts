import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun } from '@/lib/features/runs';
import { PgBossQueue, type JobQueue } from '@/lib/server/jobs';
import { type Actor as ReviewActor } from '@/lib/domain/actor';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { makeActor } from './review-fixtures';
import { runFigures, runRows, seedRunData } from './runs-partitioned-fixtures';

/**
 * A run split into key ranges (partitions), each worked as its own job and merged at the
 * end, gives exactly the single-partition run: the same result row per key (class, reasons,
 * severity, action, statuses, amounts, detail with snapshots and progression violations, automatic
 * resolutions) and the same summary. On PostgreSQL the partitions are worked in parallel by two
 * pg-boss queue instances, standing for two worker processes.
 */
describe.each(DATABASE_KINDS)('partitioned runs on %s', (kind) => {
  let db: TestDatabase;
  let analyst: ReviewActor;
  let sourceIds: string[];
  const queues: JobQueue[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    analyst = await makeActor(db.prisma, 'analyst');
    ({ sourceIds } = await seedRunData(db.prisma, { keys: 1200 }));
    if (kind === 'postgres') {
      for (let i = 0; i < 2; i++) {
        const q = new PgBossQueue(db.url, { db: db.prisma, pollingIntervalSeconds: 0.5 });
        await q.work();
        queues.push(q);
      }
    }
  }, 120_000);
  afterAll(async () => {
    for (const q of queues) await q.stop(5000);
    await db?.drop();
  });

  it('merges partitions into the single-partition result, row for row and in the summary', async () => {
    const input = { sources: sourceIds.map((sourceId) => ({ sourceId })) };
    const queue = queues[0];
    const whole = await startRun(input, analyst, { db: db.prisma, wait: true, partitions: 1, ...(queue ? { queue } : {}) });
    const split = await startRun(input, analyst, { db: db.prisma, wait: true, partitions: 3, ...(queue ? { queue } : {}) });

    const a = await runFigures(db.prisma, whole.id);
    const b = await runFigures(db.prisma, split.id);
    expect(a.status).toBe('completed');
    expect(b).toEqual(a);
    const keys = new Set((await db.prisma.sourceRecord.findMany({ select: { key: true } })).map((r) => r.key));
    expect(a.totalKeys).toBe(keys.size);
    // The data has every case the merge must keep.
    expect(a.duplicate).toBeGreaterThan(0);
    expect(a.missing).toBeGreaterThan(0);
    expect(a.mismatched).toBeGreaterThan(0);
    expect(a.autoResolved).toBeGreaterThan(0);
    const rowsA = await runRows(db.prisma, whole.id);
    const rowsB = await runRows(db.prisma, split.id);
    expect(rowsB).toEqual(rowsA);
    expect(await db.prisma.runResult.count({ where: { runId: whole.id, partition: { not: null } } })).toBe(0);
    expect(rowsA.some((r) => (r[15] as string).includes('"violations":[{'))).toBe(true);
    expect(rowsA.some((r) => /"snapshots":[1-9]/.test(r[15] as string))).toBe(true);

    // Three partitions, each a range of keys following the last, together every key once.
    const parts = await db.prisma.runPartition.findMany({ where: { runId: split.id }, orderBy: { index: 'asc' } });
    expect(parts.map((p) => [p.index, p.count, p.status, p.attempt])).toEqual([[0, 3, 'completed', 1], [1, 3, 'completed', 1], [2, 3, 'completed', 1]]);
    expect(parts.map((p) => [p.keyAfter === null, p.keyUpTo === null])).toEqual([[true, false], [false, false], [false, true]]);
    expect([parts[1]!.keyAfter, parts[2]!.keyAfter]).toEqual([parts[0]!.keyUpTo, parts[1]!.keyUpTo]);
    expect(parts.reduce((n, p) => n + p.rows, 0)).toBe(keys.size);
    for (const p of parts) expect(p.rows).toBeGreaterThan(keys.size / 4);
    const run = await db.prisma.run.findUniqueOrThrow({ where: { id: split.id } });
    expect(run).toMatchObject({ partitions: 3, phase: 'done', attempt: 2 });
    expect(await db.prisma.auditLog.count({ where: { action: 'run.complete', entityId: split.id } })).toBe(1);
  }, 240_000);

  it('splits a run by itself when its inputs exceed PAIDLINE_RUN_PARTITION_ROWS, into partitions of about that size', async () => {
    const inputs = sourceIds.slice(0, 2);
    const records = await db.prisma.sourceRecord.count({ where: { sourceId: { in: inputs } } });
    // About a third of the records a partition: three partitions, more than the minimum of two.
    process.env.PAIDLINE_RUN_PARTITION_ROWS = String(Math.ceil(records / 3));
    process.env.PAIDLINE_RUN_PARTITIONS = '2';
    try {
      const queue = queues[1];
      const { id } = await startRun({ sources: inputs.map((sourceId) => ({ sourceId })) }, analyst, { db: db.prisma, wait: true, ...(queue ? { queue } : {}) });
      expect(await db.prisma.run.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'completed', partitions: 3 });
      const parts = await db.prisma.runPartition.findMany({ where: { runId: id, status: 'completed' }, orderBy: { index: 'asc' } });
      expect(parts).toHaveLength(3);
      // Every row carries the partition that wrote it (a requeued partition deletes exactly those).
      const byPartition = await db.prisma.runResult.groupBy({ by: ['partition'], where: { runId: id }, _count: { _all: true }, orderBy: { partition: 'asc' } });
      expect(byPartition.map((g) => [g.partition, g._count._all])).toEqual(parts.map((p) => [p.index, p.rows]));
      for (const r of await db.prisma.runResult.findMany({ where: { runId: id }, select: { key: true, partition: true }, take: 200 })) {
        const p = parts[r.partition!]!;
        expect((p.keyAfter === null || r.key > p.keyAfter) && (p.keyUpTo === null || r.key <= p.keyUpTo)).toBe(true);
      }
    } finally {
      delete process.env.PAIDLINE_RUN_PARTITION_ROWS;
      delete process.env.PAIDLINE_RUN_PARTITIONS;
    }
  }, 240_000);
});
