import { z } from 'zod';
import { roleSchema, type Role } from '@/lib/auth/roles';
import { dummyPasswordHash, hashPassword, passwordProblem, verifyPassword } from '@/lib/auth/password';
import { getPrisma } from './client';
import { writeAudit } from './audit';

type Client = ReturnType<typeof getPrisma>;

export const newUserSchema = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email({ error: 'Enter a valid e-mail address, such as ana@example.com.' })),
  name: z.string().trim().min(1, 'Enter a name.').max(120, 'Names are at most 120 characters.'),
  role: roleSchema,
  password: z.string().superRefine((value, ctx) => {
    const problem = passwordProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
});
export type NewUser = z.input<typeof newUserSchema>;

export type PublicUser = { id: string; email: string; name: string; role: Role };

export class UserExistsError extends Error {
  constructor(email: string) {
    super(`A user with the e-mail ${email} already exists.`);
  }
}

/** Creates a user with an argon2id hash; the user row and its audit row commit together. */
export async function createUser(
  input: NewUser,
  opts: { actor?: { id: string; email: string } | null; db?: Client } = {},
): Promise<PublicUser> {
  const data = newUserSchema.parse(input);
  const db = opts.db ?? getPrisma();
  const passwordHash = await hashPassword(data.password);
  return db.$transaction(async (tx) => {
    const existing = await tx.user.findUnique({ where: { email: data.email }, select: { id: true } });
    if (existing) throw new UserExistsError(data.email);
    const user = await tx.user.create({
      data: { email: data.email, name: data.name, role: data.role, passwordHash },
      select: { id: true, email: true, name: true, role: true },
    });
    await writeAudit(tx, {
      actor: opts.actor ?? null,
      action: 'user.create',
      entityType: 'User',
      entityId: user.id,
      after: { email: user.email, name: user.name, role: user.role },
    });
    return { ...user, role: roleSchema.parse(user.role) };
  });
}

export type CredentialCheck =
  | { ok: true; user: PublicUser }
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
  return { ok: true, user: { id: user.id, email: user.email, name: user.name, role: role.data } };
}

export async function recordSignIn(
  result: CredentialCheck,
  attemptedEmail: string,
  meta: { ip?: string | null; userAgent?: string | null },
  db: Client = getPrisma(),
): Promise<void> {
  if (result.ok) {
    await db.$transaction(async (tx) => {
      await tx.user.update({ where: { id: result.user.id }, data: { lastLoginAt: new Date(), failedLogins: 0, lockedUntil: null } });
      await writeAudit(tx, { actor: result.user, action: 'auth.signin', entityType: 'User', entityId: result.user.id, ...meta });
    });
    return;
  }
  await db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { email: attemptedEmail.trim().toLowerCase() }, select: { id: true, email: true } });
    if (user && result.reason !== 'locked') {
      const { threshold, minutes } = lockoutPolicy();
      const updated = await tx.user.update({ where: { id: user.id }, data: { failedLogins: { increment: 1 } } });
      if (updated.failedLogins >= threshold) {
        const until = new Date(Date.now() + minutes * 60_000);
        await tx.user.update({ where: { id: user.id }, data: { lockedUntil: until, failedLogins: 0 } });
        await writeAudit(tx, { actor: null, action: 'auth.locked', entityType: 'User', entityId: user.id, after: { until: until.toISOString(), failures: updated.failedLogins }, ...meta });
      }
    }
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

export async function listUsers(db: Client = getPrisma()): Promise<(PublicUser & { lastLoginAt: Date | null; createdAt: Date; mfaEnabled: boolean; disabled: boolean })[]> {
  const rows = await db.user.findMany({
    orderBy: [{ role: 'asc' }, { email: 'asc' }],
    select: { id: true, email: true, name: true, role: true, lastLoginAt: true, createdAt: true, mfaEnabled: true, disabled: true },
  });
  return rows.map((r) => ({ ...r, role: roleSchema.parse(r.role) }));
}

export async function countUsers(db: Client = getPrisma()): Promise<number> {
  return db.user.count();
}
