/**
 * What happens when a source's data arrives, declared rather than imported (the ingestion feature
 * does not know the ledger): the composition root (lib/server/bootstrap) declares the handler that
 * queues the ledger's incremental passes. A failing handler never undoes the ingestion: it is logged,
 * and the next pass (or a full one) picks the keys up.
 */
import { processSlot } from '@/lib/server/core/process-state';
import { loggerFor } from '@/lib/server/observability/logger';
import type { DbClient } from '@/lib/server/db/client';

export type DataArrival =
  | { kind: 'ingestion' | 'pull'; sourceId: string; ingestionId: string }
  | { kind: 'webhook'; sourceId: string; key: string; eventId: string }
  /** An ingestion read again with a newer profile: the keys it had and has now, and whether it holds deals or spend. */
  | { kind: 'reprocess'; sourceId: string; ingestionId: string; keys: string[]; romi: boolean };

type Handler = (arrival: DataArrival, db: DbClient) => Promise<unknown>;
const slot = processSlot<Handler>('ingestion.data-arrived');

export function declareDataArrival(handler: Handler): void {
  slot.set(handler);
}

/** Called after the data committed (outside its transaction). */
export async function dataArrived(arrival: DataArrival, db: DbClient): Promise<void> {
  const handler = slot.get();
  if (!handler) return;
  try {
    await handler(arrival, db);
  } catch (error) {
    loggerFor('ingestion').error({ err: error, arrival }, 'Queuing the ledger pass for new data failed; a full pass picks the keys up');
  }
}
