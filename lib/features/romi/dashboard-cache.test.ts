import { describe, expect, it } from 'vitest';
import { dashboardCacheEnabled, dashboardCacheKey, LruPromiseCache } from './dashboard-cache';

describe('the dashboard cache', () => {
  it('keeps at most its capacity, forgetting the least recently used first', async () => {
    const cache = new LruPromiseCache<string>(2);
    await cache.getOrCompute('a', async () => 'A');
    await cache.getOrCompute('b', async () => 'B');
    await cache.getOrCompute('a', async () => 'A2'); // a is now the most recent
    await cache.getOrCompute('c', async () => 'C'); // b goes
    expect(cache.size).toBe(2);
    expect(await cache.getOrCompute('a', async () => 'recomputed')).toBe('A');
    expect(await cache.getOrCompute('b', async () => 'recomputed')).toBe('recomputed');
  });

  it('computes once for concurrent requests of one key, and forgets a failure', async () => {
    const cache = new LruPromiseCache<number>(8);
    let calls = 0;
    const slow = () => new Promise<number>((r) => setTimeout(() => r(++calls), 10));
    expect(await Promise.all([cache.getOrCompute('k', slow), cache.getOrCompute('k', slow), cache.getOrCompute('k', slow)])).toEqual([1, 1, 1]);
    expect(calls).toBe(1);
    await expect(cache.getOrCompute('bad', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    await new Promise((r) => setTimeout(r, 0));
    expect(await cache.getOrCompute('bad', async () => 7)).toBe(7);
  });

  it('keys on the run, its build time and revision, and every filter', () => {
    const run = { runId: 'r1', builtAt: new Date('2026-01-01T00:00:00Z'), revision: 3 };
    const key = dashboardCacheKey(run, ['last_touch', undefined, undefined, 'Meta Ads', undefined]);
    expect(dashboardCacheKey({ ...run, revision: 4 }, ['last_touch', undefined, undefined, 'Meta Ads', undefined])).not.toBe(key);
    expect(dashboardCacheKey({ ...run, builtAt: new Date('2026-01-01T00:00:01Z') }, ['last_touch', undefined, undefined, 'Meta Ads', undefined])).not.toBe(key);
    expect(dashboardCacheKey(run, ['last_touch', undefined, undefined, undefined, 'Meta Ads'])).not.toBe(key);
    expect(dashboardCacheKey(run, ['last_touch', undefined, undefined, 'Meta Ads', undefined])).toBe(key);
  });

  it('is on unless PAIDLINE_DASHBOARD_CACHE turns it off', () => {
    expect(dashboardCacheEnabled({})).toBe(true);
    expect(dashboardCacheEnabled({ PAIDLINE_DASHBOARD_CACHE: 'off' })).toBe(false);
    expect(dashboardCacheEnabled({ PAIDLINE_DASHBOARD_CACHE: '0' })).toBe(false);
    expect(dashboardCacheEnabled({ PAIDLINE_DASHBOARD_CACHE: 'on' })).toBe(true);
  });
});
