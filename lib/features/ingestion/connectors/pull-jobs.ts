/**
 * Scheduled pulls as queue jobs. On several instances each pull runs once: every instance's cron
 * fires, but the pull is sent as a job whose id is derived from the source and the scheduled slot,
 * so only the first send counts (pg-boss ignores a job id it already has); runPull also refuses a
 * second concurrent pull of a source.
 */
import { registerJobHandler, stableJobId } from '@/lib/server/jobs';
import { AppError } from '@/lib/server/core/app-error';
import { runPull } from './run-pull';

export const PULL_JOB = 'pull.run';

/** Registers the pull job's handler (called once by the composition root, lib/server/bootstrap). */
export function registerPullJobs(): void {
  registerJobHandler(
    PULL_JOB,
    async (payload, ctx) => {
      try {
        await runPull(String(payload.sourceId), null, { db: ctx.db });
      } catch (e) {
        if (!(e instanceof AppError && e.code === 'busy')) throw e; // another instance is pulling this source right now
      }
    },
    // A failed pull is recorded (and alerted) by runPull; the next scheduled time tries again.
    { retryLimit: 0, expireInSeconds: 30 * 60 },
  );
}

/** The job id of a source's pull at the cron slot nearest to `at` (instances' clocks may differ by seconds). */
export function pullJobId(sourceId: string, at = Date.now(), slotMs = 30_000): string {
  return stableJobId(`${PULL_JOB}:${sourceId}:${Math.round(at / slotMs)}`);
}
