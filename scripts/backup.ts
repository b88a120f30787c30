/**
 * npm run db:backup -- [--out backups/paidline-<time>.<db|dump>]
 * npm run db:restore -- <file> [--force]
 *
 * Backs up / restores the database DATABASE_URL points at (the SQLite default when unset).
 * See lib/server/db/backup.ts and the deployment guide (docs/deployment.md).
 */
import path from 'node:path';
import { BackupError, backupDatabase, restoreDatabase } from '@/lib/server/db/backup';
import { databaseKindOf, redactUrl, resolveDatabaseUrl } from '@/lib/server/db/config';
import { parseFlags } from './lib/args';

const USAGE = 'Usage: npm run db:backup -- [--out <file>]\n       npm run db:restore -- <file> [--force]';

const [command, ...rest] = process.argv.slice(2);

async function main() {
  process.argv = [process.argv[0] as string, process.argv[1] as string, ...rest];
  const { values, positionals } = parseFlags({ out: { type: 'string' }, force: { type: 'boolean' } }, USAGE);
  const url = resolveDatabaseUrl();
  const kind = databaseKindOf(url);
  if (command === 'backup') {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const out = values.out ?? path.join('backups', `paidline-${stamp}.${kind === 'sqlite' ? 'db' : 'dump'}`);
    const m = await backupDatabase(url, out);
    const rows = Object.values(m.tables).reduce((a, b) => a + b, 0);
    console.log(`Backed up ${redactUrl(url)} to ${out} (${(m.bytes / 1048576).toFixed(1)} MiB, ${Object.keys(m.tables).length} tables, ${rows} rows, ${m.migrations.length} migrations).`);
    console.log(`Manifest: ${out}.manifest.json. Keep PAIDLINE_SECRET_KEY and AUTH_SECRET safe separately: the backup holds secrets encrypted with them.`);
  } else if (command === 'restore') {
    const file = positionals[0];
    if (!file) {
      console.error(`Name the backup file to restore.\n\n${USAGE}`);
      process.exit(2);
    }
    const r = await restoreDatabase(file, url, { force: values.force });
    const rows = Object.values(r.tables).reduce((a, b) => a + b, 0);
    console.log(`Restored ${file} into ${redactUrl(url)}: ${Object.keys(r.tables).length} tables, ${rows} rows${r.verified ? ', row counts match the manifest' : ' (no manifest beside the file: counts not verified)'}.`);
    if (r.upgraded.length) console.log(`Applied ${r.upgraded.length} newer migration(s): ${r.upgraded.join(', ')}.`);
  } else {
    console.error(USAGE);
    process.exit(2);
  }
}

main().catch((e) => {
  console.error(e instanceof BackupError ? `db:${command ?? ''}: ${e.message}` : e);
  process.exit(1);
});
