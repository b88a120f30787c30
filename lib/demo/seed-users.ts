import { hashPassword } from '@/lib/features/users/password';
import { getPrisma } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from './accounts';

/** Creates (or resets) one demo user per role. Only ever called in demo mode. */
export async function seedDemoUsers(db = getPrisma()): Promise<typeof DEMO_ACCOUNTS> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  for (const account of DEMO_ACCOUNTS) {
    await db.$transaction(async (tx) => {
      const before = await tx.user.findUnique({ where: { email: account.email }, select: { id: true, role: true } });
      const user = await tx.user.upsert({
        where: { email: account.email },
        create: { ...account, passwordHash },
        update: { name: account.name, role: account.role, passwordHash, disabled: false },
      });
      if (!before) {
        await writeAudit(tx, { action: 'user.create', entityType: 'User', entityId: user.id, after: { email: user.email, role: user.role, demo: true } });
      }
    });
  }
  return DEMO_ACCOUNTS;
}
