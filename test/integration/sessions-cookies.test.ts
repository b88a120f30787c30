/**
 * The session cookie as Auth.js really sets it, read from Set-Cookie: HttpOnly, SameSite=Lax, and Secure
 * (with the __Secure- prefix) when the request came over HTTPS through a proxy (X-Forwarded-Proto: https),
 * not over plain HTTP. Also: a right password on an MFA account sets no session cookie at all.
 */
import { randomBytes } from 'node:crypto';
import { Auth } from '@auth/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFacingUrl } from '@/lib/auth/security-headers';
import { resetSecretKeyCache } from '@/lib/server/crypto/secrets';
import { createUser } from '@/lib/features/users/create-user';
import { createTestDatabase, type TestDatabase } from './databases';
import { fromPeer } from '@/test/peer';

process.env.AUTH_SECRET = 'cookie-test-secret-0123456789abcdef0123';
process.env.PAIDLINE_SECRET_KEY = randomBytes(32).toString('base64');
resetSecretKeyCache();

const PASSWORD = 'correct horse battery staple';
let db: TestDatabase;
/**
 * What lib/auth/auth.ts serves at /api/auth/*: the same configuration through @auth/core with next-auth's
 * defaults, on the client-facing URL (https when the proxy says so), as its handlers wrapper does.
 */
let handle: (request: Request) => Promise<Response>;

beforeAll(async () => {
  db = await createTestDatabase('sqlite');
  process.env.DATABASE_URL = db.url;
  await createUser({ email: 'ana@example.com', name: 'Ana', role: 'analyst', password: PASSWORD }, { db: db.prisma });
  const mfa = await createUser({ email: 'mo@example.com', name: 'Mo', role: 'analyst', password: PASSWORD }, { db: db.prisma });
  await db.prisma.user.update({ where: { id: mfa.id }, data: { mfaEnabled: true, mfaSecret: 'pl1.unused' } });
  const { authOptions } = await import('@/lib/auth/options');
  handle = (request) =>
    Auth(new Request(clientFacingUrl(request.url, request.headers), request), { ...authOptions, secret: process.env.AUTH_SECRET, basePath: '/api/auth' });
});
afterAll(async () => db?.drop());

/** Signs in through Auth.js's own endpoints (CSRF token first), as a browser would, and returns the Set-Cookie lines. */
async function signInThroughAuthJs(email: string, proxyHeaders: Record<string, string>): Promise<string[]> {
  const base = 'http://paidline.test';
  const common = { ...fromPeer('192.0.2.10'), host: 'paidline.test', ...proxyHeaders };
  const csrf = await handle(new Request(`${base}/api/auth/csrf`, { headers: common }));
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const csrfCookie = csrf.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const response = await handle(
    new Request(`${base}/api/auth/callback/credentials`, {
      method: 'POST',
      headers: { ...common, 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
      body: new URLSearchParams({ csrfToken, email, password: PASSWORD, callbackUrl: `${base}/dashboard` }),
    }),
  );
  return response.headers.getSetCookie();
}

const sessionCookie = (lines: string[]) => lines.find((l) => /^(__Secure-)?authjs\.session-token=/.test(l));

describe('session cookie flags', () => {
  it('over HTTPS behind a proxy: __Secure- prefix, Secure, HttpOnly, SameSite=Lax', async () => {
    const cookie = sessionCookie(await signInThroughAuthJs('ana@example.com', { 'x-forwarded-proto': 'https' }));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/^__Secure-authjs\.session-token=/);
    const flags = cookie!.split(';').map((p) => p.trim().toLowerCase());
    expect(flags).toContain('secure');
    expect(flags).toContain('httponly');
    expect(flags).toContain('samesite=lax');
    expect(flags).toContain('path=/');
  });

  it('over plain HTTP: HttpOnly and SameSite=Lax, not Secure (a browser would drop it)', async () => {
    const cookie = sessionCookie(await signInThroughAuthJs('ana@example.com', { 'x-forwarded-proto': 'http' }));
    expect(cookie).toMatch(/^authjs\.session-token=/);
    const flags = cookie!.split(';').map((p) => p.trim().toLowerCase());
    expect(flags).toContain('httponly');
    expect(flags).toContain('samesite=lax');
    expect(flags).not.toContain('secure');
  });

  it('a right password on an account with MFA sets no session cookie', async () => {
    const lines = await signInThroughAuthJs('mo@example.com', { 'x-forwarded-proto': 'https' });
    expect(sessionCookie(lines)).toBeUndefined();
    expect(await db.prisma.auditLog.count({ where: { action: 'auth.mfa.challenge' } })).toBe(1);
  });
});
