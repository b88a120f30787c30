import { NextRequest } from 'next/server';
import { afterEach, describe, expect, it } from 'vitest';
import proxy from '@/proxy';
import { consume, resetRateLimits } from '@/lib/server/rate-limit';
import { fromPeer } from '@/test/peer';

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

  it('limits webhook deliveries per IP in their own budget, and leaves pages alone', async () => {
    process.env.PAIDLINE_RATE_LIMIT_SCALE = '0.001';
    const a = await proxy(req('/api/webhooks/stripe', '203.0.113.9', 'POST'));
    expect(a.status).toBe(200); // passed through to the route (signatures are checked there)
    expect((await proxy(req('/api/webhooks/stripe', '203.0.113.9', 'POST'))).status).toBe(429);
    expect((await proxy(req('/login', '203.0.113.9'))).status).toBe(200);
    expect((await proxy(req('/login', '203.0.113.9'))).status).toBe(200);
  });

  it('leaves the sign-in budget to the Credentials provider: a credential post through the proxy spends only the API budget', async () => {
    process.env.PAIDLINE_RATE_LIMIT_SCALE = '0.05'; // sign-in: 1 attempt a minute; API: 60
    expect((await proxy(req('/api/auth/callback/credentials', '192.0.2.44', 'POST'))).status).toBe(200);
    expect((await proxy(req('/api/auth/callback/credentials', '192.0.2.44', 'POST'))).status).toBe(200);
    // The provider's one sign-in point for this address is still there (it used to be spent twice per attempt).
    expect(await consume('signinIp', '192.0.2.44')).toEqual({ ok: true });
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
