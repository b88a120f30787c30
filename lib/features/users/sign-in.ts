import { type PublicUser } from './queries';
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { dummyPasswordHash, verifyPassword } from '@/lib/features/users/password';
import { roleSchema } from '@/lib/domain/roles';
import { writeAudit } from '@/lib/server/db/audit';

/** A user whose password was right: what sign-in needs next (the second factor, the session version). */
export type AuthUser = PublicUser & { mfaEnabled: boolean; sessionVersion: number };

export type CredentialCheck =
  | { ok: true; user: AuthUser }
  | { ok: false; reason: 'unknown-user' | 'bad-password' | 'disabled' };

/** Checks an e-mail and password; the same work is done whether or not the account exists. */
export async function checkCredentials(email: string, password: string, db: Client = getPrisma()): Promise<CredentialCheck> {
  const normalized = email.trim().toLowerCase();
  const user = await db.user.findUnique({ where: { email: normalized } });
  if (!user) {
    await verifyPassword(await dummyPasswordHash(), password);
    return { ok: false, reason: 'unknown-user' };
  }
  const valid = await verifyPassword(user.passwordHash, password);
  if (!valid) return { ok: false, reason: 'bad-password' };
  if (user.disabled) return { ok: false, reason: 'disabled' };
  const role = roleSchema.safeParse(user.role);
  if (!role.success) return { ok: false, reason: 'disabled' };
  return {
    ok: true,
    user: { id: user.id, email: user.email, name: user.name, role: role.data, mfaEnabled: user.mfaEnabled, sessionVersion: user.sessionVersion },
  };
}

export async function recordSignIn(
  result: CredentialCheck,
  attemptedEmail: string,
  meta: { ip?: string | null; userAgent?: string | null },
  db: Client = getPrisma(),
  secondFactor?: 'totp' | 'recovery',
): Promise<void> {
  if (result.ok) {
    await db.$transaction(async (tx) => {
      await tx.user.update({ where: { id: result.user.id }, data: { lastLoginAt: new Date() } });
      await writeAudit(tx, {
        actor: result.user,
        action: 'auth.signin',
        entityType: 'User',
        entityId: result.user.id,
        ...(secondFactor ? { after: { secondFactor } } : {}),
        ...meta,
      });
    });
    return;
  }
  await db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { email: attemptedEmail.trim().toLowerCase() }, select: { id: true, email: true } });
    await writeAudit(tx, {
      actor: null,
      action: 'auth.signin.failed',
      entityType: 'User',
      entityId: user?.id ?? null,
      after: { email: attemptedEmail.slice(0, 254), reason: result.reason },
      ...meta,
    });
  });
}
