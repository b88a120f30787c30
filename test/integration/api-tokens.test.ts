/**
 * Personal access tokens below the UI, on SQLite and PostgreSQL: the secret is returned once and only
 * its digest is kept (not in the row, not in the audit trail); lists per person and for an admin;
 * revocation by the owner or an admin (someone else's token is "not found" to anyone else), audited;
 * and authentication refusing every token that no longer works (revoked, expired, owner disabled,
 * owner's sessions ended, MFA missing for the role) while accepting a working one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@/lib/domain/roles';
import { signOutEverywhere } from '@/lib/features/users/account';
import {
  authenticateApiToken,
  createApiToken,
  digestOf,
  listApiTokens,
  MAX_TOKENS_PER_USER,
  revokeApiToken,
  TOKEN_PREFIX,
} from '@/lib/features/users/api-tokens';
import { AppError, InvalidRequestError, NotFoundError } from '@/lib/server/core/app-error';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { makeActor } from './review-fixtures';

const meta = { ip: '203.0.113.7', userAgent: 'vitest' };
type Actor = { id: string; email: string; role: Role };
const DAY = 86_400_000;

/** The AppError a promise rejects with (fails the test when it resolves or throws something else). */
async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

let savedMfaRoles: string | undefined;
beforeAll(() => {
  // The default: admins and reviewers must use MFA (the API refuses their tokens until they have).
  savedMfaRoles = process.env.PAIDLINE_MFA_REQUIRED_ROLES;
  process.env.PAIDLINE_MFA_REQUIRED_ROLES = 'admin,reviewer';
});
afterAll(() => {
  if (savedMfaRoles === undefined) delete process.env.PAIDLINE_MFA_REQUIRED_ROLES;
  else process.env.PAIDLINE_MFA_REQUIRED_ROLES = savedMfaRoles;
});

describe.each(DATABASE_KINDS)('API tokens on %s', (kind) => {
  let db: TestDatabase;
  let analyst: Actor;
  let executive: Actor;
  let admin: Actor;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    analyst = await makeActor(db.prisma, 'analyst');
    executive = await makeActor(db.prisma, 'executive');
    admin = await makeActor(db.prisma, 'admin');
  });
  afterAll(async () => db?.drop());

  const audits = (action: string, entityId: string) => db.prisma.auditLog.findMany({ where: { action, entityId } });

  it('creates a token whose secret is returned once and kept only as a digest', async () => {
    const before = Date.now();
    const { secret, token } = await createApiToken(analyst, { name: '  Nightly bank upload ', readOnly: true, expiresInDays: 30 }, meta, db.prisma);
    expect(secret.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(secret.length).toBeGreaterThanOrEqual(40);
    expect(token).toMatchObject({ name: 'Nightly bank upload', readOnly: true, state: 'active', stateReason: null, lastUsedAt: null, owner: { id: analyst.id, email: analyst.email, role: 'analyst' } });
    expect(token.prefix).toBe(secret.slice(0, TOKEN_PREFIX.length + 8));
    expect(token.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 30 * DAY);
    expect(token.expiresAt!.getTime()).toBeLessThanOrEqual(Date.now() + 30 * DAY);

    const row = await db.prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } });
    expect(row.hash).toBe(digestOf(secret));
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(JSON.stringify(row)).not.toContain(secret.slice(TOKEN_PREFIX.length + 8));

    const created = await audits('api_token.create', token.id);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ actorId: analyst.id, actorEmail: analyst.email, entityType: 'ApiToken', ip: meta.ip, userAgent: meta.userAgent });
    expect(JSON.stringify(created)).toContain(token.prefix);
    expect(JSON.stringify(created)).not.toContain(secret);
    expect(JSON.stringify(created)).not.toContain(row.hash);
  });

  it('defaults to read and write for 90 days, and makes tokens that never expire', async () => {
    const { token } = await createApiToken(executive, { name: 'Default' }, meta, db.prisma);
    expect(token.readOnly).toBe(false);
    expect(Math.round((token.expiresAt!.getTime() - token.createdAt.getTime()) / DAY)).toBe(90);
    const { token: forever } = await createApiToken(executive, { name: 'Forever', expiresInDays: null }, meta, db.prisma);
    expect(forever.expiresAt).toBeNull();
  });

  it('refuses a nameless token and an expiry out of range', async () => {
    await expect(createApiToken(analyst, { name: '   ' }, meta, db.prisma)).rejects.toThrow(/Name the token/);
    await expect(createApiToken(analyst, { name: 'x', expiresInDays: 0 }, meta, db.prisma)).rejects.toThrow(/at least one day/);
    await expect(createApiToken(analyst, { name: 'x', expiresInDays: 4000 }, meta, db.prisma)).rejects.toThrow(/at most 10 years/);
  });

  it("lists a person's own tokens, newest first, and everyone's for an admin", async () => {
    const mine = await listApiTokens({ userId: analyst.id }, db.prisma);
    expect(mine.map((t) => t.name)).toEqual(['Nightly bank upload']);
    const theirs = await listApiTokens({ userId: executive.id }, db.prisma);
    expect(theirs.map((t) => t.name)).toEqual(['Forever', 'Default']);
    const all = await listApiTokens('all', db.prisma);
    expect(all.map((t) => t.owner.email).sort()).toEqual([analyst.email, executive.email, executive.email].sort());
    // A list never carries the digest, let alone the secret.
    expect(Object.keys(all[0]!)).not.toContain('hash');
  });

  it('authenticates a working token: the owner, their role, the token and whether it only reads; the last use is kept', async () => {
    const { secret, token } = await createApiToken(analyst, { name: 'CLI', readOnly: false, expiresInDays: 90 }, meta, db.prisma);
    const user = await authenticateApiToken(secret, { ip: '198.51.100.4' }, db.prisma);
    expect(user).toEqual({ id: analyst.id, email: analyst.email, name: 'analyst', role: 'analyst', tokenId: token.id, readOnly: false });
    const row = await db.prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } });
    expect(row.lastUsedAt).not.toBeNull();
    expect(row.lastUsedIp).toBe('198.51.100.4');
    const listed = (await listApiTokens({ userId: analyst.id }, db.prisma)).find((t) => t.id === token.id)!;
    expect(listed).toMatchObject({ state: 'active', lastUsedIp: '198.51.100.4' });

    const readOnly = await createApiToken(analyst, { name: 'Reports', readOnly: true }, meta, db.prisma);
    expect(await authenticateApiToken(readOnly.secret, meta, db.prisma)).toMatchObject({ role: 'analyst', tokenId: readOnly.token.id, readOnly: true });
  });

  it('refuses secrets that are not tokens or not known, with the same message', async () => {
    for (const secret of ['', 'Bearer nonsense', `${TOKEN_PREFIX}unknown-secret`, `${TOKEN_PREFIX}${'a'.repeat(300)}`]) {
      const error = await refusal(authenticateApiToken(secret, meta, db.prisma));
      expect(error.code).toBe('unauthenticated');
      expect(error.message).toMatch(/not valid/);
    }
  });

  it('lets the owner revoke their token, once, audited; the token then no longer authenticates', async () => {
    const { secret, token } = await createApiToken(analyst, { name: 'Old laptop' }, meta, db.prisma);
    await expect(authenticateApiToken(secret, meta, db.prisma)).resolves.toMatchObject({ tokenId: token.id });
    expect(await revokeApiToken(analyst, token.id, meta, db.prisma)).toEqual({ revoked: true });
    expect(await revokeApiToken(analyst, token.id, meta, db.prisma)).toEqual({ revoked: false });

    const revoked = await audits('api_token.revoke', token.id);
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({ actorId: analyst.id, ip: meta.ip });
    expect(JSON.parse(revoked[0]!.after!)).toMatchObject({ name: 'Old laptop', prefix: token.prefix, owner: 'self' });
    expect(JSON.stringify(revoked)).not.toContain(secret);

    const row = await db.prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } });
    expect(row.revokedById).toBe(analyst.id);
    const error = await refusal(authenticateApiToken(secret, meta, db.prisma));
    expect(error.code).toBe('unauthenticated');
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/no longer works: Revoked/);
    expect((await listApiTokens({ userId: analyst.id }, db.prisma)).find((t) => t.id === token.id)).toMatchObject({ state: 'revoked', stateReason: 'Revoked.' });
  });

  it("hides someone else's token from a non-admin (not found), and lets an admin revoke it", async () => {
    const { secret, token } = await createApiToken(executive, { name: 'Board deck export' }, meta, db.prisma);
    const stranger = await refusal(revokeApiToken(analyst, token.id, meta, db.prisma));
    expect(stranger).toBeInstanceOf(NotFoundError);
    await expect(revokeApiToken(analyst, 'no-such-token', meta, db.prisma)).rejects.toBeInstanceOf(NotFoundError);
    await expect(authenticateApiToken(secret, meta, db.prisma)).resolves.toMatchObject({ tokenId: token.id });
    expect(await audits('api_token.revoke', token.id)).toHaveLength(0);

    expect(await revokeApiToken(admin, token.id, meta, db.prisma)).toEqual({ revoked: true });
    const revoked = await audits('api_token.revoke', token.id);
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({ actorId: admin.id, actorEmail: admin.email });
    expect(JSON.parse(revoked[0]!.after!)).toMatchObject({ owner: executive.id });
    expect((await db.prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } })).revokedById).toBe(admin.id);
    await expect(authenticateApiToken(secret, meta, db.prisma)).rejects.toThrow(/no longer works: Revoked/);
  });

  it('refuses an expired token, and says since when', async () => {
    const { secret, token } = await createApiToken(analyst, { name: 'Short-lived', expiresInDays: 1 }, meta, db.prisma);
    await expect(authenticateApiToken(secret, meta, db.prisma)).resolves.toMatchObject({ tokenId: token.id });
    const past = new Date(Date.now() - 2 * DAY);
    await db.prisma.apiToken.update({ where: { id: token.id }, data: { expiresAt: past } });
    const error = await refusal(authenticateApiToken(secret, meta, db.prisma));
    expect(error.code).toBe('unauthenticated');
    expect(error.message).toContain(`Expired on ${past.toISOString().slice(0, 10)}`);
    expect((await listApiTokens({ userId: analyst.id }, db.prisma)).find((t) => t.id === token.id)).toMatchObject({ state: 'expired' });
  });

  it('refuses the tokens of a disabled owner, and accepts them again once enabled', async () => {
    const owner = await makeActor(db.prisma, 'executive');
    const { secret } = await createApiToken(owner, { name: 'Cron' }, meta, db.prisma);
    await db.prisma.user.update({ where: { id: owner.id }, data: { disabled: true } });
    await expect(authenticateApiToken(secret, meta, db.prisma)).rejects.toThrow(/owner is disabled/);
    expect((await listApiTokens({ userId: owner.id }, db.prisma))[0]).toMatchObject({ state: 'revoked', stateReason: 'Its owner is disabled.' });
    // A disabled account makes no new ones either.
    await expect(createApiToken(owner, { name: 'Another' }, meta, db.prisma)).rejects.toThrow(/cannot make tokens/);
    await db.prisma.user.update({ where: { id: owner.id }, data: { disabled: false } });
    await expect(authenticateApiToken(secret, meta, db.prisma)).resolves.toMatchObject({ id: owner.id });
  });

  it("refuses every token made before the owner's sessions were ended (sign out everywhere); new ones work", async () => {
    const owner = await makeActor(db.prisma, 'analyst');
    const first = await createApiToken(owner, { name: 'Laptop' }, meta, db.prisma);
    const second = await createApiToken(owner, { name: 'CI' }, meta, db.prisma);
    await signOutEverywhere(owner, meta, db.prisma);
    for (const { secret } of [first, second]) {
      await expect(authenticateApiToken(secret, meta, db.prisma)).rejects.toThrow(/sessions were ended/);
    }
    expect((await listApiTokens({ userId: owner.id }, db.prisma)).map((t) => t.state)).toEqual(['revoked', 'revoked']);
    const fresh = await createApiToken(owner, { name: 'Laptop again' }, meta, db.prisma);
    await expect(authenticateApiToken(fresh.secret, meta, db.prisma)).resolves.toMatchObject({ tokenId: fresh.token.id });
  });

  it('refuses the token of a role that requires MFA until its owner has set MFA up (403)', async () => {
    const { secret, token } = await createApiToken(admin, { name: 'Admin script' }, meta, db.prisma);
    const error = await refusal(authenticateApiToken(secret, meta, db.prisma));
    expect(error.code).toBe('mfa_required');
    expect(error.status).toBe(403);
    await db.prisma.user.update({ where: { id: admin.id }, data: { mfaEnabled: true } });
    await expect(authenticateApiToken(secret, meta, db.prisma)).resolves.toMatchObject({ role: 'admin', tokenId: token.id, readOnly: false });
  });

  it(`holds at most ${MAX_TOKENS_PER_USER} working tokens per person; revoked ones do not count`, async () => {
    const owner = await makeActor(db.prisma, 'reviewer');
    const made = [];
    for (let i = 0; i < MAX_TOKENS_PER_USER; i++) made.push((await createApiToken(owner, { name: `t${i}` }, meta, db.prisma)).token);
    await expect(createApiToken(owner, { name: 'one too many' }, meta, db.prisma)).rejects.toBeInstanceOf(InvalidRequestError);
    await revokeApiToken(owner, made[0]!.id, meta, db.prisma);
    await expect(createApiToken(owner, { name: 'replacement' }, meta, db.prisma)).resolves.toMatchObject({ token: { name: 'replacement' } });
  });
});
