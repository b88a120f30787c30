/**
 * Prisma's schema engine as WebAssembly, driven through a driver adapter.
 *
 * Why: the Prisma 7.10 CLI downloads a native schema engine before any migrate command, which
 * cannot happen offline. @prisma/schema-engine-wasm (the build matching prisma@7.10.0) does the
 * same work in-process when given a migration-aware driver adapter factory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { PrismaLibSql } from '@prisma/adapter-libsql';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';
import { type DbKind, databaseKindOf, libsqlUrl } from './config';
import { loggerFor } from '@/lib/server/observability/logger';

export type { SchemaEngine };
type Glue = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');

let gluePromise: Promise<Glue> | undefined;

/**
 * Path of the WASM glue module. Resolved from the project root first (works under tsx, vitest and
 * inside a Next.js server bundle, where `require.resolve` may return a module id), then from here.
 */
function resolveGlue(): string {
  const request = '@prisma/schema-engine-wasm/schema_engine_bg';
  try {
    return createRequire(path.join(process.cwd(), 'package.json')).resolve(request);
  } catch (e) {
    if (typeof require === 'function' && typeof require.resolve === 'function') {
      const r = require.resolve(request) as unknown;
      if (typeof r === 'string') return r;
    }
    throw e;
  }
}

/** Loads and instantiates the WASM module once per process (the glue module holds global state). */
export function loadSchemaEngineWasm(): Promise<Glue> {
  gluePromise ??= (async () => {
    const gluePath =
      process.env.PAIDLINE_SCHEMA_ENGINE_GLUE ?? resolveGlue();
    const wasmPath = path.join(path.dirname(gluePath), 'schema_engine_bg.wasm');
    // Node 20 cannot `import` a .wasm entry, so instantiate by hand with the glue as import object.
    const glue = (await import(/* webpackIgnore: true */ /* turbopackIgnore: true */ pathToFileURL(gluePath).href)) as Glue;
    const wasmModule = await WebAssembly.compile(fs.readFileSync(wasmPath));
    const instance = await WebAssembly.instantiate(wasmModule, {
      './schema_engine_bg.js': glue as unknown as WebAssembly.ModuleImports,
    });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
    return glue;
  })();
  gluePromise.catch(() => {
    gluePromise = undefined;
  });
  return gluePromise;
}

/**
 * adapter-pg refuses PostgreSQL's internal single-byte "char" type (OID 18), which the engine's
 * introspection selects from pg_catalog (contype, relkind, ...). pg itself returns such values as
 * strings, so relabelling the result fields as text (OID 25) is exact. Only the migration engine's
 * pool gets this; the app's client never sees pg_catalog.
 */
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

function relabelCharFields<T>(res: T): T {
  const fields = (res as { fields?: { dataTypeID: number }[] } | undefined)?.fields;
  if (Array.isArray(fields)) for (const f of fields) if (f.dataTypeID === PG_CHAR_OID) f.dataTypeID = PG_TEXT_OID;
  return res;
}

type AnyFn = (...args: unknown[]) => unknown;

function patchClientQuery(client: pg.PoolClient): void {
  const original = client.query.bind(client) as AnyFn;
  (client as unknown as { query: AnyFn }).query = (...args: unknown[]) => {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (err: unknown, res: unknown) => (last as AnyFn)(err, err ? res : relabelCharFields(res));
      return original(...args);
    }
    const r = original(...args);
    return r instanceof Promise ? r.then(relabelCharFields) : r;
  };
}

export function migrationPgPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('connect', patchClientQuery);
  // An idle client error must not crash the process; the next query reports it.
  pool.on('error', () => {});
  return pool;
}

/**
 * adapter-pg runs a migration script by splitting it on every ";", which breaks any statement
 * holding one inside a string or a dollar-quoted body (a trigger function, for instance).
 * PostgreSQL takes a whole script in one simple query (as Prisma's native engine sends it), run
 * as one implicit transaction: a migration applies whole or not at all.
 */
function sendScriptsWhole(adapter: SqlDriverAdapter): void {
  const internals = adapter as unknown as { client?: { query(sql: string): Promise<unknown> }; onError?: (e: unknown) => never };
  const { client, onError } = internals;
  if (!client || typeof client.query !== 'function' || typeof onError !== 'function') {
    throw new Error('adapter-pg internals changed: review sendScriptsWhole in lib/server/db/schema-engine.ts');
  }
  adapter.executeScript = async (script: string) => {
    try {
      await client.query(script);
    } catch (error) {
      onError.call(adapter, error);
    }
  };
}

export interface TrackedAdapterFactory extends SqlMigrationAwareDriverAdapterFactory {
  /** Disposes every connection handed out. Freeing the engine does not, and a PostgreSQL
   * connection left open keeps holding the migration advisory lock (the next run waits 10 s). */
  disposeAll(): Promise<void>;
}

/**
 * Adapter factory for the engine. The adapters' own shadow-database support is not used;
 * scripts/db creates shadow databases itself.
 */
export function migrationAdapterFactory(url: string): TrackedAdapterFactory {
  const kind = databaseKindOf(url);
  const base: SqlMigrationAwareDriverAdapterFactory =
    kind === 'sqlite'
      ? new PrismaLibSql({ url: libsqlUrl(url), timeout: 10_000 })
      : new PrismaPg(migrationPgPool(url), { disposeExternalPool: true });
  const open = new Set<SqlDriverAdapter>();
  const track = async (p: Promise<SqlDriverAdapter>) => {
    const a = await p;
    if (kind === 'postgres') sendScriptsWhole(a);
    open.add(a);
    return a;
  };
  return {
    provider: base.provider,
    adapterName: base.adapterName,
    connect: () => track(base.connect()),
    connectToShadowDb: () => Promise.reject(new Error('shadow databases are created by scripts/db, not by the adapter')),
    disposeAll: async () => {
      const all = [...open];
      open.clear();
      await Promise.all(all.map((a) => a.dispose().catch(() => {})));
    },
  };
}

export interface EngineHandle {
  engine: SchemaEngine;
  kind: DbKind;
  /** Frees the engine, which disposes the adapter connection. */
  close(): Promise<void>;
}

export async function openSchemaEngine(url: string): Promise<EngineHandle> {
  const kind = databaseKindOf(url);
  const glue = await loadSchemaEngineWasm();
  const debug = process.env.PAIDLINE_DB_DEBUG ? (msg: string) => loggerFor('schema-engine').info(msg) : () => {};
  const factory = migrationAdapterFactory(url);
  let engine: SchemaEngine;
  try {
    engine = await glue.SchemaEngine.new({ datamodels: undefined }, debug, bindMigrationAwareSqlAdapterFactory(factory));
  } catch (e) {
    await factory.disposeAll();
    throw e;
  }
  return {
    engine,
    kind,
    close: async () => {
      engine.free();
      await factory.disposeAll();
    },
  };
}
