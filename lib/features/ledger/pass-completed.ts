/**
 * What follows a ledger pass the job queue ran, declared rather than imported (the ledger does not
 * know who listens): the composition root declares the step that sends webhook events. A failing
 * step is logged and never fails the pass.
 */
import { processSlot } from '@/lib/server/core/process-state';
import { loggerFor } from '@/lib/server/observability/logger';
import type { DbClient } from '@/lib/server/db/client';
import type { PassResult } from './pass';

export type PassCompleted = PassResult & { reconciliationId: string; trigger: string; triggerRef: string | null };

type Step = (pass: PassCompleted, db: DbClient) => Promise<unknown>;
const slot = processSlot<Step>('ledger.pass-completed');

export function declarePassCompleted(step: Step): void {
  slot.set(step);
}

export async function passCompleted(pass: PassCompleted, db: DbClient): Promise<void> {
  const step = slot.get();
  if (!step) return;
  try {
    await step(pass, db);
  } catch (error) {
    loggerFor('ledger').error({ err: error, passId: pass.passId }, 'The step after a ledger pass failed');
  }
}
