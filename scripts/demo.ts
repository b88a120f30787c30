/**
 * npm run demo: prepare the embedded database, load the demo company, build and
 * start Paidline on http://localhost:3000, and print the demo logins.
 */
import { spawnSync } from 'node:child_process';
import { nextCommand, nextEnv, startNext } from './lib/next-bin';
import { migrateDatabase } from '@/lib/server/db/migrate';
import { databaseKind, getPrisma } from '@/lib/server/db/client';
import { seedDemoUsers } from '@/lib/demo/seed-users';
import { seedDemoData } from '@/lib/demo/seed-data';
import { bootstrap } from '@/lib/server/bootstrap';
import { closeBulkWriters } from '@/lib/server/db/record-insert';
import { DEMO_PASSWORD } from '@/lib/demo/accounts';
import { ROLE_LABELS } from '@/lib/domain/roles';
import { demoAuthSecret } from './lib/secret';

const port = process.env.PORT ?? '3000';

async function main() {
  console.log(`Preparing the ${databaseKind() === 'sqlite' ? 'embedded SQLite' : 'PostgreSQL'} database…`);
  await migrateDatabase();
  const accounts = await seedDemoUsers();
  bootstrap();
  await seedDemoData();
  await getPrisma().$disconnect();
  await closeBulkWriters();

  const env = {
    ...process.env,
    PAIDLINE_DEMO: '1',
    AUTH_SECRET: process.env.AUTH_SECRET ?? demoAuthSecret(),
    PORT: port,
    // The demo logins work without a phone: no role is forced to enrol in MFA unless the environment says so.
    PAIDLINE_MFA_REQUIRED_ROLES: process.env.PAIDLINE_MFA_REQUIRED_ROLES ?? '',
  };
  if (process.env.PAIDLINE_SKIP_BUILD !== '1') {
    console.log('Building the app (about a minute)…');
    const build = spawnSync(...nextCommand(['build']), { stdio: 'inherit', env: nextEnv(env) });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }

  startNext(['-p', port], env, () => {
    console.log(`\nPaidline is running on http://localhost:${port}\n\nDemo logins (password for all: ${DEMO_PASSWORD}):`);
    for (const a of accounts) console.log(`  ${ROLE_LABELS[a.role].padEnd(17)} ${a.email}`);
    console.log('\nPress Ctrl+C to stop.');
  });
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
