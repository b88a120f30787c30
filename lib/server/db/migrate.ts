/**
 * migrateDatabase(): apply pending migrations from prisma/<kind>/migrations to a database.
 * Idempotent; creates the SQLite file and its folder when absent. Used by `npm run db:migrate`,
 * the app's pre-start step and the tests. Runs Prisma's schema engine as WebAssembly (see engine.ts),
 * writing the same _prisma_migrations table `prisma migrate deploy` uses.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type DbKind, databaseKindOf, migrationsDir, resolveDatabaseUrl, sqliteFilePath } from './config';
import { openSchemaEngine } from './schema-engine';
import { NO_FILTERS, readMigrationList } from './migrations';
import { createPrismaClient } from './client';
import { restoreDeferredIndexes } from './deferred-indexes';

export interface MigrateOptions {
  /** Folder holding sqlite/ and postgres/ (default ./prisma, or env PAIDLINE_PRISMA_DIR). */
  prismaDir?: string;
}

export interface MigrateResult {
  kind: DbKind;
  /** Names of the migrations applied by this call (empty when already up to date). */
  applied: string[];
  /** Indexes an interrupted ledger fill had set aside, built again before the migrations (lib/server/db/deferred-indexes.ts). */
  restoredIndexes: string[];
  ms: number;
}

export async function migrateDatabase(url?: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const started = performance.now();
  const dbUrl = resolveDatabaseUrl(url);
  const kind = databaseKindOf(dbUrl);
  const dir = migrationsDir(kind, options.prismaDir);
  const list = readMigrationList(dir);
  if (list.migrationDirectories.length === 0) {
    throw new Error(`No migrations found in ${dir}.`);
  }
  if (kind === 'sqlite') fs.mkdirSync(path.dirname(sqliteFilePath(dbUrl)), { recursive: true });
  // A migration expects the schema the previous one left: indexes set aside by a fill that did not end come back first.
  const restoredIndexes = await restoreInterruptedFill(dbUrl, kind);

  const handle = await openSchemaEngine(dbUrl);
  try {
    const out = await handle.engine.applyMigrations({ migrationsList: list, filters: NO_FILTERS });
    return { kind, applied: out.appliedMigrationNames, restoredIndexes, ms: Math.round(performance.now() - started) };
  } finally {
    await handle.close();
  }
}

/** Builds again the indexes an interrupted ledger fill set aside; nothing on a database without the app's tables yet. */
async function restoreInterruptedFill(url: string, kind: DbKind): Promise<string[]> {
  if (kind === 'sqlite' && !fs.existsSync(sqliteFilePath(url))) return [];
  const db = createPrismaClient(url);
  try {
    const tables: { n: number | bigint }[] =
      kind === 'sqlite'
        ? await db.$queryRawUnsafe(`SELECT count(*) AS "n" FROM sqlite_master WHERE "type" = 'table' AND "name" = 'AppSetting'`)
        : await db.$queryRawUnsafe(`SELECT count(*) AS "n" FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'AppSetting'`);
    if (!Number(tables[0]?.n ?? 0)) return [];
    return await restoreDeferredIndexes(db);
  } finally {
    await db.$disconnect();
  }
}
