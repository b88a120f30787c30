import { stableJobId, type JobQueue } from '@/lib/server/jobs';
import { type DbClient as Client } from '@/lib/server/db/client';

/** Result rows per bulk write (COPY on PostgreSQL, one multi-row INSERT on SQLite), each checked against the lease. */
const RESULT_BATCH = 5000;

/**
 * Fault-injection knobs for the crash tests (never set in production): a smaller result batch and
 * a pause after each one keep a run in its writing phase long enough to be killed there.
 */
export function resultBatchSettings(): { size: number; pauseMs: number } {
  const size = Number(process.env.PAIDLINE_TEST_RESULT_BATCH);
  const pause = Number(process.env.PAIDLINE_TEST_RESULT_PAUSE_MS);
  return {
    size: Number.isInteger(size) && size > 0 ? size : RESULT_BATCH,
    pauseMs: Number.isFinite(pause) && pause > 0 ? pause : 0,
  };
}
export const READ_BATCH = 2000;


/** Job names: a run's first job plans it (or runs it whole), partitions run apart, finalize merges. */
export const RUN_JOBS = { execute: 'run.execute', partition: 'run.partition', finalize: 'run.finalize' } as const;
export const MAX_PARTITIONS = 64;

function envInt(name: string, fallback: number, min: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v >= min ? Math.floor(v) : fallback;
}

/** Run execution settings, read from the environment each time (tests change them). */
export function runSettings() {
  const staleMs = envInt('PAIDLINE_RUN_STALE_SECONDS', 60, 1) * 1000;
  return {
    /** A running attempt whose heartbeat is older than this is taken as dead. */
    staleMs,
    heartbeatMs: Math.max(200, Math.min(5000, Math.floor(staleMs / 4))),
    /** Attempts (crashes and transient errors) before a run or partition is failed for good. */
    maxAttempts: envInt('PAIDLINE_RUN_ATTEMPTS', 3, 1),
    /**
     * Input records above which a run is split into key partitions, and about the most a partition
     * gets: a partition's records are held in its worker's memory (about 750 MB per million).
     */
    partitionRows: envInt('PAIDLINE_RUN_PARTITION_ROWS', 1_000_000, 1),
    /** The fewest partitions a split run gets (about the number of workers). */
    partitions: Math.min(MAX_PARTITIONS, envInt('PAIDLINE_RUN_PARTITIONS', 2, 2)),
  };
}

export const RUN_JOB_POLICY = { heavy: true, retryLimit: 3, retryDelay: 5, retryBackoff: true, expireInSeconds: 6 * 3600 } as const;

/** Sends a run job with a stable id (run, step, attempt): sending it again is a no-op. */
export function sendRunJob(queue: JobQueue, name: string, payload: Record<string, unknown>, idParts: string, db: Client): Promise<string | null> {
  return queue.send(name, payload, { id: stableJobId(`${name}:${idParts}`), db });
}

/**
 * How many key partitions a run of `records` input records gets when not asked: one up to
 * partitionRows; above, enough that each holds about partitionRows (bounded memory per worker),
 * at least `partitions` (spread over the workers), at most MAX_PARTITIONS.
 */
export function partitionsFor(records: number, settings: { partitionRows: number; partitions: number }): number {
  if (records <= settings.partitionRows) return 1;
  return Math.min(MAX_PARTITIONS, Math.max(settings.partitions, Math.ceil(records / settings.partitionRows)));
}

/**
 * The time allowed to a transaction that deletes a run's result rows (resolutions and comments
 * cascade): a minute, plus 0.1 ms a row (10M rows: about 17 minutes). Prisma's default 5 s rolled
 * back the delete of a large run's rows, leaving a dead run neither requeued nor failed.
 */
export function deleteTimeoutMs(rows: number): number {
  return 60_000 + Math.ceil(rows / 10);
}

/** How long the completion transaction may take: a minute, plus 0.1 ms a key (10M keys: about 17 minutes). */
export function finishTimeoutMs(keys: number): number {
  return 60_000 + Math.ceil(keys / 10);
}
