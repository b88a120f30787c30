import { encode } from '@auth/core/jwt';
import { NextRequest } from 'next/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import proxy from '@/proxy';
import { consume, resetRateLimits } from '@/lib/server/rate-limit';
import { fromPeer } from '@/test/peer';
import { createTestDatabase, type TestDatabase } from './databases';

const SECRET = 'proxy-rate-limit-secret-0123456789abcdef';
// A refused webhook delivery leaves an attempt row (refused-deliveries.ts): it goes to a database of its own.
let db: TestDatabase;
beforeAll(async () => {
  process.env.AUTH_SECRET = SECRET;
  db = await createTestDatabase('sqlite');
  process.env.DATABASE_URL = db.url;
});
afterAll(async () => {
  await db?.drop();
});

/** A session cookie as Auth.js issues it after sign-in (the proxy only decrypts it and reads uid and the times). */
async function sessionCookie(uid: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const token = await encode({ token: { sub: uid, uid, email: `${uid}@example.com`, name: uid, role: 'executive', sv: 0, authTime: now, lastSeen: now }, secret: SECRET, salt: 'authjs.session-token' });
  return `authjs.session-token=${token}`;
}

const page = (path: string, ip: string, extra: Record<string, string> = {}, method = 'GET') =>
  new NextRequest(`http://localhost${path}`, { method, headers: { ...fromPeer(ip), accept: 'text/html,application/xhtml+xml', ...extra } });

afterEach(() => {
  delete process.env.PAIDLINE_RATE_LIMIT_SCALE;
  resetRateLimits();
});

const req = (path: string, ip: string, method = 'GET') =>
  new NextRequest(`http://localhost${path}`, { method, headers: fromPeer(ip) });

describe('rate limits in the proxy', () => {
  it('answers 429 with Retry-After once a client IP has spent its API budget, and keeps other clients apart', async () => {
    process.env.PAIDLINE_RATE_LIMIT_SCALE = '0.001'; // every budget becomes 1 request a window
    const first = await proxy(req('/api/me', '198.51.100.7'));
    expect(first.status).toBe(401); // spent one point, then refused for want of a session
    const second = await proxy(req('/api/me', '198.51.100.7'));
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await second.json()).toEqual({ error: expect.stringMatching(/^Too many requests\. Try again in \d+ seconds\.$/) });
    expect(second.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect((await proxy(req('/api/me', '198.51.100.8'))).status).toBe(401);
  });

  it('limits webhook deliveries per IP in their own budget, apart from pages', async () => {
    process.env.PAIDLINE_RATE_LIMIT_SCALE = '0.001';
    const a = await proxy(req('/api/webhooks/stripe', '203.0.113.9', 'POST'));
    expect(a.status).toBe(200); // passed through to the route (signatures are checked there)
    expect((await proxy(req('/api/webhooks/stripe', '203.0.113.9', 'POST'))).status).toBe(429);
    expect((await proxy(req('/login', '203.0.113.9'))).status).toBe(200);
  });

  it('caps signed-out page requests per client IP with a small 429 page and Retry-After', async () => {
    process.env.PAIDLINE_RATE_LIMIT_SCALE = '0.01'; // signed-out pages: 3 a minute per IP
    for (let i = 0; i < 3; i++) expect((await proxy(page('/login', '198.51.100.20'))).status).toBe(200);
    const refused = await proxy(page('/login', '198.51.100.20'));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await refused.text();
    expect(html).toMatch(/<h1>Too many requests<\/h1>/);
    expect(html).toMatch(/Try again in \d+ seconds\./);
    expect(html.length).toBeLessThan(1000);
    expect(refused.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    // A signed-out page under the cap still redirects to sign-in as before; another address is not affected.
    expect((await proxy(page('/dashboard', '198.51.100.21'))).status).toBe(307);
    expect((await proxy(page('/login', '198.51.100.21'))).status).toBe(200);
  });

  it('caps page requests per signed-in user whatever the address, and server actions in their own budget', async () => {
    process.env.PAIDLINE_RATE_LIMIT_SCALE = '0.005'; // pages: 3 a minute per user; actions: 1
    const ana = await sessionCookie('user-ana');
    const bob = await sessionCookie('user-bob');
    const pages = ['/dashboard', '/dashboard?channel=Meta%20Ads', '/discrepancies'];
    for (const [i, path] of pages.entries()) expect((await proxy(page(path, `192.0.2.${i + 1}`, { cookie: ana }))).status).toBe(200);
    // A client navigation or prefetch over budget gets plain text, which the router treats as a failed fetch.
    const refused = await proxy(page('/dashboard', '192.0.2.9', { cookie: ana, rsc: '1', 'next-router-prefetch': '1' }));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another user, even from the same address, has a budget of their own.
    expect((await proxy(page('/dashboard', '192.0.2.9', { cookie: bob }))).status).toBe(200);
    // Server actions (a POST with Next-Action from the app's own origin) spend their own budget.
    // The body is what React's encodeReply sends for an action with no arguments (the proxy checks it decodes).
    const action = () =>
      proxy(
        new NextRequest('http://localhost/discrepancies', {
          method: 'POST',
          body: '[]',
          headers: { ...fromPeer('192.0.2.1'), accept: 'text/x-component', 'content-type': 'text/plain;charset=UTF-8', cookie: ana, 'next-action': 'abc123', origin: 'http://localhost' },
        }),
      );
    expect((await action()).status).toBe(200);
    const refusedAction = await action();
    expect(refusedAction.status).toBe(429);
    expect(await refusedAction.text()).toMatch(/^Too many requests\. Try again in \d+ seconds\.$/);
    // The API budget is apart from both.
    expect((await proxy(req('/api/me', '192.0.2.1'))).status).toBe(401);
  });

  it('leaves the sign-in budget to the Credentials provider: a credential post through the proxy spends only the API budget', async () => {
    process.env.PAIDLINE_RATE_LIMIT_SCALE = '0.05'; // sign-in: 1 attempt a minute; API: 60
    expect((await proxy(req('/api/auth/callback/credentials', '192.0.2.44', 'POST'))).status).toBe(200);
    expect((await proxy(req('/api/auth/callback/credentials', '192.0.2.44', 'POST'))).status).toBe(200);
    // The provider's one sign-in point for this address is still there (it used to be spent twice per attempt).
    expect(await consume('signinIp', '192.0.2.44')).toMatchObject({ ok: true });
    expect(await consume('signinIp', '192.0.2.44')).toMatchObject({ ok: false });
  });

  it('keys budgets on the socket address: a rotated X-Forwarded-For buys nothing, and clients without a header do not share one budget', async () => {
    process.env.PAIDLINE_RATE_LIMIT_SCALE = '0.001';
    const forged = (i: number) =>
      new NextRequest('http://localhost/api/webhooks/stripe', { method: 'POST', headers: { ...fromPeer('203.0.113.50'), 'x-forwarded-for': `10.9.${i}.1` } });
    expect((await proxy(forged(1))).status).toBe(200);
    for (let i = 2; i < 6; i++) expect((await proxy(forged(i))).status).toBe(429);
    // Another client with no header at all has its own budget (it used to share 'unknown' with everyone).
    const other = new NextRequest('http://localhost/api/webhooks/stripe', { method: 'POST', headers: fromPeer('203.0.113.51') });
    expect((await proxy(other)).status).toBe(200);
  });

  it('reads X-Forwarded-For only through the proxies PAIDLINE_TRUSTED_PROXIES names', async () => {
    process.env.PAIDLINE_RATE_LIMIT_SCALE = '0.001';
    process.env.PAIDLINE_TRUSTED_PROXIES = '10.0.0.0/8';
    try {
      const viaProxy = (client: string) =>
        new NextRequest('http://localhost/api/webhooks/stripe', { method: 'POST', headers: { ...fromPeer('10.0.0.2'), 'x-forwarded-for': `6.6.6.6, ${client}` } });
      expect((await proxy(viaProxy('198.51.100.20'))).status).toBe(200);
      expect((await proxy(viaProxy('198.51.100.20'))).status).toBe(429);
      expect((await proxy(viaProxy('198.51.100.21'))).status).toBe(200); // another client behind the same proxy
    } finally {
      delete process.env.PAIDLINE_TRUSTED_PROXIES;
    }
  });
});
