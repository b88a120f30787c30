/**
 * Shared by db:new and db:check: diff "what the committed migrations produce" against
 * "what models.prisma describes", per database, offline, through the WASM schema engine.
 *
 * The migrations are replayed into a shadow database we create ourselves (a temp SQLite file, or a
 * paidline_shadow_* PostgreSQL database dropped WITH (FORCE) afterwards): the adapters' own shadow
 * database support is not used.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SqlDriverAdapter, SqlQuery } from '@prisma/driver-adapter-utils';
import { type DbKind, databaseKindOf, migrationsDir, redactUrl } from '@/lib/server/db/config';
import { loadSchemaEngineWasm, migrationAdapterFactory } from '@/lib/server/db/schema-engine';
import { LOCKFILE, NO_FILTERS, lockfileContent, readMigrationList } from '@/lib/server/db/migrations';
import { readSchema } from '@/lib/server/db/schemas';

export const DEFAULT_PG_SERVER_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

/** PostgreSQL server used for shadow databases: DATABASE_URL if postgres, else TEST_POSTGRES_URL, else local default. */
export function pgServerUrl(): string {
  const db = process.env.DATABASE_URL?.trim();
  if (db && databaseKindOf(db) === 'postgres') return db;
  return process.env.TEST_POSTGRES_URL?.trim() || DEFAULT_PG_SERVER_URL;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function pgReachable(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (e) {
    return (e as Error).message || String(e);
  } finally {
    await client.end().catch(() => {});
  }
}

async function pgAdmin<T>(serverUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * CREATE DATABASE copies template1 and fails with 55006 ("source database is being accessed by other
 * users") while another CREATE DATABASE is copying it, e.g. parallel checks or tests: retry briefly.
 */
export async function createDatabaseRetrying(c: pg.Client, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await c.query(`CREATE DATABASE "${name}"`);
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== '55006' || attempt >= 20) throw e;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
}

export async function createPgDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unsafe database name ${name}`);
  await pgAdmin(serverUrl, (c) => createDatabaseRetrying(c, name));
  return withDatabase(serverUrl, name);
}

export async function dropPgDatabase(serverUrl: string, name: string): Promise<void> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unsafe database name ${name}`);
  await pgAdmin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/**
 * SQL that would bring a database built from the committed migrations up to models.prisma;
 * '' when nothing is missing.
 */
export async function pendingMigrationSql(kind: DbKind, prismaDir: string): Promise<string> {
  const dir = migrationsDir(kind, prismaDir);
  const list = readMigrationList(dir);
  const schema = readSchema(prismaDir, kind);
  const to = { tag: 'schemaDatamodel' as const, files: [{ path: 'schema.prisma', content: schema }] };
  if (list.migrationDirectories.length > 0 && list.lockfile.content === null) {
    throw new Error(`${path.join(dir, LOCKFILE)} is missing; it must accompany the migrations.`);
  }

  const glue = await loadSchemaEngineWasm();
  const tag = `${Date.now()}_${crypto.randomBytes(4).toString('hex')}`;
  let mainUrl: string;
  let shadowUrl: string;
  let cleanup: () => Promise<void>;
  if (kind === 'sqlite') {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'paidline_shadow_'));
    mainUrl = `file:${path.join(tmp, 'main.db')}`;
    shadowUrl = `file:${path.join(tmp, 'shadow.db')}`;
    cleanup = async () => fs.rmSync(tmp, { recursive: true, force: true });
  } else {
    const server = pgServerUrl();
    const name = `paidline_shadow_${tag}`;
    mainUrl = server;
    shadowUrl = await createPgDatabase(server, name);
    cleanup = () => dropPgDatabase(server, name);
  }

  const main = migrationAdapterFactory(mainUrl);
  // The engine replays each migration into the shadow database with ONE executeRaw call holding the
  // whole script; adapter-libsql then runs only the first statement (silently), so route argument-less
  // executeRaw calls on the shadow connection to executeScript, which runs them all.
  const shadow = migrationAdapterFactory(shadowUrl);
  const engine = await glue.SchemaEngine.new(
    { datamodels: undefined },
    process.env.PAIDLINE_DB_DEBUG ? (m: string) => console.error('[schema-engine]', m) : () => {},
    bindMigrationAwareSqlAdapterFactory({
      provider: main.provider,
      adapterName: main.adapterName,
      connect: () => main.connect(),
      connectToShadowDb: async () => scriptingShadow(await shadow.connect()),
    }),
  );
  try {
    // Always diff from the (possibly empty) migration history replayed into the shadow database, as
    // `prisma migrate dev` does; the engine insists on a lockfile even for an empty history.
    const from = {
      tag: 'migrations' as const,
      ...list,
      lockfile: { ...list.lockfile, content: list.lockfile.content ?? lockfileContent(kind) },
    };
    const res = await engine.diff({ from, to, script: true, exitCode: true, filters: NO_FILTERS });
    return res.exitCode === 2 ? (res.stdout ?? '') : '';
  } catch (e) {
    throw new Error(`${kind}: diffing migrations against models.prisma failed: ${(e as Error).message}`);
  } finally {
    engine.free();
    await Promise.all([main.disposeAll(), shadow.disposeAll()]);
    await cleanup().catch((e: unknown) => console.error(`warning: could not clean up ${redactUrl(shadowUrl)}: ${String(e)}`));
  }
}

function scriptingShadow(adapter: SqlDriverAdapter): SqlDriverAdapter {
  return new Proxy(adapter, {
    get(target, prop, receiver) {
      if (prop === 'executeRaw') {
        return async (q: SqlQuery) => {
          if (q.args.length > 0) return target.executeRaw(q);
          await target.executeScript(q.sql);
          return 0;
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

export function migrationTimestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

export function writeMigration(kind: DbKind, prismaDir: string, dirName: string, sql: string): string {
  const dir = migrationsDir(kind, prismaDir);
  const target = path.join(dir, dirName);
  if (fs.existsSync(target)) throw new Error(`${target} already exists`);
  fs.mkdirSync(target, { recursive: true });
  fs.writeFileSync(path.join(target, 'migration.sql'), sql);
  const lock = path.join(dir, LOCKFILE);
  if (!fs.existsSync(lock)) fs.writeFileSync(lock, lockfileContent(kind));
  return target;
}
