import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';
import { hashPassword, passwordProblem, verifyPassword } from '@/lib/features/users/password';
import { InvalidRequestError } from '@/lib/server/core/app-error';
import { throttleReverification } from './reverify';

export type Tx = Parameters<Parameters<Client['$transaction']>[0]>[0];

// ---------------------------------------------------------------------------------------------
// Two-factor authentication (TOTP + recovery codes) and session revocation.
// Every change writes its audit row in the same transaction. Secrets and codes never reach the
// audit log or an error message.
// ---------------------------------------------------------------------------------------------

export type Actor = { id: string; email: string };
export type Meta = { ip?: string | null; userAgent?: string | null };

// Refusals the user can act on (wrong code, wrong state) are InvalidRequestErrors whose message says what to do.

export async function userOrThrow(db: Client | Tx, id: string) {
  const user = await db.user.findUnique({ where: { id } });
  if (!user) throw new InvalidRequestError('This user no longer exists.');
  return user;
}

/** Ends every session of a user: their tokens carry the old version and are refused from now on. */
export async function signOutEverywhere(actor: Actor, meta: Meta = {}, db: Client = getPrisma()): Promise<void> {
  await db.$transaction(async (tx) => {
    const user = await tx.user.update({ where: { id: actor.id }, data: { sessionVersion: { increment: 1 } } });
    await writeAudit(tx, { actor, action: 'auth.signout.everywhere', entityType: 'User', entityId: actor.id, after: { sessionVersion: user.sessionVersion }, ...meta });
  });
}

/** A user changes their own password (the current one is asked); every session ends. */
export async function changePassword(actor: Actor, current: string, next: string, meta: Meta = {}, db: Client = getPrisma()): Promise<void> {
  await throttleReverification(actor.id);
  const user = await userOrThrow(db, actor.id);
  if (!(await verifyPassword(user.passwordHash, current))) {
    await writeAudit(db, { actor, action: 'user.password.change.failed', entityType: 'User', entityId: actor.id, after: { reason: 'wrong current password' }, ...meta });
    throw new InvalidRequestError('The current password is not right.');
  }
  const problem = passwordProblem(next);
  if (problem) throw new InvalidRequestError(problem);
  if (next === current) throw new InvalidRequestError('Choose a new password different from the current one.');
  const passwordHash = await hashPassword(next);
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: actor.id }, data: { passwordHash, sessionVersion: { increment: 1 } } });
    await writeAudit(tx, { actor, action: 'user.password.change', entityType: 'User', entityId: actor.id, ...meta });
  });
}
