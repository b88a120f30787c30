/**
 * Child of the "dashboard-load" bench (run under tsx with DATABASE_URL set): prepares a fresh
 * database like `npm run demo` does (migrations, demo users, the demo company with its ROMI run),
 * adds BENCH_EXECUTIVES executive users, and prints them as one JSON line for the bench to mint
 * their session cookies.
 */
import { migrateDatabase } from '@/lib/server/db/migrate';
import { getPrisma } from '@/lib/server/db/client';
import { seedDemoUsers } from '@/lib/demo/seed-users';
import { seedDemoData } from '@/lib/demo/seed-data';
import { bootstrap } from '@/lib/server/bootstrap';
import { closeBulkWriters } from '@/lib/server/db/record-insert';
import { hashPassword } from '@/lib/features/users/password';

async function main() {
  const count = Number(process.env.BENCH_EXECUTIVES ?? 50);
  await migrateDatabase();
  await seedDemoUsers();
  bootstrap();
  await seedDemoData();
  const db = getPrisma();
  // One hash for all: they never sign in with a password (the bench mints their session cookies).
  const passwordHash = await hashPassword(`bench-${Date.now()}-not-used`);
  const users = [];
  for (let i = 1; i <= count; i++) {
    const n = String(i).padStart(2, '0');
    users.push(
      await db.user.create({
        data: { email: `exec${n}@bench.paidline.test`, name: `Executive ${n}`, role: 'executive', passwordHash },
        select: { id: true, email: true, name: true, role: true, sessionVersion: true },
      }),
    );
  }
  await db.$disconnect();
  await closeBulkWriters();
  process.stdout.write(`USERS ${JSON.stringify(users)}\n`);
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error((e as Error)?.stack ?? e);
  process.exit(1);
});
