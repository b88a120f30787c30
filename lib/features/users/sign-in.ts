import { type PublicUser } from './queries';
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { dummyPasswordHash, verifyPassword } from '@/lib/features/users/password';
import { roleSchema } from '@/lib/domain/roles';
import { type Tx } from './account';
import { writeAudit } from '@/lib/server/db/audit';

/** A user whose password was right: what sign-in needs next (the second factor, the session version). */
export type AuthUser = PublicUser & { mfaEnabled: boolean; sessionVersion: number };

export type CredentialCheck =
  | { ok: true; user: AuthUser }
  | { ok: false; reason: 'unknown-user' | 'bad-password' | 'disabled' }
  | { ok: false; reason: 'locked'; until: Date };

/** Failed sign-ins in a row that lock an account, and for how long. */
export function lockoutPolicy(): { threshold: number; minutes: number } {
  const threshold = Number(process.env.PAIDLINE_LOCKOUT_THRESHOLD ?? 5);
  const minutes = Number(process.env.PAIDLINE_LOCKOUT_MINUTES ?? 15);
  return { threshold: threshold > 0 ? threshold : 5, minutes: minutes > 0 ? minutes : 15 };
}

/** Checks an e-mail and password; the same work is done whether or not the account exists. */
export async function checkCredentials(email: string, password: string, db: Client = getPrisma()): Promise<CredentialCheck> {
  const normalized = email.trim().toLowerCase();
  const user = await db.user.findUnique({ where: { email: normalized } });
  if (!user) {
    await verifyPassword(await dummyPasswordHash(), password);
    return { ok: false, reason: 'unknown-user' };
  }
  if (user.lockedUntil && user.lockedUntil > new Date()) {
    // Locked: the password is not even tried, so guessing on stops here.
    await verifyPassword(await dummyPasswordHash(), password);
    return { ok: false, reason: 'locked', until: user.lockedUntil };
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

/** One more failure in a row for this account; locks it at the threshold (audited). Call inside a transaction. */
export async function countFailure(
  tx: Tx,
  userId: string,
  meta: { ip?: string | null; userAgent?: string | null },
): Promise<void> {
  const { threshold, minutes } = lockoutPolicy();
  const updated = await tx.user.update({ where: { id: userId }, data: { failedLogins: { increment: 1 } } });
  if (updated.failedLogins >= threshold) {
    const until = new Date(Date.now() + minutes * 60_000);
    await tx.user.update({ where: { id: userId }, data: { lockedUntil: until, failedLogins: 0 } });
    await writeAudit(tx, { actor: null, action: 'auth.locked', entityType: 'User', entityId: userId, after: { until: until.toISOString(), failures: updated.failedLogins }, ...meta });
  }
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
      await tx.user.update({ where: { id: result.user.id }, data: { lastLoginAt: new Date(), failedLogins: 0, lockedUntil: null } });
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
    if (user && result.reason !== 'locked') await countFailure(tx, user.id, meta);
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
