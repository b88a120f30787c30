/**
 * npm start: the production start. Applies pending migrations, refuses to start
 * without AUTH_SECRET, never creates users, then runs `next start`.
 */
import { startNext } from './lib/next-bin';
import { migrateDatabase } from '@/lib/server/db/migrate';
import { countUsers } from '@/lib/features/users/queries';
import { carryOverRomiJoinVariable } from '@/lib/features/romi/configure';
import { databaseKind, getPrisma } from '@/lib/server/db/client';

async function main() {
  if (!process.env.AUTH_SECRET || process.env.AUTH_SECRET.length < 32) {
    console.error('AUTH_SECRET must be set to a random value of at least 32 characters (for example: openssl rand -base64 32).');
    process.exit(1);
  }
  await migrateDatabase();
  // The join used to be PAIDLINE_ROMI_JOIN: carried over once onto each reconciliation, then no longer read.
  if (process.env.PAIDLINE_ROMI_JOIN) {
    const carried = await carryOverRomiJoinVariable(process.env.PAIDLINE_ROMI_JOIN);
    console.warn(`PAIDLINE_ROMI_JOIN is no longer read${carried ? `; its join was carried over to ${carried} reconciliation(s)` : ''}: set the join on each reconciliation's page (ROMI). Remove the variable.`);
  }
  const users = await countUsers();
  await getPrisma().$disconnect();
  if (users === 0) {
    console.warn('No users yet. Create the first admin with: npm run user:create -- --email you@example.com --role admin');
  }
  console.log(`Database: ${databaseKind()}. Starting Paidline…`);
  startNext(process.argv.slice(2), process.env);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
