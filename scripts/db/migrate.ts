/**
 * npm run db:migrate: apply pending migrations to DATABASE_URL (default file:./data/paidline.db).
 */
import { databaseKindOf, redactUrl, resolveDatabaseUrl } from '@/lib/server/db/config';
import { migrateDatabase } from '@/lib/server/db/migrate';

const url = resolveDatabaseUrl(process.argv[2]);
migrateDatabase(url).then(
  (r) => {
    const what = r.applied.length ? `applied ${r.applied.join(', ')}` : 'already up to date';
    console.log(`db:migrate: ${databaseKindOf(url)} ${redactUrl(url)}: ${what} (${r.ms} ms)`);
  },
  (e: unknown) => {
    console.error(`db:migrate: failed for ${redactUrl(url)}: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
