import { afterEach, describe, expect, it } from 'vitest';
import { consume, RATE_LIMITS, resetRateLimits } from './rate-limit';

afterEach(() => {
  delete process.env.PAIDLINE_RATE_LIMIT_SCALE;
  resetRateLimits();
});

describe('rate limits', () => {
  it('allows the budget, then refuses with a wait time, per key', async () => {
    for (let i = 0; i < RATE_LIMITS.signinIp.points; i++) expect(await consume('signinIp', '203.0.113.1')).toEqual({ ok: true });
    const refused = await consume('signinIp', '203.0.113.1');
    expect(refused.ok).toBe(false);
    expect(refused.ok === false && refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.ok === false && refused.retryAfterSeconds).toBeLessThanOrEqual(RATE_LIMITS.signinIp.duration);
    // Another client is not affected, nor another bucket.
    expect(await consume('signinIp', '203.0.113.2')).toEqual({ ok: true });
    expect(await consume('apiIp', '203.0.113.1')).toEqual({ ok: true });
  });

  it('scales every budget with PAIDLINE_RATE_LIMIT_SCALE', async () => {
    process.env.PAIDLINE_RATE_LIMIT_SCALE = '0.1';
    const budget = Math.round(RATE_LIMITS.uploadUser.points * 0.1);
    for (let i = 0; i < budget; i++) expect((await consume('uploadUser', 'u1')).ok).toBe(true);
    expect((await consume('uploadUser', 'u1')).ok).toBe(false);
  });
});
