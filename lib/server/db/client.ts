/**
 * The app's Prisma client. SQLite (libSQL driver adapter) by default, file ./data/paidline.db;
 * PostgreSQL (pg driver adapter) when DATABASE_URL starts with postgres:// or postgresql://.
 *
 * Both generated clients come from the same models, so the PostgreSQL one is exposed under the
 * SQLite client's type. No Next.js imports: CLI scripts and tests use this module too.
 */
import pg from 'pg';
import { PrismaLibSql } from '@prisma/adapter-libsql';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@/lib/generated/sqlite/client';
import { PrismaClient as PostgresPrismaClient } from '@/lib/generated/postgres/client';
import { type DbKind, databaseKindOf, libsqlUrl, resolveDatabaseUrl } from './config';
import { processSlot } from '@/lib/server/core/process-state';
import { SQLITE_STATEMENT_BUSY_MS, waitOutBusyOn } from './sqlite-busy';

export { PrismaClient };
export type { DbKind };
export { resolveDatabaseUrl, databaseKindOf } from './config';

/** Busy timeout for SQLite writers waiting on a lock (ms). */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/**
 * libSQL adapter that switches the file to WAL on connect (readers no longer block the writer).
 * journal_mode=WAL persists in the file; the (short) busy timeout is a per-connection option that
 * @libsql/client applies to every connection it opens via `timeout`. Longer waits for the lock are
 * asynchronous, transactions begin IMMEDIATE and a failed COMMIT rolls back (./sqlite-busy.ts).
 * Within this process the adapter runs one transaction at a time anyway; readers never wait.
 */
class WalLibSql extends PrismaLibSql {
  constructor(config: ConstructorParameters<typeof PrismaLibSql>[0], private readonly busyTimeoutMs: number) {
    super(config);
  }

  override async connect(): ReturnType<PrismaLibSql['connect']> {
    const adapter = await super.connect();
    await adapter.executeScript('PRAGMA journal_mode = WAL;');
    const client = (adapter as unknown as { client?: Parameters<typeof waitOutBusyOn>[0] }).client;
    if (!client?.transaction || !client.reconnect) throw new Error('The libSQL adapter no longer exposes its client: update WalLibSql (lib/server/db/client.ts).');
    waitOutBusyOn(client, this.busyTimeoutMs);
    return adapter;
  }
}

export interface CreatePrismaOptions {
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /** SQLite: how long a statement or transaction waits for the write lock (default SQLITE_BUSY_TIMEOUT_MS; tests shorten it). */
  busyTimeoutMs?: number;
}

// Kept on the client itself (not in a module-level map): Next.js may load this module
// more than once in one server, while the client is one per process (lib/server/core/process-state.ts).
const TARGET = Symbol.for('paidline.db.target');
type Target = { kind: DbKind; url: string };

/** Which database a client talks to (for the few raw paths, such as bulk inserts). */
export function clientTarget(client: object): Target {
  const target = (client as { [TARGET]?: Target })[TARGET];
  if (!target) throw new Error('This Prisma client was not made by createPrismaClient().');
  return target;
}

/** Marks an object (a transaction of the bulk writers' own) as talking to a database, for clientTarget. */
export function withClientTarget<T extends object>(obj: T, target: Target): T {
  Object.defineProperty(obj, TARGET, { value: target, enumerable: false });
  return obj;
}

/** A new client for an explicit URL (file:..., postgres://...). The caller owns it ($disconnect). */
export function createPrismaClient(url: string, options: CreatePrismaOptions = {}): PrismaClient {
  const kind = databaseKindOf(url);
  let client: PrismaClient;
  if (kind === 'sqlite') {
    const busyTimeoutMs = options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS;
    const adapter = new WalLibSql({ url: libsqlUrl(url), timeout: SQLITE_STATEMENT_BUSY_MS }, busyTimeoutMs);
    // A transaction's BEGIN IMMEDIATE may wait for another connection's write as long as any writer would.
    client = new PrismaClient({ adapter, transactionOptions: { maxWait: busyTimeoutMs } });
  } else {
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
    const adapter = new PrismaPg(pool, { disposeExternalPool: true });
    client = new PostgresPrismaClient({ adapter }) as unknown as PrismaClient;
  }
  Object.defineProperty(client, TARGET, { value: { kind, url } satisfies Target, enumerable: false });
  return client;
}

type Cache = { url: string; client: PrismaClient };
const slot = processSlot<Cache>('prisma');

/**
 * The process-wide client for DATABASE_URL (default file:./data/paidline.db). One per process
 * so Next.js dev hot reloads do not open a new pool per reload.
 */
export function getPrisma(): PrismaClient {
  const url = resolveDatabaseUrl();
  const cached = slot.get();
  if (cached && cached.url === url) return cached.client;
  const client = createPrismaClient(url);
  slot.set({ url, client });
  return client;
}

/** Which database DATABASE_URL selects. */
export function databaseKind(): DbKind {
  return databaseKindOf(resolveDatabaseUrl());
}

/** The Prisma client type every feature takes as its `db` parameter (the SQLite and PostgreSQL clients share it). */
export type DbClient = ReturnType<typeof getPrisma>;
