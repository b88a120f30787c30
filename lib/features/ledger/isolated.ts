/**
 * Where a ledger pass runs. On PostgreSQL the driver is asynchronous, so a pass shares the process
 * (the job queue's worker) with requests without holding them up. On the embedded SQLite each query
 * is a synchronous call: a pass in the web server's process would keep every request waiting until
 * it finished (seconds to minutes), so there it runs in a child process (scripts/ledger-pass.ts) with
 * its own connection, and SQLite's WAL mode lets the server read while it writes.
 *
 * PAIDLINE_LEDGER_PASSES: auto (default: child on SQLite, here on PostgreSQL), child, inline.
 */
import { databaseKindOf, resolveDatabaseUrl } from '@/lib/server/db/config';
import { type DbClient as Client } from '@/lib/server/db/client';
import { runLedgerPass, type PassResult, type PassTrigger } from './pass';
import { runScript } from '@/lib/server/core/script-process';
import { restoreDeferredIndexes } from '@/lib/server/db/deferred-indexes';
import { loggerFor } from '@/lib/server/observability/logger';

export type PassRequest = { reconciliationId: string; keys: string[] | null; trigger: PassTrigger; triggerRef: string | null; actorEmail: string | null };

export function passPlacement(url: string = resolveDatabaseUrl(), setting = process.env.PAIDLINE_LEDGER_PASSES?.trim() || 'auto'): 'child' | 'inline' {
  if (setting === 'child' || setting === 'inline') return setting;
  if (setting !== 'auto') throw new Error(`PAIDLINE_LEDGER_PASSES="${setting}" is not one of auto, child, inline.`);
  return databaseKindOf(url) === 'sqlite' ? 'child' : 'inline';
}

/** Runs the pass where passPlacement says; `db` is used inline only (the child opens DATABASE_URL). */
export async function runPassPlaced(request: PassRequest, db: Client, url: string = resolveDatabaseUrl()): Promise<PassResult> {
  if (passPlacement(url) === 'inline') {
    return runLedgerPass(request.reconciliationId, { keys: request.keys, trigger: request.trigger, triggerRef: request.triggerRef, actorEmail: request.actorEmail, db });
  }
  try {
    return await runPassInChild(request, url);
  } catch (error) {
    // A pass process that died mid-fill (killed, out of memory) could not build again the indexes it set
    // aside: this process does, now rather than at the next start (lib/server/db/deferred-indexes.ts).
    await restoreDeferredIndexes(db).catch((why: unknown) => loggerFor('ledger').error({ err: why }, 'could not build the ledger indexes set aside by a failed pass'));
    throw error;
  }
}

/** The pass in a child process: `node --import tsx scripts/ledger-pass.ts`, the request on stdin. */
export function runPassInChild(request: PassRequest, url: string): Promise<PassResult> {
  return runScript<PassResult>('ledger-pass.ts', request, { DATABASE_URL: url }, { describe: (why) => `The ledger pass process failed: ${why}` });
}
