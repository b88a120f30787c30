/**
 * Sign-in throttling (lib/features/users/sign-in-throttle.ts) through the real sign-in decision, on
 * SQLite and PostgreSQL: a stranger cannot lock an account, known and unknown e-mails are answered
 * alike, holds grow, a trusted device is not held back by attacks from elsewhere, and holds can be lifted.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { decideSignIn } from '@/lib/auth/signin';
import { newDeviceCookie } from '@/lib/auth/device-cookie';
import { createUser } from '@/lib/features/users/create-user';
import { clearHoldsFor, heldAccounts, recordFailure, THROTTLE_POLICY } from '@/lib/features/users/sign-in-throttle';
import { adminResetPassword } from '@/lib/features/users/admin';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

const PASSWORD = 'the right password';
const from = (ip: string) => ({ ip, userAgent: 'vitest' });
process.env.AUTH_SECRET ??= 'vitest-auth-secret-0123456789abcdef';

describe.each(DATABASE_KINDS)('sign-in throttling on %s', (kind) => {
  let db: TestDatabase;
  let admin: { id: string; email: string };
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    admin = await createUser({ email: 'boss@example.com', name: 'Boss', role: 'admin', password: PASSWORD }, { db: db.prisma });
    await createUser({ email: 'other.admin@example.com', name: 'Other', role: 'admin', password: PASSWORD }, { db: db.prisma });
  });
  afterAll(async () => db?.drop());
  afterEach(async () => {
    vi.useRealTimers();
    await db.prisma.signInThrottle.deleteMany({});
  });

  const attempt = (email: string, password: string, ip: string, deviceCookie?: string | null) =>
    decideSignIn({ email, password }, from(ip), db.prisma, { deviceCookie });

  it('a stranger\'s failures hold back only the stranger: the owner signs in from elsewhere, even an admin', async () => {
    for (let i = 0; i < 5; i++) expect(await attempt('boss@example.com', `guess ${i}!!`, '203.0.113.66')).toEqual({ ok: false, reason: 'invalid' });
    // The stranger is now held back, and the right password is not even tried for them.
    expect(await attempt('boss@example.com', PASSWORD, '203.0.113.66')).toMatchObject({ ok: false, reason: 'throttled', retryAfterSeconds: 60 });
    // The owner at another address is not.
    expect(await attempt('boss@example.com', PASSWORD, '198.51.100.1')).toMatchObject({ ok: true, user: { id: admin.id } });
    const held = await db.prisma.auditLog.findFirstOrThrow({ where: { action: 'auth.signin.held' } });
    expect(held.ip).toBe('203.0.113.66');
    expect(JSON.parse(held.after!)).toMatchObject({ email: 'boss@example.com', scope: 'pair', retryAfterSeconds: 60 });
  });

  it('answers an unknown e-mail exactly like a known one, failure after failure', async () => {
    const known: unknown[] = [];
    const unknown: unknown[] = [];
    for (let i = 0; i < 7; i++) {
      known.push(await attempt('boss@example.com', `guess ${i}!!`, '203.0.113.70'));
      unknown.push(await attempt('nobody@example.com', `guess ${i}!!`, '203.0.113.71'));
    }
    expect(unknown).toEqual(known);
    expect(known.slice(5)).toEqual([
      { ok: false, reason: 'throttled', retryAfterSeconds: 60 },
      { ok: false, reason: 'throttled', retryAfterSeconds: 60 },
    ]);
  });

  it('holds grow with every failure after the free ones, and a success starts the count again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    let clock = Date.UTC(2026, 5, 1, 9, 0, 0);
    vi.setSystemTime(clock);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const answer = await attempt('boss@example.com', `guess ${i}!!`, '203.0.113.80');
      if (answer.ok === false && answer.reason === 'throttled') {
        waits.push(answer.retryAfterSeconds);
        clock += answer.retryAfterSeconds * 1000; // wait the hold out, then guess again
        vi.setSystemTime(clock);
        i--;
      }
    }
    expect(waits).toEqual([60, 120, 240]);
    // Waiting out the last hold (480 s), the owner signs in from that address; the count starts again.
    clock += 480_000;
    vi.setSystemTime(clock);
    expect(await attempt('boss@example.com', PASSWORD, '203.0.113.80')).toMatchObject({ ok: true });
    expect(await attempt('boss@example.com', 'guess again!!', '203.0.113.80')).toEqual({ ok: false, reason: 'invalid' });
  });

  it('guessing spread over many addresses holds the account for new browsers, never for a trusted device', async () => {
    const device = newDeviceCookie('boss@example.com');
    expect(device).toBeTruthy();
    const free = THROTTLE_POLICY.account.free;
    for (let i = 0; i < free; i++) expect(await attempt('boss@example.com', `guess ${i}!!`, `198.51.100.${10 + i}`)).toEqual({ ok: false, reason: 'invalid' });
    expect(await attempt('boss@example.com', PASSWORD, '192.0.2.1')).toMatchObject({ ok: false, reason: 'throttled' });
    expect((await heldAccounts(['boss@example.com'], db.prisma)).get('boss@example.com')).toBeInstanceOf(Date);
    // The owner's usual browser is not held back, from any address.
    expect(await attempt('boss@example.com', PASSWORD, '192.0.2.1', device)).toMatchObject({ ok: true });
    // A device cookie for another account, or a forged one, does not help.
    expect(await attempt('boss@example.com', PASSWORD, '192.0.2.1', newDeviceCookie('other.admin@example.com'))).toMatchObject({ reason: 'throttled' });
    expect(await attempt('boss@example.com', PASSWORD, '192.0.2.1', `${device!.split('.').slice(0, 2).join('.')}.forged`)).toMatchObject({ reason: 'throttled' });
  });

  it('a trusted device that guesses holds back only itself', async () => {
    const device = newDeviceCookie('boss@example.com');
    for (let i = 0; i < THROTTLE_POLICY.device.free; i++) expect(await attempt('boss@example.com', `guess ${i}!!`, '192.0.2.9', device)).toEqual({ ok: false, reason: 'invalid' });
    expect(await attempt('boss@example.com', PASSWORD, '192.0.2.9', device)).toMatchObject({ reason: 'throttled' });
    expect(await attempt('boss@example.com', PASSWORD, '192.0.2.9')).toMatchObject({ ok: true });
  });

  it('one address guessing many accounts is held back for all of them', async () => {
    for (let i = 0; i < THROTTLE_POLICY.address.free; i++) await recordFailure({ email: `user${i}@example.com`, ip: '203.0.113.99' }, db.prisma);
    expect(await attempt('other.admin@example.com', PASSWORD, '203.0.113.99')).toMatchObject({ ok: false, reason: 'throttled', retryAfterSeconds: 15 * 60 });
    expect(await attempt('other.admin@example.com', PASSWORD, '203.0.113.98')).toMatchObject({ ok: true });
  });

  it('an admin\'s password reset and npm run user:unlock lift every hold on the e-mail', async () => {
    for (let i = 0; i < 5; i++) await attempt('other.admin@example.com', `guess ${i}!!`, '203.0.113.5');
    for (let i = 0; i < THROTTLE_POLICY.account.free; i++) await recordFailure({ email: 'other.admin@example.com', ip: `10.1.0.${i}` }, db.prisma);
    expect(await attempt('other.admin@example.com', PASSWORD, '203.0.113.5')).toMatchObject({ reason: 'throttled' });
    const other = await db.prisma.user.findUniqueOrThrow({ where: { email: 'other.admin@example.com' } });
    const { password } = await adminResetPassword(admin, other.id, {}, db.prisma);
    expect(await attempt('other.admin@example.com', password, '203.0.113.5')).toMatchObject({ ok: true });

    for (let i = 0; i < 5; i++) await attempt('boss@example.com', `guess ${i}!!`, '203.0.113.6');
    expect(await clearHoldsFor('Boss@Example.com ', db.prisma)).toBe(2); // its pair and account rows; the address keeps its count
    expect(await attempt('boss@example.com', PASSWORD, '203.0.113.6')).toMatchObject({ ok: true });
  });

  it('npm run user:unlock lifts the holds from the command line, audited', async () => {
    for (let i = 0; i < 5; i++) await attempt('boss@example.com', `guess ${i}!!`, '203.0.113.7');
    const run = promisify(execFile);
    const { stdout } = await run(path.resolve('node_modules/.bin/tsx'), ['scripts/user-unlock.ts', '--email', 'boss@example.com'], {
      env: { ...process.env, DATABASE_URL: db.url },
      timeout: 60_000,
    });
    expect(stdout).toMatch(/Lifted 2 sign-in holds on boss@example.com\./);
    expect(await attempt('boss@example.com', PASSWORD, '203.0.113.7')).toMatchObject({ ok: true });
    expect(await db.prisma.auditLog.count({ where: { action: 'auth.unlock' } })).toBe(1);
  });
});
