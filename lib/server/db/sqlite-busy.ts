/**
 * Waiting for SQLite's write lock without blocking the process, and without the libSQL driver's
 * poisoned connections.
 *
 * libSQL waits for a lock in its busy handler, synchronously: while a statement of the app's Prisma
 * client waited there, nothing else in the process ran, so when the lock was held by this same
 * process (a bulk writer's transaction between two of its statements, a run's ROMI build), the wait
 * could only end in SQLITE_BUSY after the full timeout. Worse, the driver (libsql 0.5.29) leaves a
 * statement that failed busy "in progress" on its connection until the garbage collector finalizes
 * it: every COMMIT on that connection then fails ("cannot commit transaction - SQL statements in
 * progress") and the transaction that could not commit keeps the write lock, so every writer of
 * every process waits for ever (tursodatabase/libsql-client-ts#352). A crash-recovery test hung
 * that way on loaded machines: a worker's heartbeat waited out a ROMI build of its own process.
 *
 * So the Prisma client's connections wait only briefly in the busy handler; a statement or a BEGIN
 * refused busy is tried again after an asynchronous pause (the process goes on meanwhile, and its
 * own lock holder can finish), on a fresh connection (the refused statement stays behind on the old
 * one, which is closed), up to the busy timeout. A COMMIT that fails rolls back, so a transaction
 * never keeps the lock after its caller has been told it failed.
 */

/** The part of @libsql/client's local client that the Prisma adapter uses and that is wrapped here. */
type LibsqlClient = {
  execute(stmt: unknown, args?: unknown): Promise<unknown>;
  transaction(mode: string): Promise<LibsqlTransaction>;
  reconnect(): Promise<void> | void;
};

type LibsqlTransaction = { commit(): Promise<void>; rollback(): Promise<void>; readonly closed: boolean };

/** How long a statement of the app's Prisma client waits in libSQL's (synchronous) busy handler before its wait goes asynchronous. */
export const SQLITE_STATEMENT_BUSY_MS = 20;

/** SQLITE_BUSY (another connection holds the lock), as the driver reports it. */
export function isBusy(error: unknown): boolean {
  const e = error as { code?: string; rawCode?: number; message?: string } | null;
  if (!e) return false;
  return e.code === 'SQLITE_BUSY' || e.rawCode === 5 || /SQLITE_BUSY|database is locked/.test(String(e.message ?? ''));
}

/**
 * Runs `attempt` (one autocommit statement, a BEGIN, or a script that begins IMMEDIATE) until it
 * is not refused busy: after each refusal `afterRefusal` runs (the Prisma client moves to a fresh
 * connection) and the wait goes on a little (2 ms, doubling, at most 100 ms) without blocking;
 * after `timeoutMs` the last refusal is thrown. A refused statement did nothing, so trying it again
 * is safe.
 */
export async function retryingBusy<T>(attempt: () => Promise<T>, timeoutMs: number, afterRefusal?: () => Promise<void> | void): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 2; ; wait = Math.min(wait * 2, 100)) {
    try {
      return await attempt();
    } catch (error) {
      if (!isBusy(error)) throw error;
      await afterRefusal?.();
      if (Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** A transaction whose failed COMMIT rolls back (releasing the write lock) before the failure is reported. */
function rollingBackOnFailedCommit(tx: LibsqlTransaction): LibsqlTransaction {
  const commit = tx.commit.bind(tx);
  const rollback = tx.rollback.bind(tx);
  return Object.assign(tx, {
    async commit() {
      try {
        await commit();
      } catch (error) {
        if (!tx.closed) await rollback().catch(() => undefined);
        throw error;
      }
    },
  });
}

/**
 * Wraps the adapter's libSQL client in place: statements and BEGINs wait out a busy database
 * asynchronously (retryingBusy), transactions begin IMMEDIATE (the write lock taken at BEGIN: a
 * deferred transaction that reads and then writes fails at once with SQLITE_BUSY when another
 * connection committed in between, since its snapshot is stale and waiting cannot help) and roll
 * back when their COMMIT fails.
 */
export function waitOutBusyOn(client: LibsqlClient, timeoutMs: number): void {
  const execute = client.execute.bind(client);
  const begin = client.transaction.bind(client);
  const fresh = () => client.reconnect();
  client.execute = (stmt, args) => retryingBusy(() => execute(stmt, args), timeoutMs, fresh);
  client.transaction = async (mode) => rollingBackOnFailedCommit(await retryingBusy(() => begin(mode === 'deferred' ? 'write' : mode), timeoutMs, fresh));
}
