import { NextRequest } from 'next/server';
import { afterEach, describe, expect, it } from 'vitest';
import proxy from '@/proxy';
import { resetRateLimits } from '@/lib/server/rate-limit';

afterEach(() => {
  delete process.env.PAIDLINE_RATE_LIMIT_SCALE;
  resetRateLimits();
});

const req = (path: string, ip: string, method = 'GET') =>
  new NextRequest(`http://localhost${path}`, { method, headers: { 'x-forwarded-for': `${ip}, 10.0.0.1` } });

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

  it('spends the sign-in budget on credential posts, apart from other API calls', async () => {
    process.env.PAIDLINE_RATE_LIMIT_SCALE = '0.05'; // sign-in: 1 attempt a minute; API: 60
    expect((await proxy(req('/api/auth/callback/credentials', '192.0.2.44', 'POST'))).status).toBe(200);
    const refused = await proxy(req('/api/auth/callback/credentials', '192.0.2.44', 'POST'));
    expect(refused.status).toBe(429);
    expect((await proxy(req('/api/auth/session', '192.0.2.44'))).status).toBe(200);
  });
});
