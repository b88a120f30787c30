/**
 * Start-up recovery of uploads, safe with several instances on one database:
 * - an ingestion still 'processing' is rolled back (records deleted, marked failed, staged file
 *   removed) only if its progress did not move for `idleMs`: a live one on another instance
 *   writes its progress every 300 ms;
 * - staged files in the upload directory that no ingestion points to and that nobody wrote for
 *   `orphanAgeMs` are deleted: what a server killed mid-upload leaves (its ingestion row is only
 *   written once the whole file is on disk).
 */
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { getPrisma } from '@/lib/server/db/client';
import { recoverInterruptedIngestions } from '@/lib/features/ingestion/process-ingestion';
import { uploadDir } from '@/lib/features/ingestion/upload-limits';
import type { Client } from '@/lib/server/jobs/types';

export type UploadRecoveryOptions = {
  db?: Client;
  /** How long a processing ingestion must stay still to count as dead (default 5 s; 0: all). */
  idleMs?: number;
  /** Age (last write) after which an unreferenced staged file is removed (default PAIDLINE_UPLOAD_ORPHAN_SECONDS or 15 min). */
  orphanAgeMs?: number;
};

export async function recoverUploads(opts: UploadRecoveryOptions = {}): Promise<{ ingestions: number; files: number }> {
  const db = opts.db ?? getPrisma();
  const idleMs = opts.idleMs ?? 5000;
  const snapshot = async () =>
    new Map(
      (await db.ingestion.findMany({ where: { status: 'processing' }, select: { id: true, rowsTotal: true, bytesProcessed: true } })).map((i) => [i.id, `${i.rowsTotal}:${i.bytesProcessed}`]),
    );
  const before = await snapshot();
  let ingestions = 0;
  if (before.size) {
    if (idleMs > 0) await new Promise((r) => setTimeout(r, idleMs));
    const after = idleMs > 0 ? await snapshot() : before;
    const still = [...before].filter(([id, progress]) => after.get(id) === progress).map(([id]) => id);
    if (still.length) ingestions = await recoverInterruptedIngestions(db, { ids: still });
  }
  return { ingestions, files: await removeOrphanedUploads(db, opts.orphanAgeMs) };
}

/** Deletes staged upload files no ingestion refers to, last written more than `ageMs` ago. */
export async function removeOrphanedUploads(db: Client = getPrisma(), ageMs = (Number(process.env.PAIDLINE_UPLOAD_ORPHAN_SECONDS) || 900) * 1000): Promise<number> {
  const dir = uploadDir();
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.upload'));
  } catch {
    return 0;
  }
  if (!names.length) return 0;
  const referenced = new Set(
    (await db.ingestion.findMany({ where: { stagedPath: { not: null } }, select: { stagedPath: true } })).map((i) => path.resolve(i.stagedPath!)),
  );
  let removed = 0;
  for (const name of names) {
    const file = path.join(dir, name);
    if (referenced.has(path.resolve(file))) continue;
    try {
      if (Date.now() - (await stat(file)).mtimeMs < ageMs) continue;
      await rm(file, { force: true });
      removed++;
    } catch {
      // gone already
    }
  }
  return removed;
}
