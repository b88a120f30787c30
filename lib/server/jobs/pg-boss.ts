/**
 * pg-boss on PostgreSQL (schema `pgboss`): jobs survive restarts and are shared by every app
 * instance and worker process on the database. Each job name is a pg-boss queue (created on first
 * use, standard policy) with its retry, backoff and expiry from the handler's policy; a job is
 * fetched by one worker at a time (SKIP LOCKED) and retried with backoff after an error or when its
 * worker died (expiry). Deterministic ids (SendOptions.id) make a repeated send a no-op.
 */
import PgBoss from 'pg-boss';
import { createPrismaClient } from '@/lib/server/db/client';
import { policyOf, jobRegistration, registeredJobNames, type Client, type JobQueue, type SendOptions } from './types';
import { loggerFor } from '@/lib/server/observability/logger';

export const PGBOSS_SCHEMA = 'pgboss';

/** pg-boss queue names allow letters, digits, underscores and hyphens. */
const queueName = (name: string) => name.replace(/[^\w-]/g, '_');

export type PgBossQueueOptions = {
  /** Database client handlers use (default: a client of its own for the URL). */
  db?: Client;
  /** Polling interval in seconds when idle (default 1). */
  pollingIntervalSeconds?: number;
  /** Heavy jobs worked at once by this process (default 1: a run is CPU- and write-heavy). */
  heavyConcurrency?: number;
  /** Light jobs worked at once (default 4). */
  lightConcurrency?: number;
  log?: (message: string) => void;
};

export class PgBossQueue implements JobQueue {
  readonly kind = 'pg-boss' as const;
  private readonly boss: PgBoss;
  private started: Promise<void> | null = null;
  private readonly queues = new Map<string, Promise<void>>();
  private ownDb: Client | null = null;
  private working = false;
  private stopped = false;
  private readonly log: (message: string) => void;

  constructor(
    private readonly url: string,
    private readonly options: PgBossQueueOptions = {},
  ) {
    this.log = options.log ?? ((m) => loggerFor('jobs').warn(m));
    this.boss = new PgBoss({
      connectionString: url,
      schema: PGBOSS_SCHEMA,
      application_name: 'paidline-jobs',
      max: 4,
      // pg-boss's own cron is not used: pulls are timed by croner and deduplicated by job id.
      schedule: false,
      // Completed jobs stay (and keep their ids, so a repeated send stays a no-op) for 12 hours.
      archiveCompletedAfterSeconds: 12 * 3600,
    });
    this.boss.on('error', (e) => this.log(`[jobs] pg-boss: ${e instanceof Error ? e.message : String(e)}`));
  }

  private db(): Client {
    return this.options.db ?? (this.ownDb ??= createPrismaClient(this.url));
  }

  private start(): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('The job queue is stopped.'));
    return (this.started ??= this.boss.start().then(() => undefined));
  }

  /** Creates the pg-boss queue for a job name once (idempotent across processes). */
  private ensureQueue(name: string): Promise<void> {
    let p = this.queues.get(name);
    if (!p) {
      p = (async () => {
        await this.start();
        const q = queueName(name);
        if (await this.boss.getQueue(q)) return;
        const policy = policyOf(name);
        try {
          await this.boss.createQueue(q, {
            name: q,
            policy: 'standard',
            retryLimit: policy.retryLimit,
            retryDelay: Math.max(0, Math.round(policy.retryDelay)),
            retryBackoff: policy.retryBackoff,
            expireInSeconds: policy.expireInSeconds,
          });
        } catch (e) {
          // Another process created it at the same moment.
          if (!(await this.boss.getQueue(q))) throw e;
        }
      })();
      p.catch(() => this.queues.delete(name));
      this.queues.set(name, p);
    }
    return p;
  }

  async send(name: string, payload: Record<string, unknown>, options: SendOptions = {}): Promise<string | null> {
    await this.ensureQueue(name);
    const policy = policyOf(name);
    return this.boss.send(queueName(name), payload, {
      ...(options.id ? { id: options.id } : {}),
      ...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
      retryLimit: policy.retryLimit,
      // pg-boss counts whole seconds.
      retryDelay: Math.max(0, Math.round(policy.retryDelay)),
      retryBackoff: policy.retryBackoff,
      expireInSeconds: policy.expireInSeconds,
    });
  }

  /** Sends, then polls the job until it completed (resolves) or failed for good (rejects). */
  async enqueue(name: string, payload: Record<string, unknown>, options: SendOptions = {}): Promise<void> {
    const id = (await this.send(name, payload, options)) ?? options.id;
    if (!id) return;
    for (;;) {
      const job = await this.boss.getJobById(queueName(name), id, { includeArchive: true });
      if (!job) return;
      if (job.state === 'completed') return;
      if (job.state === 'failed' || job.state === 'cancelled') {
        const out = job.output as { message?: string } | null;
        throw new Error(out?.message ?? `Job ${name} ${id} ${job.state}.`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Works every registered job name: heavy ones one at a time, light ones alongside. */
  async pending(names: string[]): Promise<number> {
    let n = 0;
    for (const name of names) {
      await this.ensureQueue(name);
      n += (await this.boss.getQueueSize(queueName(name), { before: 'completed' })) ?? 0;
    }
    return n;
  }

  async work(): Promise<void> {
    if (this.working) return;
    this.working = true;
    const pollingIntervalSeconds = this.options.pollingIntervalSeconds ?? 1;
    for (const name of registeredJobNames()) {
      await this.ensureQueue(name);
      const reg = jobRegistration(name)!;
      const loops = policyOf(name).heavy ? (this.options.heavyConcurrency ?? 1) : (this.options.lightConcurrency ?? 4);
      for (let i = 0; i < loops; i++) {
        await this.boss.work<Record<string, unknown>>(queueName(name), { batchSize: 1, pollingIntervalSeconds }, async ([job]) => {
          if (!job) return;
          await reg.handler(job.data ?? {}, { db: this.db(), queue: this, id: job.id });
        });
      }
    }
  }

  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.started) {
      await this.started.catch(() => undefined);
      await this.boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
    }
    await this.ownDb?.$disconnect();
  }
}
