/**
 * npm run user:unlock -- --email ana@example.com
 *
 * Lifts every sign-in hold on an e-mail (from every address and device), for an admin who cannot wait
 * and has no other admin to reset their password. Audited. The holds themselves are described in
 * lib/features/users/sign-in-throttle.ts.
 */
import { clearHoldsFor } from '@/lib/features/users/sign-in-throttle';
import { migrateDatabase } from '@/lib/server/db/migrate';
import { getPrisma } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';
import { parseFlags } from './lib/args';

const USAGE = 'Usage: npm run user:unlock -- --email <e-mail>';

async function main() {
  const { values } = parseFlags({ email: { type: 'string' } }, USAGE);
  if (!values.email) {
    console.error(`--email is required.\n\n${USAGE}`);
    process.exit(2);
  }
  await migrateDatabase();
  const prisma = getPrisma();
  const lifted = await prisma.$transaction(async (tx) => {
    const count = await clearHoldsFor(values.email!, tx);
    const user = await tx.user.findUnique({ where: { email: values.email!.trim().toLowerCase() }, select: { id: true } });
    await writeAudit(tx, { actor: null, action: 'auth.unlock', entityType: 'User', entityId: user?.id ?? null, after: { email: values.email!.trim().toLowerCase(), holdsLifted: count, via: 'npm run user:unlock' } });
    return count;
  });
  await prisma.$disconnect();
  console.log(lifted === 0 ? `No sign-in hold on ${values.email}.` : `Lifted ${lifted} sign-in hold${lifted === 1 ? '' : 's'} on ${values.email}.`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
