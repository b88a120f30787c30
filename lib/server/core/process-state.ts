/**
 * The process's singletons, declared in one place. Next.js can load one module more than once in a
 * server (instrumentation, route bundles, dev reloads), so state that must exist once per process
 * lives on globalThis under a symbol. Every such slot is named here: this list is the whole of the
 * process-wide state (the composition root, lib/server/bootstrap, fills the ones that wire features).
 */
export const PROCESS_SLOTS = [
  /** The Prisma client for DATABASE_URL (lib/server/db/client.ts). */
  'prisma',
  /** The job queue, pg-boss or in-process (lib/server/jobs/index.ts). */
  'jobs.queue',
  /** Job handlers by name (lib/server/jobs/types.ts), registered by the composition root. */
  'jobs.handlers',
  /** The pino root logger (lib/server/observability/logger.ts). */
  'logger',
  /** Prometheus registry and counters (lib/server/observability/metrics.ts). */
  'metrics',
  /** Request budgets (lib/server/rate-limit.ts). */
  'rate-limiters',
  /** Pages in flight per user (lib/server/page-concurrency.ts). */
  'page-concurrency',
  /** The dashboard's computed figures per filter and data version (lib/features/romi/dashboard-cache.ts). */
  'romi.dashboard-cache',
  /** The pull scheduler (lib/features/ingestion/connectors/scheduler.ts). */
  'scheduler',
  /** The alert delivery loop (lib/features/alerts/loop.ts). */
  'alert-loop',
  /** What follows a run's completion (lib/features/runs/completion-steps.ts), declared by the composition root. */
  'run-completion-steps',
  /** lib/features/ingestion/data-arrived.ts: what new data of a source sets off (the ledger's passes). */
  'ingestion.data-arrived',
  /** lib/features/ledger/pass-completed.ts: what follows a ledger pass (webhook events). */
  'ledger.pass-completed',
  /** Whether the composition root ran (lib/server/bootstrap). */
  'bootstrapped',
  /** Which rate-limited webhook refusals were recorded in their window (lib/features/ingestion/webhooks/refused-deliveries.ts). */
  'webhook-rate-limit-recorded',
] as const;

export type ProcessSlotName = (typeof PROCESS_SLOTS)[number];

export type ProcessSlot<T> = {
  get(): T | undefined;
  set(value: T | undefined): void;
  /** The value, created on first use. */
  getOrCreate(create: () => T): T;
};

const holder = globalThis as unknown as Record<symbol, unknown>;

export function processSlot<T>(name: ProcessSlotName): ProcessSlot<T> {
  const key = Symbol.for(`paidline.${name}`);
  return {
    get: () => holder[key] as T | undefined,
    set: (value) => {
      if (value === undefined) delete holder[key];
      else holder[key] = value;
    },
    getOrCreate: (create) => (holder[key] ??= create()) as T,
  };
}
