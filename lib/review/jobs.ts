/**
 * A small background-job interface. Today jobs run in-process, after the request that queued them
 * has answered; a durable queue (pg-boss on PostgreSQL) can implement the same interface later
 * without touching the callers: they only `enqueue` a named job with a JSON payload.
 */
export type JobHandler = (payload: Record<string, unknown>) => Promise<void>;

export interface JobQueue {
  /** Queues a job; returns at once. The returned promise settles when the job ends (for tests and CLIs). */
  enqueue(name: string, payload: Record<string, unknown>): Promise<void>;
}

const handlers = new Map<string, JobHandler>();

export function registerJobHandler(name: string, handler: JobHandler): void {
  handlers.set(name, handler);
}

/** Runs jobs in this process on a later tick, one after another (a run is CPU- and write-heavy). */
class InProcessQueue implements JobQueue {
  private tail: Promise<void> = Promise.resolve();

  enqueue(name: string, payload: Record<string, unknown>): Promise<void> {
    const handler = handlers.get(name);
    if (!handler) return Promise.reject(new Error(`No handler registered for job ${name}`));
    const job = this.tail.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => handler(payload));
    // A failed job must not stop the ones queued after it; the handler records its own failure.
    this.tail = job.catch(() => undefined);
    return job;
  }
}

const globalKey = Symbol.for('paidline.jobs');
const holder = globalThis as unknown as { [globalKey]?: JobQueue };

export function jobQueue(): JobQueue {
  return (holder[globalKey] ??= new InProcessQueue());
}
