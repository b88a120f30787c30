/**
 * npm run db:check
 * Fails (exit 1) when prisma/models.prisma has changes that no migration captures, or when the
 * generated prisma/{sqlite,postgres}/schema.prisma are out of date. SQLite is always checked;
 * PostgreSQL when a server is reachable (DATABASE_URL if postgres, else TEST_POSTGRES_URL, else
 * postgresql://postgres@127.0.0.1:5432/postgres). A skipped PostgreSQL check is reported, and is a
 * failure when DB_CHECK_REQUIRE_POSTGRES=1.
 */
import path from 'node:path';
import { migrationsDir, prismaDir, redactUrl } from '@/lib/server/db/config';
import { readMigrationList } from '@/lib/server/db/migrations';
import { staleSchemas } from '@/lib/server/db/schemas';
import { pendingMigrationSql, pgReachable, pgServerUrl } from './tooling';

async function main(): Promise<number> {
  const dir = prismaDir();
  const rel = (p: string) => path.relative(process.cwd(), p) || '.';
  let failed = false;

  const stale = staleSchemas(dir);
  if (stale.length > 0) {
    failed = true;
    console.error(
      `db:check: FAIL ${stale.map((k) => rel(path.join(dir, k, 'schema.prisma'))).join(' and ')} out of date with models.prisma: run \`npm run db:generate\` and commit them.`,
    );
  }

  const check = async (kind: 'sqlite' | 'postgres') => {
    const list = readMigrationList(migrationsDir(kind, dir));
    const sql = await pendingMigrationSql(kind, dir);
    if (sql) {
      failed = true;
      console.error(
        `db:check: FAIL ${kind}: models.prisma has changes that no migration in ${rel(migrationsDir(kind, dir))} captures.\n` +
          `Create one with \`npm run db:new -- <name>\`. Missing SQL:\n${sql.replace(/^/gm, '    ')}`,
      );
    } else {
      console.log(`db:check: ok   ${kind}: ${list.migrationDirectories.length} migration(s) match models.prisma.`);
    }
  };

  await check('sqlite');
  const server = pgServerUrl();
  const unreachable = await pgReachable(server);
  if (unreachable) {
    const msg = `db:check: SKIPPED postgres: no PostgreSQL server reachable at ${redactUrl(server)} (${unreachable}); PostgreSQL migrations NOT checked.`;
    if (process.env.DB_CHECK_REQUIRE_POSTGRES === '1') {
      failed = true;
      console.error(`${msg} DB_CHECK_REQUIRE_POSTGRES=1 makes this a failure.`);
    } else {
      console.warn(msg);
    }
  } else {
    await check('postgres');
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`db:check: FAIL ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
