import { z } from 'zod';
import { roleSchema, type Role } from '@/lib/domain/roles';
import { dummyPasswordHash, generatePassword, hashPassword, passwordProblem, verifyPassword } from '@/lib/features/users/password';
import {
  checkTotp,
  consumeRecoveryCode,
  looksLikeRecoveryCode,
  looksLikeTotp,
  newRecoveryCodes,
  newTotpSecret,
  parseRecoveryHashes,
  serializeRecoveryHashes,
} from '@/lib/features/users/totp';
import { decryptSecret, encryptSecret } from '@/lib/server/crypto/secrets';
import { getPrisma } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';

type Client = ReturnType<typeof getPrisma>;
type Tx = Parameters<Parameters<Client['$transaction']>[0]>[0];

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
async function countFailure(
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

// ---------------------------------------------------------------------------------------------
// Two-factor authentication (TOTP + recovery codes) and session revocation.
// Every change writes its audit row in the same transaction. Secrets and codes never reach the
// audit log or an error message.
// ---------------------------------------------------------------------------------------------

type Actor = { id: string; email: string };
type Meta = { ip?: string | null; userAgent?: string | null };

/** A refusal the user can act on (wrong code, wrong state); the message says what to do. */
export class AccountError extends Error {
  override name = 'AccountError';
}

async function userOrThrow(db: Client | Tx, id: string) {
  const user = await db.user.findUnique({ where: { id } });
  if (!user) throw new AccountError('This user no longer exists.');
  return user;
}

/** What the guard needs on every request: is the session still valid, and is MFA in place. */
export async function sessionState(
  userId: string,
  db: Client = getPrisma(),
): Promise<{ disabled: boolean; sessionVersion: number; mfaEnabled: boolean; role: string } | null> {
  return db.user.findUnique({ where: { id: userId }, select: { disabled: true, sessionVersion: true, mfaEnabled: true, role: true } });
}

export type MfaStatus = {
  enabled: boolean;
  enrolledAt: Date | null;
  recoveryCodesLeft: number;
  /** The secret of an enrolment not yet confirmed (shown for scanning); never once MFA is on. */
  pendingSecret: string | null;
};

export async function mfaStatus(userId: string, db: Client = getPrisma()): Promise<MfaStatus> {
  const user = await userOrThrow(db, userId);
  return {
    enabled: user.mfaEnabled,
    enrolledAt: user.mfaEnrolledAt,
    recoveryCodesLeft: user.mfaEnabled ? parseRecoveryHashes(user.mfaRecoveryCodes).length : 0,
    pendingSecret: !user.mfaEnabled && user.mfaSecret ? decryptSecret(user.mfaSecret) : null,
  };
}

/** Starts (or restarts) an enrolment: a new secret, stored encrypted, not yet in force. */
export async function beginMfaEnrolment(actor: Actor, meta: Meta = {}, db: Client = getPrisma()): Promise<void> {
  await db.$transaction(async (tx) => {
    const user = await userOrThrow(tx, actor.id);
    if (user.mfaEnabled) throw new AccountError('Two-factor authentication is already on. Turn it off first to move it to a new device.');
    await tx.user.update({ where: { id: actor.id }, data: { mfaSecret: encryptSecret(newTotpSecret()), mfaLastStep: null, mfaRecoveryCodes: null } });
    await writeAudit(tx, { actor, action: 'mfa.enrol.start', entityType: 'User', entityId: actor.id, ...meta });
  });
}

/** Abandons an enrolment that was never confirmed. */
export async function cancelMfaEnrolment(actor: Actor, meta: Meta = {}, db: Client = getPrisma()): Promise<void> {
  await db.$transaction(async (tx) => {
    const updated = await tx.user.updateMany({ where: { id: actor.id, mfaEnabled: false }, data: { mfaSecret: null, mfaLastStep: null } });
    if (updated.count) await writeAudit(tx, { actor, action: 'mfa.enrol.cancel', entityType: 'User', entityId: actor.id, ...meta });
  });
}

const CODE_HELP = 'Enter the 6-digit code your authenticator app shows now (a new one appears every 30 seconds).';

/** Confirms an enrolment with a code from the app: MFA goes on and 10 recovery codes are returned, once. */
export async function confirmMfaEnrolment(actor: Actor, code: string, meta: Meta = {}, db: Client = getPrisma()): Promise<string[]> {
  const user = await userOrThrow(db, actor.id);
  if (user.mfaEnabled) throw new AccountError('Two-factor authentication is already on.');
  if (!user.mfaSecret) throw new AccountError('Start the set-up first: choose "Set up two-factor authentication".');
  const check = await checkTotp(decryptSecret(user.mfaSecret), code, user.mfaLastStep);
  if (!check.ok) {
    await writeAudit(db, { actor, action: 'mfa.enrol.failed', entityType: 'User', entityId: actor.id, after: { reason: check.reason }, ...meta });
    throw new AccountError(check.reason === 'malformed' ? CODE_HELP : `That code is not right. ${CODE_HELP} Check that the phone's clock is set automatically.`);
  }
  const codes = newRecoveryCodes();
  await db.$transaction(async (tx) => {
    const updated = await tx.user.updateMany({
      where: { id: actor.id, mfaEnabled: false, mfaSecret: user.mfaSecret },
      data: { mfaEnabled: true, mfaEnrolledAt: new Date(), mfaLastStep: check.step, mfaRecoveryCodes: serializeRecoveryHashes(codes) },
    });
    if (updated.count !== 1) throw new AccountError('The set-up changed in another window. Reload the page and try again.');
    await writeAudit(tx, { actor, action: 'mfa.enable', entityType: 'User', entityId: actor.id, after: { recoveryCodes: codes.length }, ...meta });
  });
  return codes;
}

export type SecondFactorCheck =
  | { ok: true; method: 'totp' | 'recovery'; recoveryCodesLeft: number }
  | { ok: false; reason: 'not-enrolled' | 'malformed' | 'wrong' | 'replayed' };

/**
 * Checks a TOTP code or a recovery code for a user with MFA on, and uses it up (the TOTP step is
 * recorded, the recovery code removed) atomically, so two requests cannot both use the same code.
 */
export async function redeemSecondFactor(
  userId: string,
  code: string,
  opts: { allowRecovery?: boolean; db?: Client | Tx } = {},
): Promise<SecondFactorCheck> {
  const db = opts.db ?? getPrisma();
  const user = await db.user.findUnique({ where: { id: userId } });
  if (!user?.mfaEnabled || !user.mfaSecret) return { ok: false, reason: 'not-enrolled' };
  const left = parseRecoveryHashes(user.mfaRecoveryCodes).length;
  if (looksLikeTotp(code)) {
    const check = await checkTotp(decryptSecret(user.mfaSecret), code, user.mfaLastStep);
    if (!check.ok) return { ok: false, reason: check.reason };
    const accepted = await db.user.updateMany({
      where: { id: userId, OR: [{ mfaLastStep: null }, { mfaLastStep: { lt: check.step } }] },
      data: { mfaLastStep: check.step },
    });
    return accepted.count === 1 ? { ok: true, method: 'totp', recoveryCodesLeft: left } : { ok: false, reason: 'replayed' };
  }
  if (opts.allowRecovery === false || !looksLikeRecoveryCode(code)) return { ok: false, reason: 'malformed' };
  const match = consumeRecoveryCode(user.mfaRecoveryCodes, code);
  if (!match) return { ok: false, reason: 'wrong' };
  const used = await db.user.updateMany({
    where: { id: userId, mfaRecoveryCodes: user.mfaRecoveryCodes },
    data: { mfaRecoveryCodes: JSON.stringify(match.remaining) },
  });
  return used.count === 1 ? { ok: true, method: 'recovery', recoveryCodesLeft: match.remaining.length } : { ok: false, reason: 'replayed' };
}

/** A wrong second factor: audited, and counted toward the account lock like a wrong password. */
export async function recordSecondFactorFailure(userId: string, action: string, reason: string, meta: Meta = {}, db: Client = getPrisma()): Promise<void> {
  await db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: userId }, select: { id: true, email: true } });
    if (!user) return;
    await countFailure(tx, user.id, meta);
    await writeAudit(tx, { actor: null, action, entityType: 'User', entityId: user.id, after: { email: user.email, reason }, ...meta });
  });
}

function codeRefusal(reason: string): AccountError {
  if (reason === 'replayed') return new AccountError('That code was already used. Wait for the next one in your app.');
  if (reason === 'not-enrolled') return new AccountError('Two-factor authentication is not on for this account.');
  return new AccountError(`That code is not right. ${CODE_HELP}`);
}

/** Turns MFA off; needs a current code (or a recovery code, for a lost phone). */
export async function disableMfa(actor: Actor, code: string, meta: Meta = {}, db: Client = getPrisma()): Promise<void> {
  const check = await redeemSecondFactor(actor.id, code, { db });
  if (!check.ok) {
    if (check.reason !== 'not-enrolled') await recordSecondFactorFailure(actor.id, 'mfa.disable.failed', check.reason, meta, db);
    throw codeRefusal(check.reason);
  }
  await db.$transaction(async (tx) => {
    await tx.user.update({
      where: { id: actor.id },
      data: { mfaEnabled: false, mfaSecret: null, mfaRecoveryCodes: null, mfaEnrolledAt: null, mfaLastStep: null },
    });
    await writeAudit(tx, { actor, action: 'mfa.disable', entityType: 'User', entityId: actor.id, after: { with: check.method }, ...meta });
  });
}

/** Replaces the recovery codes (the old ones stop working); needs a current code from the app. */
export async function regenerateRecoveryCodes(actor: Actor, code: string, meta: Meta = {}, db: Client = getPrisma()): Promise<string[]> {
  const check = await redeemSecondFactor(actor.id, code, { db, allowRecovery: false });
  if (!check.ok) {
    if (check.reason !== 'not-enrolled') await recordSecondFactorFailure(actor.id, 'mfa.recovery.failed', check.reason, meta, db);
    throw check.reason === 'malformed' ? new AccountError(CODE_HELP) : codeRefusal(check.reason);
  }
  const codes = newRecoveryCodes();
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: actor.id }, data: { mfaRecoveryCodes: serializeRecoveryHashes(codes) } });
    await writeAudit(tx, { actor, action: 'mfa.recovery.regenerate', entityType: 'User', entityId: actor.id, after: { recoveryCodes: codes.length }, ...meta });
  });
  return codes;
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
  const user = await userOrThrow(db, actor.id);
  if (!(await verifyPassword(user.passwordHash, current))) throw new AccountError('The current password is not right.');
  const problem = passwordProblem(next);
  if (problem) throw new AccountError(problem);
  if (next === current) throw new AccountError('Choose a new password different from the current one.');
  const passwordHash = await hashPassword(next);
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: actor.id }, data: { passwordHash, sessionVersion: { increment: 1 } } });
    await writeAudit(tx, { actor, action: 'user.password.change', entityType: 'User', entityId: actor.id, ...meta });
  });
}

function notSelf(actor: Actor, targetId: string, what: string): void {
  if (actor.id === targetId) throw new AccountError(`You cannot ${what} your own account here; ask another admin.`);
}

/** An admin sets a new one-time password for a user (returned once) and ends their sessions; unlocks too. */
export async function adminResetPassword(actor: Actor, targetId: string, meta: Meta = {}, db: Client = getPrisma()): Promise<{ email: string; password: string }> {
  notSelf(actor, targetId, 'reset the password of');
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  const email = await db.$transaction(async (tx) => {
    const user = await userOrThrow(tx, targetId);
    await tx.user.update({ where: { id: targetId }, data: { passwordHash, failedLogins: 0, lockedUntil: null, sessionVersion: { increment: 1 } } });
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
