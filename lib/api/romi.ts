import { listReconciliations } from '@/lib/features/ledger';
import { NotFoundError } from '@/lib/server/core/app-error';

/** The ledger run whose figures a ROMI request reads: the reconciliation asked for (id or name), else the dashboard's own choice (null). */
export async function romiRunOf(reconciliation: string | undefined): Promise<string | null> {
  if (!reconciliation) return null;
  const rec = (await listReconciliations()).find((r) => r.id === reconciliation || r.name === reconciliation);
  if (!rec) throw new NotFoundError(`No reconciliation "${reconciliation}".`);
  return rec.ledgerRunId;
}
