import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiters, RATE_LIMITS, type RateLimiters, type RateLimitStore } from '@/lib/server/rate-limit';
import { PG_URL, throwawayPgDatabase } from './db-helpers';

/**
 * Several app instances behind one proxy must share their budgets: each "instance" here is
 * its own set of limiters (its own pool or connection), as a separate process would have.
 */
const REDIS_URL = process.env.TEST_REDIS_URL;
const SHARED_STORES: { store: Exclude<RateLimitStore, 'memory'>; enabled: boolean }[] = [
  { store: 'postgres', enabled: Boolean(PG_URL) },
  { store: 'redis', enabled: Boolean(REDIS_URL) },
];

describe.each(SHARED_STORES.filter((s) => s.enabled))('rate limits shared through $store', ({ store }) => {
  let url = '';
  let dropDb: (() => Promise<void>) | null = null;
  const opened: RateLimiters[] = [];
  const instance = (namespace: string, scale = 1) => {
    const l = createRateLimiters({ store, url, namespace, scale });
    opened.push(l);
    return l;
  };

  beforeAll(async () => {
    if (store === 'postgres') {
      const db = await throwawayPgDatabase();
      url = db.url;
      dropDb = db.drop;
    } else {
      url = REDIS_URL!;
    }
  });
  afterAll(async () => {
    await Promise.all(opened.map((l) => l.close()));
    await dropDb?.();
  });

  it('two instances spend one budget: what one spent, the other cannot', async () => {
    const ns = `t-${randomUUID()}`;
    const a = instance(ns);
    const b = instance(ns);
    const points = RATE_LIMITS.signinIp.points;
    for (let i = 0; i < points; i++) {
      const via = i % 2 === 0 ? a : b;
      expect(await via.consume('signinIp', '203.0.113.5')).toMatchObject({ ok: true });
    }
    for (const via of [a, b]) {
      const refused = await via.consume('signinIp', '203.0.113.5');
      expect(refused.ok).toBe(false);
      if (!refused.ok) {
        expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
        expect(refused.retryAfterSeconds).toBeLessThanOrEqual(RATE_LIMITS.signinIp.duration);
      }
    }
    // Another client, another bucket and another deployment (namespace) keep their own budgets.
    expect(await a.consume('signinIp', '203.0.113.6')).toMatchObject({ ok: true });
    expect(await b.consume('apiIp', '203.0.113.5')).toMatchObject({ ok: true });
    expect(await instance(`t-${randomUUID()}`).consume('signinIp', '203.0.113.5')).toMatchObject({ ok: true });
  });

  it('a new instance sees budgets spent before it started', async () => {
    const ns = `t-${randomUUID()}`;
    const first = instance(ns, 0.05); // uploadUser: 2 a minute
    expect((await first.consume('uploadUser', 'user-1')).ok).toBe(true);
    expect((await first.consume('uploadUser', 'user-1')).ok).toBe(true);
    await first.close();
    const later = instance(ns, 0.05);
    expect((await later.consume('uploadUser', 'user-1')).ok).toBe(false);
  });
});

describe('rate limits when the shared store is down', () => {
  it.each(['postgres', 'redis'] as const)('%s unreachable: limits still hold per instance, requests are not failed', async (store) => {
    const url = store === 'postgres' ? 'postgres://postgres@127.0.0.1:1/nothing' : 'redis://127.0.0.1:1';
    const l = createRateLimiters({ store, url, namespace: `down-${randomUUID()}`, scale: 0.05 });
    try {
      const budget = Math.round(RATE_LIMITS.uploadUser.points * 0.05);
      for (let i = 0; i < budget; i++) expect(await l.consume('uploadUser', 'u')).toMatchObject({ ok: true });
      expect((await l.consume('uploadUser', 'u')).ok).toBe(false);
    } finally {
      await l.close();
    }
  });
});
