/** An ingestion's row as the operations load it, and abandoning one (nothing half-written remains). */
import type { DbClient as Client } from '@/lib/server/db/client';
import { rm } from 'node:fs/promises';
import { writeAudit } from '@/lib/server/db/audit';
import { alertIngestionFailed } from '@/lib/features/alerts/checks';
import { ingestionStateError } from './upload-limits';

export type Actor = { id: string; email: string } | null;

export async function loadIngestion(id: string, db: Client) {
  const ingestion = await db.ingestion.findUnique({ where: { id }, include: { source: { select: { id: true, name: true, kind: true } } } });
  if (!ingestion) throw ingestionStateError('This upload no longer exists. Upload the file again.');
  return ingestion;
}

/** Removes every record of the ingestion and marks it failed or aborted: nothing half-written remains. */
export async function abandon(id: string, status: 'failed' | 'aborted', message: string, db: Client, actor: Actor) {
  const before = await db.ingestion.findUnique({ where: { id }, select: { stagedPath: true } });
  await db.$transaction(async (tx) => {
    await tx.sourceRecord.deleteMany({ where: { ingestionId: id } });
    const updated = await tx.ingestion.update({ where: { id }, data: { status, message, finishedAt: new Date(), stagedPath: null } });
    await writeAudit(tx, { actor, action: `ingestion.${status}`, entityType: 'Ingestion', entityId: id, after: { message } });
    if (status === 'failed') await alertIngestionFailed(tx, { id, sourceId: updated.sourceId }, message);
  });
  if (before?.stagedPath) await rm(before.stagedPath, { force: true });
}
