import { describe, expect, it } from 'vitest';
import { enterLine, lineState, pageConcurrency } from './page-concurrency';

describe('pages in flight per user', () => {
  it('lets `limit` in at once, queues the rest in order, and hands each freed place to the next', async () => {
    const order: string[] = [];
    const a = await enterLine('u1', 2);
    const b = await enterLine('u1', 2);
    const c = enterLine('u1', 2).then((release) => (order.push('c'), release));
    const d = enterLine('u1', 2).then((release) => (order.push('d'), release));
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([]);
    expect(lineState('u1')).toEqual({ active: 2, waiting: 2 });
    // Another user is not held up.
    const other = await enterLine('u2', 2);
    a();
    a(); // twice counts once
    const releaseC = await c;
    expect(order).toEqual(['c']);
    expect(lineState('u1')).toEqual({ active: 2, waiting: 1 });
    b();
    const releaseD = await d;
    expect(order).toEqual(['c', 'd']);
    releaseC();
    releaseD();
    other();
    expect(lineState('u1')).toEqual({ active: 0, waiting: 0 });
    expect(lineState('u2')).toEqual({ active: 0, waiting: 0 });
  });

  it('defaults to 4 places, PAIDLINE_PAGE_CONCURRENCY otherwise', () => {
    expect(pageConcurrency({})).toBe(4);
    expect(pageConcurrency({ PAIDLINE_PAGE_CONCURRENCY: '2' })).toBe(2);
    expect(pageConcurrency({ PAIDLINE_PAGE_CONCURRENCY: 'x' })).toBe(4);
  });
});
