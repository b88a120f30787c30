/**
 * Jobs run in this process on a later tick, heavy ones (runs) one after another, light ones
 * (pulls) alongside. Nothing survives a restart: start-up recovery (lib/server/bootstrap/background.ts) sends
 * again what was queued. Used with SQLite, and when PAIDLINE_JOB_QUEUE=in-process.
 */
import { getPrisma } from '@/lib/server/db/client';
import { jobRegistration, policyOf, type Client, type JobQueue, type SendOptions } from './types';
import { loggerFor } from '@/lib/server/observability/logger';
import { outsideRequest } from '@/lib/server/db/audit-context';

export class InProcessQueue implements JobQueue {
  readonly kind = 'in-process' as const;
  private heavyTail: Promise<void> = Promise.resolve();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly names = new Map<string, string>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;
  private seq = 0;

  constructor(private readonly db?: Client) {}

  async send(name: string, payload: Record<string, unknown>, options: SendOptions = {}): Promise<string | null> {
    if (this.stopped) throw new Error('The job queue is stopped.');
    const reg = jobRegistration(name);
    if (!reg) throw new Error(`No handler registered for job ${name}`);
    const id = options.id ?? `local-${process.pid}-${++this.seq}`;
    if (this.inFlight.has(id)) return null;
    const db = options.db ?? this.db ?? getPrisma();
    const policy = policyOf(name);
    const attempt = async (retry: number): Promise<void> => {
      try {
        // A job is the system's work, even when a token's request queued it.
        await outsideRequest(() => reg.handler(payload, { db, queue: this, id }));
      } catch (error) {
        if (retry >= policy.retryLimit || this.stopped) throw error;
        const delay = policy.retryDelay * (policy.retryBackoff ? 2 ** retry : 1);
        await new Promise((r) => setTimeout(r, delay * 1000));
        return attempt(retry + 1);
      }
    };
    const start = () => new Promise<void>((r) => setTimeout(r, (options.startAfterSeconds ?? 0) * 1000 || 0)).then(() => new Promise<void>((r) => setImmediate(r)));
    let job: Promise<void>;
    if (policy.heavy) {
      job = this.heavyTail.then(start).then(() => attempt(0));
      // A failed job must not stop the ones queued after it; the handler records its own failure.
      this.heavyTail = job.catch(() => undefined);
    } else {
      job = start().then(() => attempt(0));
    }
    this.inFlight.set(id, job);
    this.names.set(id, name);
    this.running.add(job);
    const settle = () => {
      this.inFlight.delete(id);
      this.names.delete(id);
      this.running.delete(job);
    };
    job.then(settle, (error: unknown) => {
      settle();
      loggerFor('jobs', { job: name, jobId: id }).error({ err: error }, 'job failed');
    });
    return id;
  }

  async pending(names: string[]): Promise<number> {
    const wanted = new Set(names);
    return [...this.names.values()].filter((n) => wanted.has(n)).length;
  }

  /** Sends and settles when the job ends (with the handler's error if it failed for good). */
  async enqueue(name: string, payload: Record<string, unknown>, options: SendOptions = {}): Promise<void> {
    const id = await this.send(name, payload, options);
    const job = this.inFlight.get(id ?? options.id ?? '');
    if (job) await job;
  }

  async work(): Promise<void> {}

  async stop(timeoutMs = 30_000): Promise<void> {
    this.stopped = true;
    await Promise.race([Promise.allSettled([...this.running]), new Promise((r) => setTimeout(r, timeoutMs).unref?.())]);
  }
}
