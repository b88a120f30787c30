/**
 * npm run db:new -- <name>
 * Creates prisma/{sqlite,postgres}/migrations/<timestamp>_<name>/migration.sql from the changes in
 * prisma/models.prisma that no committed migration captures yet, for BOTH databases, then
 * regenerates the schema files and clients. PostgreSQL needs a server for its shadow database:
 * DATABASE_URL if postgres, else TEST_POSTGRES_URL, else postgresql://postgres@127.0.0.1:5432/postgres.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { prismaDir, redactUrl } from '@/lib/server/db/config';
import { DB_KINDS, writeSchemas } from '@/lib/server/db/schemas';
import { migrationTimestamp, pendingMigrationSql, pgReachable, pgServerUrl, writeMigration } from './tooling';

async function main(): Promise<number> {
  const name = (process.argv[2] ?? '').trim();
  if (!/^[a-z0-9_]+$/i.test(name)) {
    console.error('usage: npm run db:new -- <name>   (letters, digits and _ only, e.g. add_invoice_table)');
    return 2;
  }
  const dir = prismaDir();
  writeSchemas(dir);

  const server = pgServerUrl();
  const unreachable = await pgReachable(server);
  if (unreachable) {
    console.error(
      `db:new: PostgreSQL at ${redactUrl(server)} is not reachable (${unreachable}).\n` +
        'A migration must be created for both databases; set TEST_POSTGRES_URL (or DATABASE_URL) to a server where a shadow database can be created.',
    );
    return 1;
  }

  // Compute both diffs before writing anything, so a failure leaves no half-created migration.
  const sql = Object.fromEntries(
    await Promise.all(DB_KINDS.map(async (kind) => [kind, await pendingMigrationSql(kind, dir)] as const)),
  );
  const changed = DB_KINDS.filter((k) => sql[k]);
  if (changed.length === 0) {
    console.log('db:new: models.prisma has no changes that the migrations miss; nothing created.');
    return 0;
  }
  const dirName = `${migrationTimestamp()}_${name}`;
  for (const kind of changed) {
    const target = writeMigration(kind, dir, dirName, sql[kind] ?? '');
    console.log(`db:new: created ${path.relative(process.cwd(), target)}/migration.sql`);
  }
  for (const kind of DB_KINDS.filter((k) => !sql[k])) {
    console.warn(`db:new: warning: no ${kind} changes (the change is a no-op there); no ${kind} migration created.`);
  }

  const gen = spawnSync(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, 'generate.ts')], {
    stdio: 'inherit',
  });
  if (gen.status !== 0) console.error('db:new: migration written, but `npm run db:generate` failed; run it again.');
  console.log('db:new: review the SQL, then apply it with `npm run db:migrate`.');
  return gen.status === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`db:new: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
