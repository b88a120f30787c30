import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recoverStaleRuns, startRun } from '@/lib/features/runs';
import { InProcessQueue, PgBossQueue, queueKindFor, registerJobHandler, stableJobId, stopJobQueue, type JobQueue } from '@/lib/server/jobs';
import { pullJobId } from '@/lib/features/ingestion/connectors/pull-jobs';
import { type Actor as ReviewActor } from '@/lib/domain/actor';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { makeActor, seedSources } from './review-fixtures';

const nowhere: JobQueue = { kind: 'in-process', send: async () => null, enqueue: async () => {}, pending: async () => 0, work: async () => {}, stop: async () => {} };

describe('job queue selection and ids', () => {
  it('picks pg-boss for PostgreSQL and in-process for SQLite unless told otherwise', () => {
    expect(queueKindFor('postgres://x@h/db', 'auto')).toBe('pg-boss');
    expect(queueKindFor('file:./data/x.db', 'auto')).toBe('in-process');
    expect(queueKindFor('postgres://x@h/db', 'in-process')).toBe('in-process');
    expect(() => queueKindFor('file:./x.db', 'pg-boss')).toThrow(/needs a PostgreSQL DATABASE_URL/);
    expect(() => queueKindFor('file:./x.db', 'redis')).toThrow(/not one of auto, pg-boss, in-process/);
  });

  it('derives stable UUIDs, and one pull id per source and cron slot whatever the instance clock skew', () => {
    expect(stableJobId('a')).toBe(stableJobId('a'));
    expect(stableJobId('a')).not.toBe(stableJobId('b'));
    expect(stableJobId('a')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const at = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(pullJobId('s1', at - 4000)).toBe(pullJobId('s1', at + 3000));
    expect(pullJobId('s1', at)).not.toBe(pullJobId('s2', at));
    expect(pullJobId('s1', at)).not.toBe(pullJobId('s1', at + 60_000));
  });
});

describe('in-process queue', () => {
  it('retries a failing job with backoff, ignores a second send of the same id, runs heavy jobs one at a time', async () => {
    const queue = new InProcessQueue();
    let calls = 0;
    registerJobHandler('test.flaky', async () => {
      calls++;
      if (calls < 3) throw new Error('not yet');
    }, { retryLimit: 3, retryDelay: 0.01, retryBackoff: true });
    await queue.enqueue('test.flaky', {});
    expect(calls).toBe(3);

    let running = 0;
    let most = 0;
    const seen: number[] = [];
    registerJobHandler('test.heavy', async (p) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 20));
      seen.push(Number(p.n));
      running--;
    }, { heavy: true });
    const first = await queue.send('test.heavy', { n: 1 }, { id: 'same' });
    const again = await queue.send('test.heavy', { n: 2 }, { id: 'same' });
    expect(first).toBe('same');
    expect(again).toBeNull();
    await Promise.all([queue.enqueue('test.heavy', { n: 3 }), queue.enqueue('test.heavy', { n: 4 })]);
    await queue.stop();
    expect(seen).toEqual([1, 3, 4]);
    expect(most).toBe(1);
  });
});

/**
 * Heartbeat-based recovery: a run whose worker stopped heartbeating goes back to the queue with its
 * partial rows deleted, or is failed with a clear message once its attempts are used up; a run
 * started before heartbeats existed is failed as at a restart. A live run is never touched.
 */
describe.each(DATABASE_KINDS)('run recovery on %s', (kind) => {
  let db: TestDatabase;
  let analyst: ReviewActor;
  let input: { sources: { sourceId: string }[] };
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    analyst = await makeActor(db.prisma, 'analyst');
    const ids = await seedSources(db.prisma);
    input = { sources: [{ sourceId: ids.gatewayId }, { sourceId: ids.bankId }] };
  });
  afterAll(async () => db?.drop());

  async function halfWritten(attempt: number, heartbeatAgoMs: number) {
    const { id } = await startRun(input, analyst, { db: db.prisma, queue: nowhere });
    await db.prisma.run.update({ where: { id }, data: { status: 'running', phase: 'writing', attempt, heartbeatAt: new Date(Date.now() - heartbeatAgoMs) } });
    await db.prisma.runResult.create({
      data: { runId: id, key: 'HALF', cls: 'matched', reasons: '', severity: 'info', severityRank: 0, action: 'none', actionLabel: '', missingIn: '', duplicateIn: '', statuses: '', amountMinor: 1n, currency: 'USD', amountDiffMinor: 0n, detail: '{}', state: 'open' },
    });
    return id;
  }

  it('requeues a run with a stale heartbeat, deletes its partial rows, and leaves a live one alone', async () => {
    const dead = await halfWritten(1, 120_000);
    const live = await halfWritten(1, 1_000);
    const sent: string[] = [];
    const recorder: JobQueue = { ...nowhere, send: async (name, payload) => (sent.push(`${name}:${String(payload.runId)}`), 'id') };
    const report = await recoverStaleRuns(db.prisma, { queue: recorder });
    expect(report).toMatchObject({ requeued: 1, failed: 0 });
    expect(await db.prisma.run.findUniqueOrThrow({ where: { id: dead } })).toMatchObject({ status: 'queued', attempt: 1, heartbeatAt: null });
    expect(await db.prisma.runResult.count({ where: { runId: dead } })).toBe(0);
    expect(sent).toContain(`run.execute:${dead}`);
    expect(await db.prisma.run.findUniqueOrThrow({ where: { id: live } })).toMatchObject({ status: 'running' });
    expect(await db.prisma.runResult.count({ where: { runId: live } })).toBe(1);
    await db.prisma.run.update({ where: { id: live }, data: { status: 'failed' } });
    await db.prisma.run.update({ where: { id: dead }, data: { status: 'failed' } });
  });

  it('lets a CLI that waits for a run finish it even when no worker is running (the process-wide queue)', async () => {
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = db.url;
    try {
      const { id } = await startRun(input, analyst, { db: db.prisma, wait: true });
      expect(await db.prisma.run.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'completed', phase: 'done', attempt: 1, totalKeys: 25 });
    } finally {
      await stopJobQueue(5000);
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  }, 120_000);

  it('fails a run whose attempts are used up, with a clear message, keeping nothing', async () => {
    const id = await halfWritten(3, 120_000);
    const report = await recoverStaleRuns(db.prisma, { queue: nowhere });
    expect(report.failed).toBe(1);
    const run = await db.prisma.run.findUniqueOrThrow({ where: { id } });
    expect(run.status).toBe('failed');
    expect(run.message).toMatch(/stopped 3 times .*nothing was kept\. Start the run again\./);
    expect(await db.prisma.runResult.count({ where: { runId: id } })).toBe(0);
    expect(await db.prisma.auditLog.count({ where: { action: 'run.failed', entityId: id } })).toBe(1);
  });
});

/**
 * pg-boss: jobs sent from one instance are worked by others; two queue instances (two processes'
 * worth) working the same queue take each job once, and the same run sent several times executes once.
 */
describe.each(DATABASE_KINDS.filter((k) => k === 'postgres'))('pg-boss queue on %s', (kind) => {
  let db: TestDatabase;
  let analyst: ReviewActor;
  let input: { sources: { sourceId: string }[] };
  const queues: PgBossQueue[] = [];
  const taken = new Map<string, number>();

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    analyst = await makeActor(db.prisma, 'analyst');
    const ids = await seedSources(db.prisma);
    input = { sources: [{ sourceId: ids.gatewayId }, { sourceId: ids.bankId }] };
    registerJobHandler('test.count', async (p) => {
      await new Promise((r) => setTimeout(r, 30));
      taken.set(String(p.n), (taken.get(String(p.n)) ?? 0) + 1);
    }, { retryLimit: 0 });
    let failures = 0;
    registerJobHandler('test.fails-once', async () => {
      if (failures++ === 0) throw new Error('first time fails');
    }, { retryLimit: 2, retryDelay: 1, retryBackoff: true });
    for (let i = 0; i < 2; i++) {
      const q = new PgBossQueue(db.url, { db: db.prisma, pollingIntervalSeconds: 0.5, lightConcurrency: 2 });
      await q.work();
      queues.push(q);
    }
  }, 120_000);
  afterAll(async () => {
    for (const q of queues) await q.stop(5000);
    await db?.drop();
  });

  it('stores its tables in the pgboss schema', async () => {
    const rows = await db.prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'pgboss'`);
    expect(Number(rows[0]!.n)).toBeGreaterThan(0);
  });

  it('works each job once across two instances', async () => {
    await Promise.all(Array.from({ length: 24 }, (_, n) => queues[n % 2]!.enqueue('test.count', { n })));
    expect(taken.size).toBe(24);
    expect([...taken.values()].every((v) => v === 1)).toBe(true);
  }, 60_000);

  it('retries a failed job with backoff until it succeeds', async () => {
    await queues[0]!.enqueue('test.fails-once', {});
  }, 60_000);

  it('ignores a second send of the same job id', async () => {
    const id = stableJobId('dedupe-test');
    expect(await queues[0]!.send('test.count', { n: 'dedupe' }, { id })).toBe(id);
    expect(await queues[1]!.send('test.count', { n: 'dedupe' }, { id })).toBeNull();
  });

  it('executes a run once when its job is sent again and again from both instances', async () => {
    const { id } = await startRun(input, analyst, { db: db.prisma, queue: queues[0] });
    // Duplicates as sweeps on several instances could make them (fresh ids, so pg-boss keeps them all).
    await Promise.all([0, 1, 2, 3].map((i) => queues[i % 2]!.send('run.execute', { runId: id })));
    for (let t = 0; t < 600; t++) {
      const run = await db.prisma.run.findUniqueOrThrow({ where: { id } });
      if (run.phase === 'done') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1500)); // let the duplicates be worked too
    const run = await db.prisma.run.findUniqueOrThrow({ where: { id } });
    expect(run).toMatchObject({ status: 'completed', attempt: 1, totalKeys: 25 });
    expect(await db.prisma.runResult.count({ where: { runId: id } })).toBe(25);
    expect(await db.prisma.auditLog.count({ where: { action: 'run.complete', entityId: id } })).toBe(1);
    const jobs = await db.prisma.$queryRawUnsafe<{ state: string }[]>(`SELECT state FROM pgboss.job WHERE name = 'run_execute' AND data->>'runId' = $1`, id);
    expect(jobs).toHaveLength(5);
    expect(jobs.every((j) => j.state === 'completed')).toBe(true);
  }, 120_000);
});
