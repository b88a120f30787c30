import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCredentials, recordSignIn } from '@/lib/features/users/sign-in';
import { createUser } from '@/lib/features/users/create-user';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

describe.each(DATABASE_KINDS)('users and sign-in on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('creates a user with an argon2id hash and an audit row in the same transaction', async () => {
    const user = await createUser(
      { email: '  Ana@Example.com ', name: 'Ana', role: 'analyst', password: 'correct horse battery' },
      { db: db.prisma },
    );
    expect(user.email).toBe('ana@example.com');
    const row = await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row.passwordHash).not.toContain('correct horse');
    const audit = await db.prisma.auditLog.findMany({ where: { entityId: user.id, action: 'user.create' } });
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.after!)).toEqual({ email: 'ana@example.com', name: 'Ana', role: 'analyst' });
  });

  it('refuses a duplicate e-mail and leaves no second row or audit entry', async () => {
    await expect(
      createUser({ email: 'ana@example.com', name: 'Other', role: 'admin', password: 'another long password' }, { db: db.prisma }),
    ).rejects.toMatchObject({ code: 'conflict', status: 409 });
    expect(await db.prisma.user.count({ where: { email: 'ana@example.com' } })).toBe(1);
    expect(await db.prisma.auditLog.count({ where: { action: 'user.create' } })).toBe(1);
  });

  it('rejects bad input with actionable messages and writes nothing', async () => {
    const before = await db.prisma.user.count();
    await expect(createUser({ email: 'not-an-email', name: 'X', role: 'analyst', password: 'long enough password' }, { db: db.prisma }))
      .rejects.toThrow(/valid e-mail/);
    await expect(createUser({ email: 'x@example.com', name: 'X', role: 'root' as never, password: 'long enough password' }, { db: db.prisma }))
      .rejects.toThrow(/Role must be one of: admin, executive, analyst, reviewer/);
    await expect(createUser({ email: 'x@example.com', name: 'X', role: 'analyst', password: 'short' }, { db: db.prisma }))
      .rejects.toThrow(/at least 12 characters/);
    expect(await db.prisma.user.count()).toBe(before);
  });

  it('checks credentials: right password, wrong password, unknown user, disabled user', async () => {
    const ok = await checkCredentials('ANA@example.com', 'correct horse battery', db.prisma);
    expect(ok).toMatchObject({ ok: true, user: { email: 'ana@example.com', role: 'analyst' } });
    expect(await checkCredentials('ana@example.com', 'wrong password!!', db.prisma)).toEqual({ ok: false, reason: 'bad-password' });
    expect(await checkCredentials('nobody@example.com', 'correct horse battery', db.prisma)).toEqual({ ok: false, reason: 'unknown-user' });
    await db.prisma.user.update({ where: { email: 'ana@example.com' }, data: { disabled: true } });
    expect(await checkCredentials('ana@example.com', 'correct horse battery', db.prisma)).toEqual({ ok: false, reason: 'disabled' });
    await db.prisma.user.update({ where: { email: 'ana@example.com' }, data: { disabled: false } });
  });

  it('audits failed and successful sign-ins', async () => {
    const failed = await checkCredentials('ana@example.com', 'wrong password!!', db.prisma);
    await recordSignIn(failed, 'ana@example.com', { ip: '203.0.113.7', userAgent: 'test' }, db.prisma);
    const failure = await db.prisma.auditLog.findFirstOrThrow({ where: { action: 'auth.signin.failed' } });
    expect(failure.ip).toBe('203.0.113.7');
    expect(JSON.parse(failure.after!)).toEqual({ email: 'ana@example.com', reason: 'bad-password' });

    const ok = await checkCredentials('ana@example.com', 'correct horse battery', db.prisma);
    await recordSignIn(ok, 'ana@example.com', { ip: '203.0.113.7', userAgent: 'test' }, db.prisma);
    const user = await db.prisma.user.findUniqueOrThrow({ where: { email: 'ana@example.com' } });
    expect(user.lastLoginAt).toBeInstanceOf(Date);
    expect(await db.prisma.auditLog.count({ where: { action: 'auth.signin', actorId: user.id } })).toBe(1);
  });
});
