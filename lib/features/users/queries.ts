import { roleSchema, type Role } from '@/lib/domain/roles';
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';

export type PublicUser = { id: string; email: string; name: string; role: Role };

export async function listUsers(
  db: Client = getPrisma(),
): Promise<(PublicUser & { lastLoginAt: Date | null; createdAt: Date; mfaEnabled: boolean; disabled: boolean; lockedUntil: Date | null })[]> {
  const rows = await db.user.findMany({
    orderBy: [{ role: 'asc' }, { email: 'asc' }],
    select: { id: true, email: true, name: true, role: true, lastLoginAt: true, createdAt: true, mfaEnabled: true, disabled: true, lockedUntil: true },
  });
  return rows.map((r) => ({ ...r, role: roleSchema.parse(r.role) }));
}

export async function countUsers(db: Client = getPrisma()): Promise<number> {
  return db.user.count();
}

/** What the guard needs on every request: is the session still valid, and is MFA in place. */
export async function sessionState(
  userId: string,
  db: Client = getPrisma(),
): Promise<{ disabled: boolean; sessionVersion: number; mfaEnabled: boolean; role: string } | null> {
  return db.user.findUnique({ where: { id: userId }, select: { disabled: true, sessionVersion: true, mfaEnabled: true, role: true } });
}
