/**
 * What happens around a run's completion, declared rather than imported: the runs feature does not
 * know about review, alerts, ROMI or escalation. The composition root (lib/server/bootstrap.ts)
 * declares the steps once per process; with none declared a run simply completes (pure engine
 * tests, tools).
 */
import type { Prisma } from '@/lib/generated/sqlite/client';
import type { DbClient } from '@/lib/server/db/client';
import { processSlot } from '@/lib/server/core/process-state';

export type CriticalRow = { id: number; key: string };

export type RunCompletionSteps = {
  /** Before the completion, outside its transaction: settles rows by the run's automatic rules. */
  settle: (runId: string, autoRules: readonly string[], db: DbClient) => Promise<unknown>;
  /** Inside the completion transaction (its outbox alerts commit with it): returns the run's critical rows. */
  inCompletion: (tx: Prisma.TransactionClient, run: { id: string; totalKeys: number; matched: number; critical?: number }) => Promise<{ critical: CriticalRow[] }>;
  /** After the completion committed, in this order (ROMI rebuild, escalation of critical rows...). */
  after: ReadonlyArray<{ name: string; run: (runId: string, outcome: { critical: CriticalRow[] }, db: DbClient) => Promise<unknown> }>;
  /** Inside the transaction that fails a run for good (the run-failed alert). */
  onFailed: (tx: Prisma.TransactionClient, runId: string, message: string) => Promise<unknown>;
};

const NONE: RunCompletionSteps = {
  settle: async () => {},
  inCompletion: async () => ({ critical: [] }),
  after: [],
  onFailed: async () => {},
};

const slot = processSlot<RunCompletionSteps>('run-completion-steps');

/** Declares the steps (the composition root does, once per process). */
export function declareRunCompletionSteps(next: RunCompletionSteps): void {
  slot.set(next);
}

export function runCompletionSteps(): RunCompletionSteps {
  return slot.get() ?? NONE;
}
