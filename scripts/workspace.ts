/**
 * npm run workspace -- --email you@company.com
 *
 * A clean workspace for a company's own data (not the demo): its own embedded database
 * (./data/workspace.db unless DATABASE_URL says otherwise), the default rule set, and a first admin
 * account when there is none (the e-mail given; the password from PAIDLINE_ADMIN_PASSWORD, else
 * generated and printed once). Then builds and starts the app on http://localhost:3000 (PORT), where
 * the dashboard's "Getting started" steps lead from the first upload to the ROMI figures.
 */
import { spawnSync } from 'node:child_process';
import { nextCommand, nextEnv, startNext } from './lib/next-bin';
import { demoAuthSecret } from './lib/secret';
import { parseFlags } from './lib/args';

const USAGE = 'Usage: npm run workspace -- --email <the first admin\'s e-mail> [--name <name>]';

async function main() {
  const { values } = parseFlags({ email: { type: 'string' }, name: { type: 'string' } }, USAGE);
  process.env.DATABASE_URL ??= 'file:./data/workspace.db';
  // Imported after DATABASE_URL is settled: the database client reads it once.
  const { migrateDatabase } = await import('@/lib/server/db/migrate');
  const { databaseKind, getPrisma } = await import('@/lib/server/db/client');
  const { ensureDefaultRuleSet } = await import('@/lib/features/runs/rulesets');
  const { countUsers } = await import('@/lib/features/users/queries');
  const { createUser } = await import('@/lib/features/users/create-user');
  const { generatePassword } = await import('@/lib/features/users/password');

  console.log(`Preparing the workspace (${databaseKind() === 'sqlite' ? `embedded SQLite, ${process.env.DATABASE_URL}` : 'PostgreSQL'})…`);
  await migrateDatabase();
  await ensureDefaultRuleSet(getPrisma());
  let created: { email: string; password: string | null } | null = null;
  if ((await countUsers()) === 0) {
    if (!values.email) {
      console.error(`This workspace has no account yet: give the first admin's e-mail.\n\n${USAGE}`);
      process.exit(2);
    }
    const password = process.env.PAIDLINE_ADMIN_PASSWORD || generatePassword();
    const user = await createUser({ email: values.email, role: 'admin', name: values.name ?? values.email.split('@')[0] ?? values.email, password });
    created = { email: user.email, password: process.env.PAIDLINE_ADMIN_PASSWORD ? null : password };
  }
  await getPrisma().$disconnect();

  const port = process.env.PORT ?? '3000';
  const env = { ...process.env, AUTH_SECRET: process.env.AUTH_SECRET ?? demoAuthSecret(), PORT: port };
  if (process.env.PAIDLINE_SKIP_BUILD !== '1') {
    console.log('Building the app (about a minute)…');
    const build = spawnSync(...nextCommand(['build']), { stdio: 'inherit', env: nextEnv(env) });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
  startNext(['-p', port], env, () => {
    console.log(`\nPaidline (your workspace) is running on http://localhost:${port}`);
    if (created) console.log(`First admin: ${created.email}${created.password ? `, password (shown once): ${created.password}` : ' (password from PAIDLINE_ADMIN_PASSWORD)'}`);
    console.log('Sign in and follow "Getting started" on the dashboard. Press Ctrl+C to stop.');
  });
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
