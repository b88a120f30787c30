/**
 * Background work of one process: works the queue's jobs (runs, partitions, merges, pulls), sweeps
 * stale runs back into the queue (heartbeat-based, safe on every instance at once), times pulls and
 * sends alert deliveries. App instances start it from instrumentation.ts unless PAIDLINE_WORKER=off;
 * `npm run worker` (scripts/worker.ts) starts it in a process of its own.
 *
 * On several instances each pull runs once: every instance's cron fires, but the pull is sent as a
 * job whose id is derived from the source and the scheduled slot, so only the first send counts
 * (pg-boss ignores a job id it already has); runPull also refuses a second concurrent pull of a source.
 */
import { getPrisma } from '@/lib/server/db/client';
import { recoverStaleRuns, runSettings } from '@/lib/features/runs/runs';
import { startSchedulerOnce, stopScheduler } from '@/lib/features/ingestion/scheduler';
import { jobQueue, registerJobHandler, stableJobId, type Client, type JobQueue } from './index';

export const PULL_JOB = 'pull.run';

registerJobHandler(
  PULL_JOB,
  async (payload, ctx) => {
    const { runPull, PullBusyError } = await import('@/lib/features/ingestion/connectors/run-pull');
    try {
      await runPull(String(payload.sourceId), null, { db: ctx.db });
    } catch (e) {
      if (!(e instanceof PullBusyError)) throw e; // another instance is pulling this source right now
    }
  },
  // A failed pull is recorded (and alerted) by runPull; the next scheduled time tries again.
  { retryLimit: 0, expireInSeconds: 30 * 60 },
);

/** The job id of a source's pull at the cron slot nearest to `at` (instances' clocks may differ by seconds). */
export function pullJobId(sourceId: string, at = Date.now(), slotMs = 30_000): string {
  return stableJobId(`${PULL_JOB}:${sourceId}:${Math.round(at / slotMs)}`);
}

export type Background = { queue: JobQueue; stop: (timeoutMs?: number) => Promise<void> };

export async function startBackground(opts: { queue?: JobQueue; db?: Client; scheduler?: boolean; alerts?: boolean; log?: (m: string) => void } = {}): Promise<Background> {
  const log = opts.log ?? ((m: string) => console.warn(m));
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

  if (opts.scheduler !== false) {
    await startSchedulerOnce(
      queue.kind === 'pg-boss'
        ? { runner: async (sourceId) => queue.send(PULL_JOB, { sourceId }, { id: pullJobId(sourceId) }) }
        : {},
    );
  }
  let alertLoop: { stop: () => void } | null = null;
  if (opts.alerts !== false) {
    const { startAlertLoop } = await import('@/lib/features/alerts/loop');
    alertLoop = startAlertLoop();
  }
  return {
    queue,
    stop: async (timeoutMs = 30_000) => {
      clearInterval(timer);
      alertLoop?.stop();
      if (opts.scheduler !== false) await stopScheduler();
      await sweeping;
      await queue.stop(timeoutMs);
    },
  };
}
