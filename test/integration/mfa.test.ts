/**
 * MFA end to end below the UI, on SQLite and PostgreSQL: enrolment (secret encrypted, confirmed by a
 * code, recovery codes hashed), the sign-in decisions (password alone never signs in an MFA account,
 * codes single-use, recovery codes single-use, wrong codes counted like wrong passwords), and the account actions.
 * Time is faked (Date only) so TOTP steps can be moved on without waiting.
 */
import { randomBytes } from 'node:crypto';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decideSignIn, type SignInDecision } from '@/lib/auth/signin';
import { readChallenge } from '@/lib/auth/mfa-challenge';
import { resetSecretKeyCache } from '@/lib/server/crypto/secrets';
import { signOutEverywhere } from '@/lib/features/users/account';
import { InvalidRequestError } from '@/lib/server/core/app-error';
import { adminResetMfa } from '@/lib/features/users/admin';
import { beginMfaEnrolment, confirmMfaEnrolment, disableMfa, mfaStatus, regenerateRecoveryCodes } from '@/lib/features/users/mfa';
import { createUser } from '@/lib/features/users/create-user';
import { type PublicUser } from '@/lib/features/users/queries';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

const PASSWORD = 'correct horse battery staple';
const meta = { ip: '203.0.113.9', userAgent: 'vitest' };
let clock = Date.UTC(2026, 0, 5, 9, 0, 10); // 10 s into a 30 s step

function tick(seconds = 30) {
  clock += seconds * 1000;
  vi.setSystemTime(clock);
}
const codeNow = (secret: string) => generate({ secret, epoch: Math.floor(clock / 1000) });

beforeAll(() => {
  process.env.AUTH_SECRET = 'integration-test-secret-0123456789abcdef';
  process.env.PAIDLINE_SECRET_KEY = randomBytes(32).toString('base64');
  resetSecretKeyCache();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(clock);
});
afterAll(() => {
  vi.useRealTimers();
});

function challengeOf(d: SignInDecision): string {
  if (d.ok || d.reason !== 'mfa-required') throw new Error(`expected mfa-required, got ${JSON.stringify(d)}`);
  return d.challenge;
}

describe.each(DATABASE_KINDS)('MFA on %s', (kind) => {
  let db: TestDatabase;
  let user: PublicUser;
  let secret: string;
  let recovery: string[];
  const audits = (action: string, entityId = user.id) => db.prisma.auditLog.count({ where: { action, entityId } });

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    user = await createUser({ email: 'rita@example.com', name: 'Rita', role: 'reviewer', password: PASSWORD }, { db: db.prisma });
  });
  afterAll(async () => db?.drop());

  it('starts an enrolment with an encrypted secret that is not in force yet', async () => {
    await beginMfaEnrolment(user, meta, db.prisma);
    const status = await mfaStatus(user.id, db.prisma);
    expect(status.enabled).toBe(false);
    expect(status.pendingSecret).toMatch(/^[A-Z2-7]{32}$/);
    secret = status.pendingSecret!;
    const row = await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.mfaSecret).toMatch(/^pl1\./);
    expect(row.mfaSecret).not.toContain(secret);
    expect(await audits('mfa.enrol.start')).toBe(1);
    // Until confirmed, the password alone still signs in.
    expect(await decideSignIn({ email: user.email, password: PASSWORD }, meta, db.prisma)).toMatchObject({ ok: true });
  });

  it('refuses a wrong confirmation code, audited, and leaves MFA off', async () => {
    await expect(confirmMfaEnrolment(user, '000000', meta, db.prisma)).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(confirmMfaEnrolment(user, 'nonsense', meta, db.prisma)).rejects.toThrow(/6-digit code/);
    expect((await mfaStatus(user.id, db.prisma)).enabled).toBe(false);
    expect(await audits('mfa.enrol.failed')).toBe(2);
  });

  it('turns MFA on with a right code and hands out 10 recovery codes once, stored hashed', async () => {
    recovery = await confirmMfaEnrolment(user, await codeNow(secret), meta, db.prisma);
    expect(recovery).toHaveLength(10);
    const row = await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.mfaEnabled).toBe(true);
    expect(row.mfaEnrolledAt).not.toBeNull();
    for (const c of recovery) expect(row.mfaRecoveryCodes).not.toContain(c.replace(/-/g, ''));
    const status = await mfaStatus(user.id, db.prisma);
    expect(status).toMatchObject({ enabled: true, recoveryCodesLeft: 10, pendingSecret: null });
    expect(await audits('mfa.enable')).toBe(1);
    // Nothing secret in the audit log.
    const rows = await db.prisma.auditLog.findMany({ where: { entityId: user.id } });
    for (const r of rows) expect(`${r.before}${r.after}`).not.toContain(secret);
    await expect(beginMfaEnrolment(user, meta, db.prisma)).rejects.toThrow(/already on/);
  });

  it('a right password alone no longer signs in: it gets a challenge, and no session', async () => {
    const signins = await audits('auth.signin');
    const d = await decideSignIn({ email: user.email, password: PASSWORD }, meta, db.prisma);
    const challenge = challengeOf(d);
    expect(readChallenge(challenge)).toMatchObject({ userId: user.id });
    expect(await audits('auth.signin')).toBe(signins);
    expect(await audits('auth.mfa.challenge')).toBe(1);
    // A wrong password still fails as before, with no challenge.
    expect(await decideSignIn({ email: user.email, password: 'wrong password!!' }, meta, db.prisma)).toEqual({ ok: false, reason: 'invalid' });
    // The challenge with no code, or with a code for nobody, does not sign in either.
    expect(await decideSignIn({ challenge }, meta, db.prisma)).toMatchObject({ ok: false });
    expect(await decideSignIn({ challenge: 'forged.token', code: await codeNow(secret) }, meta, db.prisma)).toEqual({ ok: false, reason: 'challenge-expired' });
  });

  it('the code used to enrol cannot be used again; the next one signs in once, and the challenge is spent', async () => {
    await db.prisma.signInThrottle.deleteMany({});
    const challenge = challengeOf(await decideSignIn({ email: user.email, password: PASSWORD }, meta, db.prisma));
    const enrolCode = await codeNow(secret);
    expect(await decideSignIn({ challenge, code: enrolCode }, meta, db.prisma)).toEqual({ ok: false, reason: 'code-replayed' });
    tick();
    const next = await codeNow(secret);
    const ok = await decideSignIn({ challenge, code: next }, meta, db.prisma);
    expect(ok).toMatchObject({ ok: true, secondFactor: 'totp', user: { id: user.id, email: user.email } });
    // The challenge is spent: not again, not even with the next code.
    expect(await decideSignIn({ challenge, code: next }, meta, db.prisma)).toEqual({ ok: false, reason: 'challenge-expired' });
    tick();
    expect(await decideSignIn({ challenge, code: await codeNow(secret) }, meta, db.prisma)).toEqual({ ok: false, reason: 'challenge-expired' });
    const audit = await db.prisma.auditLog.findFirstOrThrow({ where: { action: 'auth.signin', entityId: user.id }, orderBy: { id: 'desc' } });
    expect(JSON.parse(audit.after!)).toEqual({ secondFactor: 'totp' });
  });

  it('e-mail, password and code in one request sign in too (the provider accepts all three)', async () => {
    tick();
    expect(await decideSignIn({ email: user.email, password: PASSWORD, code: await codeNow(secret) }, meta, db.prisma)).toMatchObject({ ok: true });
    // But not a right code with a wrong password.
    tick();
    expect(await decideSignIn({ email: user.email, password: 'wrong password!!', code: await codeNow(secret) }, meta, db.prisma)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('a recovery code signs in once; used again it is refused', async () => {
    await db.prisma.signInThrottle.deleteMany({});
    const c1 = challengeOf(await decideSignIn({ email: user.email, password: PASSWORD }, meta, db.prisma));
    expect(await decideSignIn({ challenge: c1, code: recovery[0]!.toUpperCase() }, meta, db.prisma)).toMatchObject({ ok: true, secondFactor: 'recovery' });
    expect((await mfaStatus(user.id, db.prisma)).recoveryCodesLeft).toBe(9);
    const c2 = challengeOf(await decideSignIn({ email: user.email, password: PASSWORD }, meta, db.prisma));
    expect(await decideSignIn({ challenge: c2, code: recovery[0]! }, meta, db.prisma)).toEqual({ ok: false, reason: 'code-wrong' });
    expect(await audits('mfa.recovery.used')).toBe(1);
  });

  it('wrong codes are audited and counted like wrong passwords: five from one address hold that address back', async () => {
    await db.prisma.signInThrottle.deleteMany({});
    const challenge = challengeOf(await decideSignIn({ email: user.email, password: PASSWORD }, meta, db.prisma));
    const failedBefore = await audits('auth.mfa.failed');
    for (let i = 0; i < 5; i++) {
      expect(await decideSignIn({ challenge, code: '123456' === (await codeNow(secret)) ? '654321' : '123456' }, meta, db.prisma)).toMatchObject({ ok: false });
    }
    expect(await audits('auth.mfa.failed')).toBe(failedBefore + 5);
    tick();
    // Held back: even the right code is refused without being tried, and so is the password step.
    expect(await decideSignIn({ challenge, code: await codeNow(secret) }, meta, db.prisma)).toMatchObject({ ok: false, reason: 'throttled' });
    expect(await decideSignIn({ email: user.email, password: PASSWORD }, meta, db.prisma)).toMatchObject({ ok: false, reason: 'throttled' });
    // From another address the owner is not held back.
    expect(await decideSignIn({ email: user.email, password: PASSWORD }, { ...meta, ip: '192.0.2.200' }, db.prisma)).toMatchObject({ ok: false, reason: 'mfa-required' });
    await db.prisma.signInThrottle.deleteMany({});
  });

  it('a challenge dies with "sign out everywhere" and after 5 minutes', async () => {
    const challenge = challengeOf(await decideSignIn({ email: user.email, password: PASSWORD }, meta, db.prisma));
    await signOutEverywhere(user, meta, db.prisma);
    tick();
    expect(await decideSignIn({ challenge, code: await codeNow(secret) }, meta, db.prisma)).toEqual({ ok: false, reason: 'challenge-expired' });
    const late = challengeOf(await decideSignIn({ email: user.email, password: PASSWORD }, meta, db.prisma));
    tick(5 * 60 + 30);
    expect(await decideSignIn({ challenge: late, code: await codeNow(secret) }, meta, db.prisma)).toEqual({ ok: false, reason: 'challenge-expired' });
  });

  it('new recovery codes need a current code from the app; the old ones stop working', async () => {
    tick();
    await expect(regenerateRecoveryCodes(user, recovery[1]!, meta, db.prisma)).rejects.toThrow(/6-digit code/);
    await expect(regenerateRecoveryCodes(user, '000000', meta, db.prisma)).rejects.toBeInstanceOf(InvalidRequestError);
    const fresh = await regenerateRecoveryCodes(user, await codeNow(secret), meta, db.prisma);
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(recovery[1]);
    const challenge = challengeOf(await decideSignIn({ email: user.email, password: PASSWORD }, meta, db.prisma));
    expect(await decideSignIn({ challenge, code: recovery[1]! }, meta, db.prisma)).toEqual({ ok: false, reason: 'code-wrong' });
    recovery = fresh;
    expect(await audits('mfa.recovery.regenerate')).toBe(1);
    await db.prisma.signInThrottle.deleteMany({});
  });

  it('turning MFA off needs a code (a recovery code will do); then the password signs in alone again', async () => {
    await expect(disableMfa(user, '000000', meta, db.prisma)).rejects.toBeInstanceOf(InvalidRequestError);
    expect((await mfaStatus(user.id, db.prisma)).enabled).toBe(true);
    await disableMfa(user, recovery[2]!, meta, db.prisma);
    const row = await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row).toMatchObject({ mfaEnabled: false, mfaSecret: null, mfaRecoveryCodes: null, mfaLastStep: null });
    expect(await audits('mfa.disable')).toBe(1);
    expect(await decideSignIn({ email: user.email, password: PASSWORD }, meta, db.prisma)).toMatchObject({ ok: true });
  });

  it('an admin resets another user\'s MFA: cleared, sessions ended, audited; not their own', async () => {
    const admin = await createUser({ email: 'adam@example.com', name: 'Adam', role: 'admin', password: PASSWORD }, { db: db.prisma });
    await beginMfaEnrolment(user, meta, db.prisma);
    secret = (await mfaStatus(user.id, db.prisma)).pendingSecret!;
    tick();
    await confirmMfaEnrolment(user, await codeNow(secret), meta, db.prisma);
    const before = await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    await adminResetMfa(admin, user.id, meta, db.prisma);
    const after = await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after).toMatchObject({ mfaEnabled: false, mfaSecret: null, mfaRecoveryCodes: null });
    expect(after.sessionVersion).toBe(before.sessionVersion + 1);
    const audit = await db.prisma.auditLog.findFirstOrThrow({ where: { action: 'mfa.reset', entityId: user.id } });
    expect(audit.actorId).toBe(admin.id);
    await expect(adminResetMfa(admin, admin.id, meta, db.prisma)).rejects.toThrow(/your own account/);
  });
});
