import { InvalidRequestError } from '@/lib/server/core/app-error';
import { userOrThrow, type Actor, type Meta } from './account';
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { generatePassword, hashPassword } from '@/lib/features/users/password';
import { writeAudit } from '@/lib/server/db/audit';
import { roleSchema, type Role } from '@/lib/domain/roles';
import { clearHoldsFor } from './sign-in-throttle';

function notSelf(actor: Actor, targetId: string, what: string): void {
  if (actor.id === targetId) throw new InvalidRequestError(`You cannot ${what} your own account here; ask another admin.`);
}

/** An admin sets a new one-time password for a user (returned once), ends their sessions and lifts any sign-in hold on them. */
export async function adminResetPassword(actor: Actor, targetId: string, meta: Meta = {}, db: Client = getPrisma()): Promise<{ email: string; password: string }> {
  notSelf(actor, targetId, 'reset the password of');
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  const email = await db.$transaction(async (tx) => {
    const user = await userOrThrow(tx, targetId);
    await tx.user.update({ where: { id: targetId }, data: { passwordHash, sessionVersion: { increment: 1 } } });
    await clearHoldsFor(user.email, tx);
    await writeAudit(tx, { actor, action: 'user.password.reset', entityType: 'User', entityId: targetId, after: { email: user.email }, ...meta });
    return user.email;
  });
  return { email, password };
}

export async function adminSetRole(actor: Actor, targetId: string, role: Role, meta: Meta = {}, db: Client = getPrisma()): Promise<void> {
  notSelf(actor, targetId, 'change the role of');
  const next = roleSchema.parse(role);
  await db.$transaction(async (tx) => {
    const user = await userOrThrow(tx, targetId);
    if (user.role === next) return;
    await tx.user.update({ where: { id: targetId }, data: { role: next, sessionVersion: { increment: 1 } } });
    await writeAudit(tx, { actor, action: 'user.role.change', entityType: 'User', entityId: targetId, before: { role: user.role }, after: { role: next }, ...meta });
  });
}

export async function adminSetDisabled(actor: Actor, targetId: string, disabled: boolean, meta: Meta = {}, db: Client = getPrisma()): Promise<void> {
  notSelf(actor, targetId, disabled ? 'disable' : 'enable');
  await db.$transaction(async (tx) => {
    const user = await userOrThrow(tx, targetId);
    if (user.disabled === disabled) return;
    await tx.user.update({ where: { id: targetId }, data: { disabled, sessionVersion: { increment: 1 } } });
    await writeAudit(tx, { actor, action: disabled ? 'user.disable' : 'user.enable', entityType: 'User', entityId: targetId, before: { disabled: user.disabled }, after: { disabled }, ...meta });
  });
}

/** An admin clears another user's MFA (lost phone and codes); their sessions end and they enrol again. */
export async function adminResetMfa(actor: Actor, targetId: string, meta: Meta = {}, db: Client = getPrisma()): Promise<void> {
  notSelf(actor, targetId, 'reset two-factor authentication of');
  await db.$transaction(async (tx) => {
    const user = await userOrThrow(tx, targetId);
    await tx.user.update({
      where: { id: targetId },
      data: { mfaEnabled: false, mfaSecret: null, mfaRecoveryCodes: null, mfaEnrolledAt: null, mfaLastStep: null, sessionVersion: { increment: 1 } },
    });
    await writeAudit(tx, { actor, action: 'mfa.reset', entityType: 'User', entityId: targetId, before: { mfaEnabled: user.mfaEnabled }, after: { mfaEnabled: false }, ...meta });
  });
}
