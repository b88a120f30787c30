/**
 * Background work of one process: works the queue's jobs (runs, partitions, merges, pulls), sweeps
 * stale runs back into the queue (heartbeat-based, safe on every instance at once), times pulls and
 * sends alert deliveries. App instances start it from instrumentation.ts unless PAIDLINE_WORKER=off;
 * `npm run worker` (scripts/worker.ts) starts it in a process of its own.
 */
import { getPrisma } from '@/lib/server/db/client';
import { recoverStaleRuns, runSettings } from '@/lib/features/runs';
import { startSchedulerOnce, stopScheduler } from '@/lib/features/ingestion/connectors/scheduler';
import { jobQueue, type Client, type JobQueue } from '@/lib/server/jobs';
import { PULL_JOB, pullJobId } from '@/lib/features/ingestion/connectors/pull-jobs';
import { startAlertLoop } from '@/lib/features/alerts/loop';
import { expireStaleIngestions } from '@/lib/features/ingestion/cancel-ingestion';
import { bootstrap } from './index';
import { loggerFor } from '@/lib/server/observability/logger';

export type Background = { queue: JobQueue; stop: (timeoutMs?: number) => Promise<void> };

export async function startBackground(opts: { queue?: JobQueue; db?: Client; scheduler?: boolean; alerts?: boolean; log?: (m: string) => void } = {}): Promise<Background> {
  bootstrap();
  const log = opts.log ?? ((m: string) => loggerFor('background').warn(m));
  const queue = opts.queue ?? jobQueue();
  const db = opts.db ?? getPrisma();
  await queue.work();
  let sweeping: Promise<void> | null = null;
  const sweep = () =>
    (sweeping ??= recoverStaleRuns(db, { queue })
      .then((r) => {
        if (r.requeued || r.failed) log(`[jobs] recovery: ${r.requeued} run step(s) queued again after their worker died, ${r.failed} failed for good.`);
      })
      .catch((e: unknown) => log(`[jobs] recovery failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => (sweeping = null)));
  await sweep();
  const timer = setInterval(() => void sweep(), Math.max(500, Math.floor(runSettings().staleMs / 2)));
  timer.unref?.();

  // Uploads nobody mapped or decided on expire (PAIDLINE_STAGED_UPLOAD_HOURS): at start, then every 10 minutes.
  const expire = () => void expireStaleIngestions(db).catch((e: unknown) => log(`[ingest] expiring stale uploads failed: ${e instanceof Error ? e.message : String(e)}`));
  expire();
  const expiry = setInterval(expire, 10 * 60_000);
  expiry.unref?.();

  if (opts.scheduler !== false) {
    await startSchedulerOnce(
      queue.kind === 'pg-boss'
        ? { runner: async (sourceId) => queue.send(PULL_JOB, { sourceId }, { id: pullJobId(sourceId) }) }
        : {},
    );
  }
  let alertLoop: { stop: () => void } | null = null;
  if (opts.alerts !== false) {
    alertLoop = startAlertLoop();
  }
  return {
    queue,
    stop: async (timeoutMs = 30_000) => {
      clearInterval(timer);
      clearInterval(expiry);
      alertLoop?.stop();
      if (opts.scheduler !== false) await stopScheduler();
      await sweeping;
      await queue.stop(timeoutMs);
    },
  };
}
