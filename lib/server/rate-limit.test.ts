import { afterEach, describe, expect, it } from 'vitest';
import { consume, RATE_LIMITS, rateLimitConfigFromEnv, resetRateLimits } from './rate-limit';

afterEach(() => {
  delete process.env.PAIDLINE_RATE_LIMIT_SCALE;
  resetRateLimits();
});

describe('rate limits', () => {
  it('allows the budget, then refuses with a wait time, per key', async () => {
    // Each spent point says what is left of the window's budget (the API's RateLimit header).
    for (let i = 0; i < RATE_LIMITS.signinIp.points; i++) expect(await consume('signinIp', '203.0.113.1')).toMatchObject({ ok: true, limit: RATE_LIMITS.signinIp.points, remaining: RATE_LIMITS.signinIp.points - i - 1 });
    const refused = await consume('signinIp', '203.0.113.1');
    expect(refused.ok).toBe(false);
    expect(refused.ok === false && refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.ok === false && refused.retryAfterSeconds).toBeLessThanOrEqual(RATE_LIMITS.signinIp.duration);
    // Another client is not affected, nor another bucket.
    expect(await consume('signinIp', '203.0.113.2')).toMatchObject({ ok: true });
    expect(await consume('apiIp', '203.0.113.1')).toMatchObject({ ok: true });
  });

  it('scales every budget with PAIDLINE_RATE_LIMIT_SCALE', async () => {
    process.env.PAIDLINE_RATE_LIMIT_SCALE = '0.1';
    const budget = Math.round(RATE_LIMITS.uploadUser.points * 0.1);
    for (let i = 0; i < budget; i++) expect((await consume('uploadUser', 'u1')).ok).toBe(true);
    expect((await consume('uploadUser', 'u1')).ok).toBe(false);
  });
});

describe('rate limit store configuration', () => {
  it('defaults to memory and reads a shared store from the environment', () => {
    expect(rateLimitConfigFromEnv({}).store).toBe('memory');
    expect(rateLimitConfigFromEnv({ PAIDLINE_RATE_LIMIT_STORE: 'postgres', DATABASE_URL: 'postgresql://db/paidline' })).toMatchObject({
      store: 'postgres',
      url: 'postgresql://db/paidline',
    });
    expect(
      rateLimitConfigFromEnv({ PAIDLINE_RATE_LIMIT_STORE: 'postgres', DATABASE_URL: 'file:./x.db', PAIDLINE_RATE_LIMIT_URL: 'postgres://limits/db' }),
    ).toMatchObject({ store: 'postgres', url: 'postgres://limits/db' });
    expect(rateLimitConfigFromEnv({ PAIDLINE_RATE_LIMIT_STORE: 'Redis' })).toMatchObject({ store: 'redis', url: 'redis://127.0.0.1:6379' });
    expect(rateLimitConfigFromEnv({ PAIDLINE_RATE_LIMIT_STORE: 'redis', REDIS_URL: 'redis://cache:6380/2' }).url).toBe('redis://cache:6380/2');
  });

  it('refuses a store it cannot use, with the fix in the message', () => {
    expect(() => rateLimitConfigFromEnv({ PAIDLINE_RATE_LIMIT_STORE: 'postgres', DATABASE_URL: 'file:./x.db' })).toThrow(/needs a postgres:\/\/ URL/);
    expect(() => rateLimitConfigFromEnv({ PAIDLINE_RATE_LIMIT_STORE: 'memcached' })).toThrow(/must be memory, postgres or redis/);
    expect(() => rateLimitConfigFromEnv({ PAIDLINE_RATE_LIMIT_STORE: 'redis', REDIS_URL: 'http://x' })).toThrow(/redis:\/\//);
  });
});
