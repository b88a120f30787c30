import { registerJobHandler } from '@/lib/server/jobs';
import { RUN_JOBS, RUN_JOB_POLICY } from './settings';
import { executeRun } from './execute-run';
import { executePartition, finalizePartitionedRun } from './partitions';

/** Registers the run jobs' handlers (called once by the composition root, lib/server/bootstrap.ts). */
export function registerRunJobs(): void {
  registerJobHandler(RUN_JOBS.execute, async (payload, ctx) => executeRun(String(payload.runId), ctx.db, { queue: ctx.queue }), RUN_JOB_POLICY);
  registerJobHandler(RUN_JOBS.partition, async (payload, ctx) => executePartition(String(payload.runId), Number(payload.index), ctx.db, { queue: ctx.queue }), RUN_JOB_POLICY);
  registerJobHandler(RUN_JOBS.finalize, async (payload, ctx) => finalizePartitionedRun(String(payload.runId), ctx.db), RUN_JOB_POLICY);
}
