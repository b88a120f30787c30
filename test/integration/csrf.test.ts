/**
 * Cross-site writes: a page on another origin of the same site (another port, a sibling subdomain)
 * submits a form to a Paidline route as the signed-in reviewer. The route pipeline refuses every
 * state-changing request a session would authenticate unless its Origin is Paidline's own (403, and
 * nothing written); a server action posted from another origin gets a clear 403 from the proxy
 * instead of Next.js's opaque 500.
 */
import { NextRequest } from 'next/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TestDatabase } from './databases';
import { databaseWithRoleUsers } from './access-helpers';

const session = vi.hoisted(() => ({ role: 'reviewer' as string | null }));
vi.mock('@/lib/auth/auth', () => ({
  auth: async () => (session.role ? { user: { id: `user-${session.role}`, email: `${session.role}@example.com`, name: session.role, role: session.role, sessionVersion: 0, sessionId: 'test-session' } } : null),
  signIn: async () => undefined,
  signOut: async () => undefined,
  handlers: { GET: async () => new Response(null, { status: 204 }), POST: async () => new Response(null, { status: 204 }) },
}));
vi.mock('next/headers', () => ({ headers: async () => new Headers(), cookies: async () => ({ get: () => undefined }) }));

let db: TestDatabase;
beforeAll(async () => {
  db = await databaseWithRoleUsers();
});
afterAll(async () => db?.drop());

const resolveUrl = 'http://paidline.example.com:3000/api/discrepancies/1/resolve';
async function resolve(headers: Record<string, string>, body: string) {
  const { POST } = await import('@/app/api/discrepancies/[id]/resolve/route');
  session.role = 'admin'; // an enrolled admin (MFA on): allowed to resolve, so only the origin decides
  return POST(new Request(resolveUrl, { method: 'POST', headers, body }), { params: Promise.resolve({ id: '1' }) });
}

describe('state-changing routes refuse other origins', () => {
  it('refuses a text/plain form from another port of the same host, and writes nothing', async () => {
    const before = await db.prisma.auditLog.count();
    const res = await resolve({ origin: 'http://paidline.example.com:4000', 'content-type': 'text/plain' }, '{"action":"write_off","reason":"written off by the test","version":0}');
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: 'Refused: a request from http://paidline.example.com:4000 may not act with your Paidline session.' });
    expect(await db.prisma.resolution.count()).toBe(0);
    // Refused before the session was even read: no permission audit either.
    expect(await db.prisma.auditLog.count()).toBe(before);
  });

  it('refuses a sibling subdomain and a request with no Origin', async () => {
    expect((await resolve({ origin: 'https://evil.paidline.example.com', 'content-type': 'application/json' }, '{}')).status).toBe(403);
    const none = await resolve({ 'content-type': 'application/json' }, '{}');
    expect(none.status).toBe(403);
    expect((await none.json()).error).toMatch(/no Origin header/);
  });

  it('lets the app’s own origin through (the row does not exist: 404), and PAIDLINE_PUBLIC_URL behind a proxy', async () => {
    expect((await resolve({ origin: 'http://paidline.example.com:3000', 'content-type': 'application/json' }, '{"action":"write_off","reason":"written off by the test","version":0}')).status).toBe(404);
    process.env.PAIDLINE_PUBLIC_URL = 'https://paidline.acme.test';
    try {
      expect((await resolve({ origin: 'https://paidline.acme.test', 'content-type': 'application/json' }, '{"action":"write_off","reason":"written off by the test","version":0}')).status).toBe(404);
    } finally {
      delete process.env.PAIDLINE_PUBLIC_URL;
    }
  });

  it('leaves reads alone', async () => {
    const { GET } = await import('@/app/api/runs/[id]/route');
    session.role = 'admin';
    const res = await GET(new Request('http://paidline.example.com:3000/api/runs/x', { headers: { origin: 'http://elsewhere.test' } }), { params: Promise.resolve({ id: 'x' }) });
    expect(res.status).toBe(404);
  });
});

describe('server actions from another origin', () => {
  it('get a clear 403 from the proxy, not a 500', async () => {
    const { default: proxy } = await import('@/proxy');
    const post = (origin: string | null) =>
      proxy(new NextRequest('http://localhost:3000/discrepancies', { method: 'POST', headers: { 'next-action': 'abc123', 'content-type': 'text/plain', ...(origin ? { origin } : {}) } }));
    const foreign = await post('http://localhost:4000');
    expect(foreign.status).toBe(403);
    expect(await foreign.text()).toBe('Refused: a request from http://localhost:4000 may not act with your Paidline session.');
    expect((await post(null)).status).toBe(403);
    // The app's own origin goes on to Next.js (here: to the sign-in redirect, as no session cookie was sent).
    expect((await post('http://localhost:3000')).status).not.toBe(403);
  });
});
