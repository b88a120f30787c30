/**
 * Change password and MFA re-verification are throttled like sign-in: a stolen session is not an
 * oracle for guessing the password (25 wrong current passwords in 2.4 s, no delay, before). Per user,
 * 10 attempts per 15 minutes; past that even the right password is refused with the wait, and other
 * users keep their own budget. Wrong current passwords are audited. On SQLite and PostgreSQL.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { changePassword } from '@/lib/features/users/account';
import { disableMfa } from '@/lib/features/users/mfa';
import { createUser } from '@/lib/features/users/create-user';
import { AppError } from '@/lib/server/core/app-error';
import { resetRateLimits } from '@/lib/server/rate-limit';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

const PASSWORD = 'correct horse battery staple';
const meta = { ip: '203.0.113.5', userAgent: 'vitest' };

afterEach(() => resetRateLimits());

describe.each(DATABASE_KINDS)('re-verification throttle on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => db?.drop());

  const user = async (email: string) => {
    const u = await createUser({ email, name: email, role: 'analyst', password: PASSWORD }, { db: db.prisma });
    return { id: u.id, email: u.email, role: u.role };
  };

  it('refuses the 11th attempt within 15 minutes, even with the right password, with the wait', async () => {
    const ana = await user(`ana-${kind}@example.com`);
    for (let i = 0; i < 10; i++) {
      await expect(changePassword(ana, `wrong guess ${i}`, 'a brand new passphrase', meta, db.prisma)).rejects.toThrow('The current password is not right.');
    }
    const refused = await changePassword(ana, PASSWORD, 'a brand new passphrase', meta, db.prisma).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'rate_limited', status: 429, message: expect.stringMatching(/^Too many attempts to confirm it is you\. Try again in 1[45] minutes\.$/) });
    expect(Number((refused as AppError).headers?.['Retry-After'])).toBeGreaterThan(800);
    // The password did not change, and each wrong guess is in the audit log.
    expect(await db.prisma.auditLog.count({ where: { action: 'user.password.change.failed', entityId: ana.id } })).toBe(10);
    expect(await db.prisma.auditLog.count({ where: { action: 'user.password.change', entityId: ana.id } })).toBe(0);
    // Turning MFA off is the same budget: no second oracle.
    await expect(disableMfa(ana, '123456', meta, db.prisma)).rejects.toMatchObject({ code: 'rate_limited' });
  });

  it('keeps each user’s budget apart', async () => {
    const ana = await user(`ana2-${kind}@example.com`);
    const bob = await user(`bob-${kind}@example.com`);
    for (let i = 0; i < 10; i++) await changePassword(ana, `wrong ${i}`, 'a brand new passphrase', meta, db.prisma).catch(() => {});
    await expect(changePassword(bob, PASSWORD, 'bob has a new passphrase', meta, db.prisma)).resolves.toBeUndefined();
  });
});
