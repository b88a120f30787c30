/**
 * The process-wide job queue. PAIDLINE_JOB_QUEUE picks it:
 * - auto (default): pg-boss when DATABASE_URL is PostgreSQL, in-process otherwise;
 * - pg-boss: always (DATABASE_URL must be PostgreSQL);
 * - in-process: jobs run in the process that sent them (one instance only).
 */
import { databaseKindOf, resolveDatabaseUrl } from '@/lib/server/db/config';
import { InProcessQueue } from './in-process';
import { PgBossQueue, type PgBossQueueOptions } from './pg-boss';
import type { Client, JobQueue } from './types';
import { processSlot } from '@/lib/server/core/process-state';

export * from './types';
export { InProcessQueue } from './in-process';
export { PgBossQueue, PGBOSS_SCHEMA } from './pg-boss';

export type QueueKind = 'in-process' | 'pg-boss';

/** Which queue the environment selects for a database URL. */
export function queueKindFor(url: string, setting = process.env.PAIDLINE_JOB_QUEUE?.trim() || 'auto'): QueueKind {
  const db = databaseKindOf(url);
  if (setting === 'in-process') return 'in-process';
  if (setting === 'pg-boss') {
    if (db !== 'postgres') throw new Error('PAIDLINE_JOB_QUEUE=pg-boss needs a PostgreSQL DATABASE_URL (pg-boss stores jobs in PostgreSQL).');
    return 'pg-boss';
  }
  if (setting !== 'auto') throw new Error(`PAIDLINE_JOB_QUEUE="${setting}" is not one of auto, pg-boss, in-process.`);
  return db === 'postgres' ? 'pg-boss' : 'in-process';
}

/** A new queue for a database (the caller owns it and stops it). */
export function createJobQueue(url: string, opts: { kind?: QueueKind; db?: Client } & PgBossQueueOptions = {}): JobQueue {
  const kind = opts.kind ?? queueKindFor(url);
  return kind === 'pg-boss' ? new PgBossQueue(url, opts) : new InProcessQueue(opts.db);
}

const slot = processSlot<{ url: string; queue: JobQueue }>('jobs.queue');

/** The queue for DATABASE_URL, made on first use and shared by the process. */
export function jobQueue(): JobQueue {
  const url = resolveDatabaseUrl();
  const cached = slot.get();
  if (cached && cached.url === url) return cached.queue;
  const queue = createJobQueue(url);
  slot.set({ url, queue });
  return queue;
}

/** Stops the process-wide queue (graceful: running jobs finish or time out). */
export async function stopJobQueue(timeoutMs?: number): Promise<void> {
  const cached = slot.get();
  slot.set(undefined);
  await cached?.queue.stop(timeoutMs);
}

/** Whether this process should work jobs: PAIDLINE_WORKER=off leaves them to `npm run worker`. */
export function workerEnabled(): boolean {
  return process.env.PAIDLINE_WORKER?.trim() !== 'off';
}
