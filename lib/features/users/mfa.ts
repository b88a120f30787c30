import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { InvalidRequestError } from '@/lib/server/core/app-error';
import { userOrThrow, type Actor, type Meta, type Tx } from './account';
import { checkTotp, consumeRecoveryCode, looksLikeRecoveryCode, looksLikeTotp, newRecoveryCodes, newTotpSecret, parseRecoveryHashes, serializeRecoveryHashes } from '@/lib/features/users/totp';
import { decryptSecret, encryptSecret } from '@/lib/server/crypto/secrets';
import { writeAudit } from '@/lib/server/db/audit';
import { throttleReverification } from './reverify';

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
    if (user.mfaEnabled) throw new InvalidRequestError('Two-factor authentication is already on. Turn it off first to move it to a new device.');
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
  if (user.mfaEnabled) throw new InvalidRequestError('Two-factor authentication is already on.');
  if (!user.mfaSecret) throw new InvalidRequestError('Start the set-up first: choose "Set up two-factor authentication".');
  const check = await checkTotp(decryptSecret(user.mfaSecret), code, user.mfaLastStep);
  if (!check.ok) {
    await writeAudit(db, { actor, action: 'mfa.enrol.failed', entityType: 'User', entityId: actor.id, after: { reason: check.reason }, ...meta });
    throw new InvalidRequestError(check.reason === 'malformed' ? CODE_HELP : `That code is not right. ${CODE_HELP} Check that the phone's clock is set automatically.`);
  }
  const codes = newRecoveryCodes();
  await db.$transaction(async (tx) => {
    const updated = await tx.user.updateMany({
      where: { id: actor.id, mfaEnabled: false, mfaSecret: user.mfaSecret },
      data: { mfaEnabled: true, mfaEnrolledAt: new Date(), mfaLastStep: check.step, mfaRecoveryCodes: serializeRecoveryHashes(codes) },
    });
    if (updated.count !== 1) throw new InvalidRequestError('The set-up changed in another window. Reload the page and try again.');
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

/** A wrong second factor: audited (sign-in counts it in the throttle, lib/auth/signin.ts; re-verification has its own budget). */
export async function recordSecondFactorFailure(userId: string, action: string, reason: string, meta: Meta = {}, db: Client = getPrisma()): Promise<void> {
  await db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: userId }, select: { id: true, email: true } });
    if (!user) return;
    await writeAudit(tx, { actor: null, action, entityType: 'User', entityId: user.id, after: { email: user.email, reason }, ...meta });
  });
}

function codeRefusal(reason: string): InvalidRequestError {
  if (reason === 'replayed') return new InvalidRequestError('That code was already used. Wait for the next one in your app.');
  if (reason === 'not-enrolled') return new InvalidRequestError('Two-factor authentication is not on for this account.');
  return new InvalidRequestError(`That code is not right. ${CODE_HELP}`);
}

/** Turns MFA off; needs a current code (or a recovery code, for a lost phone). */
export async function disableMfa(actor: Actor, code: string, meta: Meta = {}, db: Client = getPrisma()): Promise<void> {
  await throttleReverification(actor.id);
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
  await throttleReverification(actor.id);
  const check = await redeemSecondFactor(actor.id, code, { db, allowRecovery: false });
  if (!check.ok) {
    if (check.reason !== 'not-enrolled') await recordSecondFactorFailure(actor.id, 'mfa.recovery.failed', check.reason, meta, db);
    throw check.reason === 'malformed' ? new InvalidRequestError(CODE_HELP) : codeRefusal(check.reason);
  }
  const codes = newRecoveryCodes();
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: actor.id }, data: { mfaRecoveryCodes: serializeRecoveryHashes(codes) } });
    await writeAudit(tx, { actor, action: 'mfa.recovery.regenerate', entityType: 'User', entityId: actor.id, after: { recoveryCodes: codes.length }, ...meta });
  });
  return codes;
}
