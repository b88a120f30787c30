/**
 * The sign-in decision, shared by the Credentials provider (lib/auth/auth.ts) and the tests.
 *
 * Before either step: a hold from repeated failures (lib/features/users/sign-in-throttle.ts) answers
 *   `throttled` without trying anything; it depends on the e-mail as typed, the address and the device,
 *   never on whether the account exists. Every failure below is counted there; a full sign-in clears it.
 * Step 1: e-mail + password. A wrong password, an unknown or disabled account fails alike.
 *   A right password on an account without MFA signs in. On an account with MFA it does NOT: the answer
 *   is `mfa-required` with a signed 5-minute challenge (lib/auth/mfa-challenge.ts), unless a code was
 *   sent along, which is then checked as in step 2.
 * Step 2: challenge + TOTP or recovery code. The account must still be the same (session version)
 *   and enabled; a wrong code is audited and counted like a wrong password.
 */
import { z } from 'zod';
import { checkCredentials, recordSignIn, type AuthUser } from '@/lib/features/users/sign-in';
import { recordSecondFactorFailure, redeemSecondFactor } from '@/lib/features/users/mfa';
import { getPrisma } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';
import { roleSchema } from '../domain/roles';
import { createChallenge, newChallengeNonce, readChallenge } from './mfa-challenge';
import { trustedDeviceId } from './device-cookie';
import { clearFailures, currentHold, recordFailure, type SignInAttempt } from '@/lib/features/users/sign-in-throttle';

type Client = ReturnType<typeof getPrisma>;
type Meta = { ip?: string | null; userAgent?: string | null };
/** What the request carries besides the form: the trusted-device cookie's value, if any. */
type Context = { deviceCookie?: string | null };

export const signInInputSchema = z.object({
  email: z.string().trim().max(254).optional(),
  password: z.string().max(256).optional(),
  code: z.string().trim().max(64).optional(),
  challenge: z.string().max(512).optional(),
});
export type SignInInput = z.infer<typeof signInInputSchema>;

export type SignInDecision =
  | { ok: true; user: AuthUser; secondFactor?: 'totp' | 'recovery' }
  | { ok: false; reason: 'invalid' | 'challenge-expired' | 'code-wrong' | 'code-replayed' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number }
  | { ok: false; reason: 'mfa-required'; challenge: string };

async function held(attempt: SignInAttempt, meta: Meta, db: Client): Promise<SignInDecision | null> {
  const hold = await currentHold(attempt, db);
  if (!hold) return null;
  await writeAudit(db, { actor: null, action: 'auth.signin.held', entityType: 'User', entityId: null, after: { email: attempt.email.slice(0, 254), scope: hold.scope, retryAfterSeconds: hold.retryAfterSeconds, trustedDevice: Boolean(attempt.deviceId) }, ...meta });
  return { ok: false, reason: 'throttled', retryAfterSeconds: hold.retryAfterSeconds };
}

async function secondStep(user: AuthUser, code: string, meta: Meta, db: Client, attempt: SignInAttempt, challengeNonce?: string): Promise<SignInDecision> {
  const check = await redeemSecondFactor(user.id, code, { db });
  if (!check.ok) {
    await recordFailure(attempt, db);
    await recordSecondFactorFailure(user.id, 'auth.mfa.failed', check.reason, meta, db);
    return { ok: false, reason: check.reason === 'replayed' ? 'code-replayed' : 'code-wrong' };
  }
  // The challenge is spent by the sign-in it completes (conditionally: two uses racing, one wins).
  const spent = await db.user.updateMany({ where: { id: user.id, ...(challengeNonce ? { mfaChallengeNonce: challengeNonce } : {}) }, data: { mfaChallengeNonce: null } });
  if (challengeNonce && spent.count !== 1) return { ok: false, reason: 'challenge-expired' };
  await clearFailures(attempt, db);
  await recordSignIn({ ok: true, user }, user.email, meta, db, check.method);
  if (check.method === 'recovery') {
    await writeAudit(db, {
      actor: user,
      action: 'mfa.recovery.used',
      entityType: 'User',
      entityId: user.id,
      after: { recoveryCodesLeft: check.recoveryCodesLeft },
      ...meta,
    });
  }
  return { ok: true, user, secondFactor: check.method };
}

export async function decideSignIn(raw: unknown, meta: Meta, db: Client = getPrisma(), context: Context = {}): Promise<SignInDecision> {
  const parsed = signInInputSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: 'invalid' };
  const { email, password, code, challenge } = parsed.data;

  if (challenge) {
    const claim = readChallenge(challenge);
    if (!claim) return { ok: false, reason: 'challenge-expired' };
    const row = await db.user.findUnique({ where: { id: claim.userId } });
    if (!row || row.disabled || row.sessionVersion !== claim.sessionVersion || !row.mfaEnabled) return { ok: false, reason: 'challenge-expired' };
    // Only the newest challenge, and only until it has signed someone in.
    if (!row.mfaChallengeNonce || row.mfaChallengeNonce !== claim.nonce) return { ok: false, reason: 'challenge-expired' };
    const attempt = { email: row.email, ip: meta.ip ?? null, deviceId: trustedDeviceId(context.deviceCookie, row.email) };
    const hold = await held(attempt, meta, db);
    if (hold) return hold;
    const role = roleSchema.safeParse(row.role);
    if (!role.success) return { ok: false, reason: 'invalid' };
    if (!code) return { ok: false, reason: 'code-wrong' };
    const user: AuthUser = { id: row.id, email: row.email, name: row.name, role: role.data, mfaEnabled: true, sessionVersion: row.sessionVersion };
    return secondStep(user, code, meta, db, attempt, claim.nonce);
  }

  if (!email || !password) return { ok: false, reason: 'invalid' };
  const attempt = { email, ip: meta.ip ?? null, deviceId: trustedDeviceId(context.deviceCookie, email) };
  const hold = await held(attempt, meta, db);
  if (hold) return hold;
  const result = await checkCredentials(email, password, db);
  if (!result.ok) {
    await recordFailure(attempt, db);
    await recordSignIn(result, email, meta, db);
    return { ok: false, reason: 'invalid' };
  }
  if (!result.user.mfaEnabled) {
    await clearFailures(attempt, db);
    await recordSignIn(result, email, meta, db);
    return { ok: true, user: result.user };
  }
  if (code) return secondStep(result.user, code, meta, db, attempt);
  const nonce = newChallengeNonce();
  await db.user.update({ where: { id: result.user.id }, data: { mfaChallengeNonce: nonce } });
  await writeAudit(db, { actor: result.user, action: 'auth.mfa.challenge', entityType: 'User', entityId: result.user.id, ...meta });
  return { ok: false, reason: 'mfa-required', challenge: createChallenge({ userId: result.user.id, sessionVersion: result.user.sessionVersion, nonce }) };
}
