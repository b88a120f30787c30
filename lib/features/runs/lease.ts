import { type DbClient as Client } from '@/lib/server/db/client';
import { type Prisma } from '@/lib/generated/sqlite/client';
import { runSettings } from './settings';


/** An attempt lost its claim (a newer attempt or a failure took the run): it stops writing. */
export class SupersededError extends Error {
  override name = 'SupersededError';
}

/** What an attempt holds: every write it makes is conditional on it. */
export type Lease = { runId: string; attempt: number; partition?: { id: string; index: number; count: number; attempt: number } };

/** Writes the lease's heartbeat (and more) if the attempt still owns its run or partition. */
export async function touch(db: Client | Prisma.TransactionClient, lease: Lease, data: { progress?: number; rows?: number } = {}): Promise<void> {
  const now = new Date();
  if (lease.partition) {
    const n = await db.runPartition.updateMany({
      where: { id: lease.partition.id, attempt: lease.partition.attempt, status: 'running' },
      data: { heartbeatAt: now, ...(data.rows !== undefined ? { rows: data.rows } : {}) },
    });
    const run = n.count ? await db.run.count({ where: { id: lease.runId, status: 'running', attempt: lease.attempt } }) : 0;
    if (!n.count || !run) throw new SupersededError(`Partition ${lease.partition.index} of run ${lease.runId} was taken over or stopped.`);
    return;
  }
  // Also while the attempt finishes the run it completed (ROMI rebuild, escalation): a finishing run
  // whose heartbeat goes stale is finished again by the recovery sweep, as for a dead worker.
  const n = await db.run.updateMany({
    where: { id: lease.runId, attempt: lease.attempt, OR: [{ status: 'running' }, { status: 'completed', phase: 'finishing' }] },
    data: { heartbeatAt: now, ...(data.progress !== undefined ? { progress: data.progress } : {}) },
  });
  if (!n.count) throw new SupersededError(`Run ${lease.runId} was taken over or stopped (attempt ${lease.attempt}).`);
}

/** Heartbeats in the background; a lost lease is reported at the attempt's next write. */
export function heartbeat(db: Client, lease: Lease) {
  let lost: unknown = null;
  let busy = false;
  const timer = setInterval(() => {
    if (busy || lost) return;
    busy = true;
    touch(db, lease)
      .catch((e: unknown) => {
        if (e instanceof SupersededError) lost = e;
      })
      .finally(() => (busy = false));
  }, runSettings().heartbeatMs);
  timer.unref?.();
  return {
    check() {
      if (lost) throw lost;
    },
    stop: () => clearInterval(timer),
  };
}

/** Errors worth another attempt: the database went away or a transaction lost a race. */
export function isTransient(error: unknown): boolean {
  const e = error as { code?: string; message?: string; cause?: { code?: string } } | null;
  const code = String(e?.code ?? e?.cause?.code ?? '');
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '40001', '40P01', '08006', '08003', '08001', 'SQLITE_BUSY', 'P1001', 'P1017', 'P2028', 'P2034'].includes(code)) return true;
  return /connection (terminated|refused|reset)|Connection terminated|database is locked|SQLITE_BUSY|server closed the connection/i.test(String(e?.message ?? ''));
}

/** Claims a queued run: queued -> running with attempt + 1. Null when another worker has it or it is done. */
export async function claimRun(db: Client, runId: string): Promise<Lease | null> {
  // One conditional statement (no interactive transaction: SQLite would hold its write lock across
  // round trips). Reading the attempt back is safe: only a stale heartbeat lets it change again.
  const now = new Date();
  const n = await db.run.updateMany({
    where: { id: runId, status: 'queued' },
    data: { status: 'running', phase: 'reading', attempt: { increment: 1 }, heartbeatAt: now, startedAt: now, progress: 0, progressTotal: 0, message: null },
  });
  if (!n.count) return null;
  const run = await db.run.findUniqueOrThrow({ where: { id: runId }, select: { attempt: true } });
  return { runId, attempt: run.attempt };
}
