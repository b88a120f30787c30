/**
 * The background-job interface shared by the in-process queue and pg-boss. Callers `send` (or
 * `enqueue`) a named job with a JSON payload; handlers registered by name do the work. A job may
 * run more than once (a retry after a crash, a duplicate send): handlers claim their work in the
 * database and do nothing when it is already done or taken.
 */
import { createHash } from 'node:crypto';
import type { getPrisma } from '@/lib/server/db/client';
import { processSlot } from '@/lib/server/core/process-state';

export type Client = ReturnType<typeof getPrisma>;

export type JobContext = {
  /** The database the job works on (the queue's, or the sender's for in-process tests). */
  db: Client;
  /** The queue running the job: a handler sends follow-up jobs through it. */
  queue: JobQueue;
  /** The job's id (stable across its retries). */
  id: string;
};

export type JobHandler = (payload: Record<string, unknown>, ctx: JobContext) => Promise<void>;

export type JobPolicy = {
  /** Retries after a thrown error (default 2). */
  retryLimit?: number;
  /** Seconds before the first retry (default 5); doubled each time with retryBackoff. */
  retryDelay?: number;
  retryBackoff?: boolean;
  /** A job still running after this long is failed (and retried); default 15 minutes. */
  expireInSeconds?: number;
  /** Heavy jobs (runs) are worked one at a time per process; light ones (pulls) alongside. */
  heavy?: boolean;
};

export type SendOptions = {
  /**
   * A deterministic id: a second send with the same id while the first is known to the queue
   * does nothing (how a job is sent once from several instances or sweeps).
   */
  id?: string;
  /** In-process only: the database handlers should use (tests pass their own). */
  db?: Client;
  /** Delay before the job may start, in seconds. */
  startAfterSeconds?: number;
};

export interface JobQueue {
  readonly kind: 'in-process' | 'pg-boss';
  /** Stores the job; resolves with its id once stored (null: a job with that id exists already). */
  send(name: string, payload: Record<string, unknown>, options?: SendOptions): Promise<string | null>;
  /** Sends and settles when the job ends (tests and CLIs). */
  enqueue(name: string, payload: Record<string, unknown>, options?: SendOptions): Promise<void>;
  /** How many jobs of these names are queued, waiting for a retry or running (an API client waits for 0). */
  pending(names: string[]): Promise<number>;
  /** Starts working the registered jobs in this process (in-process queues always do). */
  work(): Promise<void>;
  /** Stops taking jobs, waits for the running ones (up to timeoutMs), closes connections. */
  stop(timeoutMs?: number): Promise<void>;
}

type Registration = { handler: JobHandler; policy: JobPolicy };
const slot = processSlot<Map<string, Registration>>('jobs.handlers');
const registry = () => slot.getOrCreate(() => new Map());

export function registerJobHandler(name: string, handler: JobHandler, policy: JobPolicy = {}): void {
  registry().set(name, { handler, policy });
}

export function jobRegistration(name: string): Registration | undefined {
  return registry().get(name);
}

export function registeredJobNames(): string[] {
  return [...registry().keys()];
}

export const DEFAULT_POLICY: Required<JobPolicy> = { retryLimit: 2, retryDelay: 5, retryBackoff: true, expireInSeconds: 15 * 60, heavy: false };

export function policyOf(name: string): Required<JobPolicy> {
  return { ...DEFAULT_POLICY, ...jobRegistration(name)?.policy };
}

/** A UUID derived from a text (stable job ids: the same work gets the same id). */
export function stableJobId(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
