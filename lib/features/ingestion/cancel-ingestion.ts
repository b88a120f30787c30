import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { loggerFor } from '@/lib/server/observability/logger';
import { abandon, loadIngestion, type Actor } from './ingestion-state';
import { ingestionStateError } from './upload-limits';

/** An upload cancelled before it was mapped: its staged file goes, and the ingestion is marked aborted (audited). */
export async function cancelIngestion(id: string, actor: Actor, db: Client = getPrisma()): Promise<void> {
  const ingestion = await loadIngestion(id, db);
  if (ingestion.status === 'aborted') return; // cancelled twice (a double click): nothing more to do
  if (ingestion.status !== 'staged') throw ingestionStateError('This upload is already being ingested, so it can no longer be cancelled; abort it from its source page if it waits for a decision.');
  await abandon(id, 'aborted', 'Cancelled before it was mapped.', db, actor);
}

/** Hours an upload may wait for its mapping or a decision on its invalid rows: PAIDLINE_STAGED_UPLOAD_HOURS (default 24). */
export function stagedUploadHours(env: Record<string, string | undefined> = process.env): number {
  const n = Number(env.PAIDLINE_STAGED_UPLOAD_HOURS ?? 24);
  return Number.isFinite(n) && n > 0 ? n : 24;
}

/**
 * Uploads nobody mapped (staged) or decided on (needs_decision) within the configured hours are
 * aborted: their staged file and any rows they wrote go, with an audit row each. Returns how many.
 */
export async function expireStaleIngestions(db: Client = getPrisma(), hours = stagedUploadHours(), now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - hours * 3_600_000);
  const stale = await db.ingestion.findMany({ where: { status: { in: ['staged', 'needs_decision'] }, createdAt: { lt: cutoff } }, select: { id: true, status: true } });
  for (const i of stale) {
    const what = i.status === 'staged' ? 'nobody mapped it' : 'nobody decided what to do with its invalid rows';
    await abandon(i.id, 'aborted', `Expired: ${what} within ${hours} hours. Upload the file again.`, db, null);
  }
  if (stale.length) loggerFor('ingest').info({ expired: stale.length, hours }, 'stale uploads expired');
  return stale.length;
}
