import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { SupersededError, isTransient, type Lease } from './lease';
import { loggerFor } from '@/lib/server/observability/logger';
import { RUN_JOBS, deleteTimeoutMs, runSettings, sendRunJob } from './settings';
import { failRun } from './finish-run';
import { jobQueue, type JobQueue } from '@/lib/server/jobs';
import { rebuildRomiAfterRun } from '../romi/rebuild-romi';

/** After a failed attempt: superseded attempts just stop; transient errors requeue; others fail the run. */
export async function onAttemptError(db: Client, lease: Lease, error: unknown): Promise<void> {
  if (error instanceof SupersededError) return;
  const message = error instanceof Error ? error.message : String(error);
  loggerFor('runs', { runId: lease.runId, partition: lease.partition?.index ?? null, attempt: lease.partition?.attempt ?? lease.attempt }).error({ err: error }, 'Run attempt failed');
  const attempt = lease.partition?.attempt ?? lease.attempt;
  if (isTransient(error) && attempt < runSettings().maxAttempts) {
    // The queue retries the job with backoff; the next attempt starts this work over.
    if (lease.partition) await requeuePartition(db, lease.runId, lease.partition.index, lease.partition.attempt, null).catch(() => undefined);
    else await requeueRun(db, lease.runId, lease.attempt, null).catch(() => undefined);
    return;
  }
  await failRun(lease.runId, `The run failed: ${message}`, db, lease.attempt);
}

/** Puts a dead or errored attempt's run back in the queue, its partial rows deleted (one transaction). */
async function requeueRun(db: Client, runId: string, attempt: number, staleBefore: Date | null): Promise<boolean> {
  const rows = await db.runResult.count({ where: { runId } });
  return db.$transaction(async (tx) => {
    const n = await tx.run.updateMany({
      where: { id: runId, attempt, status: 'running', ...(staleBefore ? { heartbeatAt: { lt: staleBefore } } : {}) },
      data: { status: 'queued', phase: null, progress: 0, progressTotal: 0, heartbeatAt: null, partitions: 1 },
    });
    if (!n.count) return false;
    await tx.runResult.deleteMany({ where: { runId } });
    await tx.runPartition.deleteMany({ where: { runId } });
    return true;
  }, { timeout: deleteTimeoutMs(rows) });
}

/**
 * Puts a dead or errored partition back in the queue, its partial rows deleted: the rows it wrote
 * carry its index. (Before, its rows were found by hashing every result key of the run, read
 * through Prisma inside a 2-minute transaction: too slow at millions of keys.)
 */
async function requeuePartition(db: Client, runId: string, index: number, attempt: number, staleBefore: Date | null): Promise<boolean> {
  const rows = await db.runResult.count({ where: { runId, partition: index } });
  return db.$transaction(
    async (tx) => {
      const n = await tx.runPartition.updateMany({
        where: { runId, index, attempt, status: 'running', ...(staleBefore ? { heartbeatAt: { lt: staleBefore } } : {}) },
        data: { status: 'queued', heartbeatAt: null, rows: 0 },
      });
      if (!n.count) return false;
      await tx.runResult.deleteMany({ where: { runId, partition: index } });
      return true;
    },
    { timeout: deleteTimeoutMs(rows) },
  );
}

export type RecoveryReport = { requeued: number; failed: number; resent: number };

/**
 * Heartbeat-based recovery, safe on every instance at once (each change is conditional on what was
 * read): a run or partition whose heartbeat is older than PAIDLINE_RUN_STALE_SECONDS lost its
 * worker; it is put back in the queue with its partial rows deleted, or failed with a clear message
 * once PAIDLINE_RUN_ATTEMPTS are used up. Queued work whose job may be lost (in-process queue after
 * a restart, a crash between commit and send) is sent again under the same job id (a no-op when the
 * job exists). Runs started before heartbeats existed are failed as before.
 */
export async function recoverStaleRuns(db: Client = getPrisma(), opts: { queue?: JobQueue; now?: Date } = {}): Promise<RecoveryReport> {
  const queue = opts.queue ?? jobQueue();
  const settings = runSettings();
  const now = opts.now ?? new Date();
  const staleBefore = new Date(now.getTime() - settings.staleMs);
  const report: RecoveryReport = { requeued: 0, failed: 0, resent: 0 };

  const stale = await db.run.findMany({
    where: { status: 'running', AND: [{ OR: [{ phase: null }, { phase: { not: 'partitions' } }] }, { OR: [{ heartbeatAt: null }, { heartbeatAt: { lt: staleBefore } }] }] },
    select: { id: true, attempt: true, heartbeatAt: true, phase: true },
  });
  for (const run of stale) {
    if (!run.heartbeatAt) {
      if (await failRun(run.id, 'Interrupted by a server restart; nothing was kept. Start the run again.', db, run.attempt)) report.failed++;
    } else if (run.phase === 'merging') {
      // The merge died: partitions are kept; the merge is queued again (or the run failed).
      if (run.attempt >= settings.maxAttempts * 2) {
        if (await failRun(run.id, `The run's merge stopped ${settings.maxAttempts} times (its worker died); nothing was kept. Start the run again.`, db, run.attempt)) report.failed++;
      } else {
        const n = await db.run.updateMany({ where: { id: run.id, attempt: run.attempt, status: 'running', phase: 'merging', heartbeatAt: { lt: staleBefore } }, data: { phase: 'partitions', heartbeatAt: null } });
        if (n.count) report.requeued++;
      }
    } else if (run.attempt >= settings.maxAttempts) {
      const message = `The worker running this run stopped ${run.attempt} times (killed or restarted); nothing was kept. Start the run again.`;
      if (await failRun(run.id, message, db, run.attempt)) report.failed++;
    } else if (await requeueRun(db, run.id, run.attempt, staleBefore)) {
      report.requeued++;
    }
  }

  const parts = await db.runPartition.findMany({
    where: { status: 'running', heartbeatAt: { lt: staleBefore }, run: { status: 'running', phase: 'partitions' } },
    select: { runId: true, index: true, attempt: true },
  });
  for (const p of parts) {
    if (p.attempt >= settings.maxAttempts) {
      const message = `Partition ${p.index + 1} of this run stopped ${p.attempt} times (its worker was killed or restarted); nothing was kept. Start the run again.`;
      if (await failRun(p.runId, message, db)) report.failed++;
    } else if (await requeuePartition(db, p.runId, p.index, p.attempt, staleBefore)) {
      report.requeued++;
    }
  }

  // A completed run whose worker died before rebuilding ROMI gets it rebuilt.
  for (const r of await db.run.findMany({ where: { status: 'completed', phase: 'finishing', heartbeatAt: { lt: staleBefore } }, select: { id: true } })) {
    await rebuildRomiAfterRun(r.id, db);
    await db.run.updateMany({ where: { id: r.id, phase: 'finishing' }, data: { phase: 'done' } });
  }

  // Send (again) what is queued: job ids are stable, so a job that exists is not duplicated.
  for (const r of await db.run.findMany({ where: { status: 'queued' }, select: { id: true, attempt: true } })) {
    if (await sendRunJob(queue, RUN_JOBS.execute, { runId: r.id }, `${r.id}:${r.attempt}`, db)) report.resent++;
  }
  for (const p of await db.runPartition.findMany({ where: { status: 'queued', run: { status: 'running', phase: 'partitions' } }, select: { runId: true, index: true, attempt: true } })) {
    if (await sendRunJob(queue, RUN_JOBS.partition, { runId: p.runId, index: p.index }, `${p.runId}:${p.index}:${p.attempt}`, db)) report.resent++;
  }
  for (const r of await db.run.findMany({ where: { status: 'running', phase: 'partitions', parts: { none: { status: { not: 'completed' } } } }, select: { id: true, attempt: true } })) {
    if (await sendRunJob(queue, RUN_JOBS.finalize, { runId: r.id }, `${r.id}:${r.attempt}`, db)) report.resent++;
  }
  return report;
}

/** Start-up recovery (instrumentation.ts, workers): see recoverStaleRuns. Returns runs failed or requeued. */
export async function recoverInterruptedRuns(db: Client = getPrisma(), opts: { queue?: JobQueue } = {}): Promise<number> {
  const r = await recoverStaleRuns(db, opts);
  return r.failed + r.requeued;
}
