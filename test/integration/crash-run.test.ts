import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRun } from '@/lib/features/runs';
import { InProcessQueue, PgBossQueue, type JobQueue } from '@/lib/server/jobs';
import { type Actor as ReviewActor } from '@/lib/domain/actor';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { makeActor } from './review-fixtures';
import { runFigures, runRows, seedRunData } from './runs-partitioned-fixtures';
import { killHard, spawnTs, until, type Child } from './crash-helpers';

/** Stores jobs nowhere: the run waits in the database for a worker process's recovery sweep. */
const nowhere: JobQueue = { kind: 'in-process', send: async () => null, enqueue: async () => {}, pending: async () => 0, work: async () => {}, stop: async () => {} };

/**
 * A worker process killed with SIGKILL while it writes a run's results leaves the run resumable:
 * another worker sees the stale heartbeat, deletes the dead attempt's rows, runs it again, and the
 * run ends completed with exactly the results of an uninterrupted run (never a mix). Same for one
 * partition of a partitioned run: only that partition starts over.
 */
describe.each(DATABASE_KINDS)('a worker killed mid-run on %s', (kind) => {
  let db: TestDatabase;
  let analyst: ReviewActor;
  let input: { sources: { sourceId: string }[] };
  let reference: { rows: unknown[]; figures: Awaited<ReturnType<typeof runFigures>> };
  const children: Child[] = [];
  let sendQueue: JobQueue = nowhere;

  const worker = () => {
    // A heartbeat stale after 6 s: at 2 s a live worker on a loaded machine (CI) was taken for dead by
    // the next worker's sweep, its run requeued under it again and again, and the run missed the
    // test's deadline (two CI runs of 2026-12-07).
    // Small result batches with a pause after each keep the run in its writing phase long enough
    // to be killed there, however fast the machine writes (one 5,000-row COPY could finish a partition).
    const c = spawnTs('scripts/worker.ts', {
      DATABASE_URL: db.url, PAIDLINE_RUN_STALE_SECONDS: '6', PAIDLINE_WORKER_SHUTDOWN_SECONDS: '20',
      PAIDLINE_TEST_RESULT_BATCH: '250', PAIDLINE_TEST_RESULT_PAUSE_MS: '100',
    });
    children.push(c);
    return c;
  };

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    analyst = await makeActor(db.prisma, 'analyst');
    const { sourceIds } = await seedRunData(db.prisma, { keys: 8000, seed: 11 });
    input = { sources: sourceIds.map((sourceId) => ({ sourceId })) };
    // The uninterrupted run, in this process.
    const ref = await startRun(input, analyst, { db: db.prisma, wait: true, partitions: 1, queue: new InProcessQueue(db.prisma) });
    reference = { rows: await runRows(db.prisma, ref.id), figures: await runFigures(db.prisma, ref.id) };
    expect(reference.figures.status).toBe('completed');
    // On PostgreSQL the run's job goes to pg-boss, where the workers find it.
    if (kind === 'postgres') sendQueue = new PgBossQueue(db.url, { db: db.prisma });
  }, 300_000);
  // What the database says about a run, printed when a wait times out.
  const state = (id: string) => async () => ({
    now: new Date(),
    run: await db.prisma.run.findUnique({ where: { id }, select: { status: true, phase: true, attempt: true, heartbeatAt: true, progress: true, progressTotal: true, message: true } }),
    partitions: await db.prisma.runPartition.findMany({ where: { runId: id }, select: { index: true, status: true, attempt: true, heartbeatAt: true, rows: true } }),
    results: await db.prisma.runResult.count({ where: { runId: id } }),
  });
  // A worker left by a failed test would hold on to the database in the next one.
  afterEach(async () => {
    for (const c of children) if (c.proc.exitCode === null) await killHard(c);
  });
  afterAll(async () => {
    await sendQueue.stop();
    await db?.drop();
  });

  it('resumes a whole run from scratch after its worker is killed while writing results', async () => {
    const { id } = await startRun(input, analyst, { db: db.prisma, partitions: 1, queue: sendQueue });
    const first = worker();
    const partial = await until(
      async () => {
        const run = await db.prisma.run.findUniqueOrThrow({ where: { id } });
        const rows = run.phase === 'writing' ? await db.prisma.runResult.count({ where: { runId: id } }) : 0;
        return rows > 0 ? rows : undefined;
      },
      240_000,
      'the worker to write results',
      first,
      state(id),
    );
    await killHard(first);
    // Half-written: what the dead attempt left.
    const dead = await db.prisma.run.findUniqueOrThrow({ where: { id } });
    expect(dead).toMatchObject({ status: 'running', attempt: 1 });
    const left = await db.prisma.runResult.count({ where: { runId: id } });
    expect(left).toBeGreaterThanOrEqual(partial);
    expect(left).toBeLessThan(reference.rows.length);

    const second = worker();
    await until(async () => (await db.prisma.run.findUniqueOrThrow({ where: { id } })).phase === 'done', 240_000, 'the second worker to finish the run', second, state(id));
    const run = await db.prisma.run.findUniqueOrThrow({ where: { id } });
    expect(run).toMatchObject({ status: 'completed', attempt: 2, message: null });
    expect(await runFigures(db.prisma, id)).toEqual(reference.figures);
    expect(await runRows(db.prisma, id)).toEqual(reference.rows);
    expect(await db.prisma.auditLog.count({ where: { action: 'run.complete', entityId: id } })).toBe(1);
    expect(await db.prisma.auditLog.count({ where: { action: 'run.failed', entityId: id } })).toBe(0);

    // SIGTERM: the worker stops gracefully.
    second.proc.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 600_000);

  it('starts over only the partition whose worker was killed', async () => {
    const { id } = await startRun(input, analyst, { db: db.prisma, partitions: 2, queue: sendQueue });
    const first = worker();
    const victim = await until(
      async () => {
        const parts = await db.prisma.runPartition.findMany({ where: { runId: id, status: 'running', rows: { gt: 0 } } });
        return parts[0];
      },
      240_000,
      'a partition to write results',
      first,
      state(id),
    );
    await killHard(first);
    expect(await db.prisma.runResult.count({ where: { runId: id } })).toBeGreaterThan(0);

    const second = worker();
    await until(async () => (await db.prisma.run.findUniqueOrThrow({ where: { id } })).phase === 'done', 300_000, 'the second worker to finish the run', second, state(id));
    expect(await runFigures(db.prisma, id)).toEqual(reference.figures);
    expect(await runRows(db.prisma, id)).toEqual(reference.rows);
    const parts = await db.prisma.runPartition.findMany({ where: { runId: id }, orderBy: { index: 'asc' } });
    expect(parts.every((p) => p.status === 'completed')).toBe(true);
    expect(parts.find((p) => p.index === victim.index)!.attempt).toBe(2);
    second.proc.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 600_000);
});
