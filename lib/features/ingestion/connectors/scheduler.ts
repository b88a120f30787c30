/**
 * In-process pull scheduler (croner): each source with a pullSchedule (cron, 5 fields or 6 with
 * seconds) gets its pulls run at the scheduled times; never two pulls of one source at once.
 *
 * Behind a small interface (JobScheduler: schedule / unschedule / run / stop) so a job queue
 * (pg-boss...) can replace it. Started from instrumentation.ts through startSchedulerOnce();
 * PAIDLINE_SCHEDULER=off disables it (e.g. on all but one instance of a multi-instance setup:
 * runPull also refuses a second concurrent pull of a source through the database).
 */
import { Cron } from 'croner';
import { getPrisma } from '@/lib/server/db/client';
import { runPull } from './run-pull';
import { validateCron } from './cron';
import { processSlot } from '@/lib/server/core/process-state';
import { loggerFor } from '@/lib/server/observability/logger';

export interface PullJob {
  sourceId: string;
  cron: string;
}

export type RunOutcome =
  | { status: 'ran'; result: unknown }
  | { status: 'skipped'; reason: 'already_running' }
  | { status: 'error'; error: string };

/** What a job queue must offer to replace the in-process scheduler. */
export interface JobScheduler {
  schedule(job: PullJob): void;
  unschedule(sourceId: string): void;
  /** Runs a source's pull now (unless one is running). */
  run(sourceId: string): Promise<RunOutcome>;
  scheduled(): PullJob[];
  /** Stops scheduling, cancels running pulls and waits for them to settle. */
  stop(): Promise<void>;
}

export type PullRunner = (sourceId: string, signal: AbortSignal) => Promise<unknown>;

export class CronScheduler implements JobScheduler {
  private readonly jobs = new Map<string, { cron: string; timer: Cron }>();
  private readonly running = new Map<string, { controller: AbortController; done: Promise<RunOutcome> }>();
  private stopped = false;

  constructor(
    private readonly runner: PullRunner,
    private readonly options: { timezone?: string; log?: (message: string) => void } = {},
  ) {}

  schedule(job: PullJob): void {
    if (this.stopped) throw new Error('The scheduler is stopped.');
    const cron = validateCron(job.cron);
    const existing = this.jobs.get(job.sourceId);
    if (existing?.cron === cron) return;
    existing?.timer.stop();
    const timer = new Cron(cron, { protect: true, catch: true, timezone: this.options.timezone, name: `pull:${job.sourceId}` }, async () => {
      await this.run(job.sourceId);
    });
    this.jobs.set(job.sourceId, { cron, timer });
  }

  unschedule(sourceId: string): void {
    this.jobs.get(sourceId)?.timer.stop();
    this.jobs.delete(sourceId);
  }

  scheduled(): PullJob[] {
    return [...this.jobs].map(([sourceId, j]) => ({ sourceId, cron: j.cron }));
  }

  isRunning(sourceId: string): boolean {
    return this.running.has(sourceId);
  }

  async run(sourceId: string): Promise<RunOutcome> {
    if (this.running.has(sourceId)) return { status: 'skipped', reason: 'already_running' };
    const controller = new AbortController();
    const done = (async (): Promise<RunOutcome> => {
      try {
        return { status: 'ran', result: await this.runner(sourceId, controller.signal) };
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        this.options.log?.(`[scheduler] pull of source ${sourceId} failed: ${error}`);
        return { status: 'error', error };
      } finally {
        this.running.delete(sourceId);
      }
    })();
    this.running.set(sourceId, { controller, done });
    return done;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.jobs.values()) timer.stop();
    this.jobs.clear();
    const pending = [...this.running.values()];
    for (const r of pending) r.controller.abort();
    await Promise.allSettled(pending.map((r) => r.done));
  }
}

// ------------------------------------------------------------ process-wide instance

type SourceLister = () => Promise<PullJob[]>;

export interface StartOptions {
  /** Runs one pull (default: runPull from lib/features/ingestion/connectors/run-pull.ts with no actor). */
  runner?: PullRunner;
  /** Lists the sources to schedule (default: from the database). */
  listJobs?: SourceLister;
  /** How often schedules are re-read from the database (default 60 s). */
  refreshMs?: number;
  timezone?: string;
  log?: (message: string) => void;
}

interface Instance {
  scheduler: CronScheduler;
  refresh: () => Promise<void>;
  interval: ReturnType<typeof setInterval>;
}

const schedulerSlot = processSlot<{ instance: Instance | null; starting: Promise<Instance> | null }>('scheduler');
const slot = () => schedulerSlot.getOrCreate(() => ({ instance: null, starting: null }));

async function defaultListJobs(): Promise<PullJob[]> {
  const rows = await getPrisma().source.findMany({
    where: { archivedAt: null, pullSchedule: { not: null }, connectorConfig: { not: null } },
    select: { id: true, pullSchedule: true },
  });
  return rows.map((r) => ({ sourceId: r.id, cron: r.pullSchedule as string }));
}

const defaultRunner: PullRunner = async (sourceId, signal) => {
  return runPull(sourceId, null, { signal });
};

/** Starts the scheduler (or returns the running one). */
export async function startScheduler(options: StartOptions = {}): Promise<CronScheduler> {
  const s = slot();
  if (s.instance) return s.instance.scheduler;
  if (s.starting) return (await s.starting).scheduler;
  const log = options.log ?? ((m: string) => loggerFor('scheduler').warn(m));
  s.starting = (async () => {
    const scheduler = new CronScheduler(options.runner ?? defaultRunner, { timezone: options.timezone, log });
    const listJobs = options.listJobs ?? defaultListJobs;
    const refresh = async () => {
      let jobs: PullJob[];
      try {
        jobs = await listJobs();
      } catch (e) {
        log(`[scheduler] cannot read pull schedules: ${(e as Error).message}`);
        return;
      }
      const wanted = new Set(jobs.map((j) => j.sourceId));
      for (const j of scheduler.scheduled()) if (!wanted.has(j.sourceId)) scheduler.unschedule(j.sourceId);
      for (const job of jobs) {
        try {
          scheduler.schedule(job);
        } catch (e) {
          log(`[scheduler] source ${job.sourceId}: ${(e as Error).message}`);
        }
      }
    };
    await refresh();
    const interval = setInterval(() => void refresh(), options.refreshMs ?? 60_000);
    interval.unref?.();
    const instance = { scheduler, refresh, interval };
    s.instance = instance;
    return instance;
  })();
  try {
    return (await s.starting).scheduler;
  } finally {
    s.starting = null;
  }
}

/** Re-reads the schedules now (call after a source's schedule changed). No-op when not started. */
export async function refreshSchedules(): Promise<void> {
  await slot().instance?.refresh();
}

/** The running scheduler, or null. */
export function currentScheduler(): CronScheduler | null {
  return slot().instance?.scheduler ?? null;
}

/** Stops the scheduler: no new pulls; running ones are cancelled (and roll back). */
export async function stopScheduler(): Promise<void> {
  const s = slot();
  const instance = s.instance ?? (s.starting ? await s.starting : null);
  s.instance = null;
  if (!instance) return;
  clearInterval(instance.interval);
  await instance.scheduler.stop();
}

/**
 * Idempotent start for instrumentation.ts: starts once per process, never throws (a broken
 * schedule must not take the app down), honours PAIDLINE_SCHEDULER=off.
 */
export async function startSchedulerOnce(options: StartOptions = {}): Promise<CronScheduler | null> {
  if (process.env.PAIDLINE_SCHEDULER === 'off') return null;
  try {
    return await startScheduler(options);
  } catch (e) {
    loggerFor('scheduler').error({ err: e }, 'scheduler not started');
    return null;
  }
}
