import { roleSchema, type Role } from '@/lib/domain/roles';
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { heldAccounts } from './sign-in-throttle';

export type PublicUser = { id: string; email: string; name: string; role: Role };

export async function listUsers(
  db: Client = getPrisma(),
): Promise<(PublicUser & { lastLoginAt: Date | null; createdAt: Date; mfaEnabled: boolean; disabled: boolean; heldUntil: Date | null })[]> {
  const rows = await db.user.findMany({
    orderBy: [{ role: 'asc' }, { email: 'asc' }],
    select: { id: true, email: true, name: true, role: true, lastLoginAt: true, createdAt: true, mfaEnabled: true, disabled: true },
  });
  const held = await heldAccounts(rows.map((r) => r.email), db);
  return rows.map((r) => ({ ...r, role: roleSchema.parse(r.role), heldUntil: held.get(r.email) ?? null }));
}

export async function countUsers(db: Client = getPrisma()): Promise<number> {
  return db.user.count();
}

/** What the guard needs on every request: is the session still valid (not signed out, right version), and is MFA in place. */
export async function sessionState(
  userId: string,
  sessionId: string,
  db: Client = getPrisma(),
): Promise<{ disabled: boolean; sessionVersion: number; mfaEnabled: boolean; role: string; revoked: boolean } | null> {
  const [user, revoked] = await Promise.all([
    db.user.findUnique({ where: { id: userId }, select: { disabled: true, sessionVersion: true, mfaEnabled: true, role: true } }),
    db.revokedSession.findUnique({ where: { id: sessionId }, select: { id: true } }),
  ]);
  return user && { ...user, revoked: revoked !== null };
}
