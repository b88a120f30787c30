import { describe, expect, it } from 'vitest';
import { combineAttempts } from './attempts';
import type { NormalizedRecord } from './normalize';

const rec = (status: NormalizedRecord['status'], amount: number, at: number, line = at): NormalizedRecord => ({ key: 'A-1', line, at, date: '2025-01-01', amount, currency: 'USD', status, code: status });

describe('combineAttempts', () => {
  it('keeps the one success, whatever failed before or after it', () => {
    const paid = rec('Paid', 1000, 2);
    expect(combineAttempts([rec('Failed', 1000, 1), paid, rec('Failed', 1000, 3)])).toEqual({ records: [paid], combined: 3 });
  });

  it('makes a payment Refunded, at its own amount, when refunds that went through add up to it', () => {
    const out = combineAttempts([rec('Paid', 1000, 1), rec('Paid', -400, 2), rec('Paid', -600, 3)]);
    expect(out).toEqual({ records: [{ ...rec('Paid', 1000, 1), status: 'Refunded' }], combined: 3 });
    // A refund row that failed refunds nothing.
    expect(combineAttempts([rec('Paid', 1000, 1), rec('Failed', -1000, 2)]).records).toEqual([rec('Paid', 1000, 1)]);
  });

  it('leaves a partial refund, two successes, or a refund of nothing to a person', () => {
    const partial = [rec('Paid', 1000, 1), rec('Paid', -400, 2)];
    expect(combineAttempts(partial)).toEqual({ records: partial, combined: 0 });
    const twice = [rec('Paid', 1000, 1), rec('Paid', 1000, 2)];
    expect(combineAttempts(twice)).toEqual({ records: twice, combined: 0 });
    const orphan = [rec('Failed', 1000, 1), rec('Paid', -1000, 2)];
    expect(combineAttempts(orphan)).toEqual({ records: orphan, combined: 0 });
  });

  it('without a success, the latest attempt stands (by time, then by line)', () => {
    expect(combineAttempts([rec('Pending', 1000, 5), rec('Failed', 1000, 1)]).records).toEqual([rec('Pending', 1000, 5)]);
    expect(combineAttempts([rec('Failed', 1000, 0, 9), rec('Pending', 1000, 0, 3)]).records).toEqual([rec('Failed', 1000, 0, 9)]);
    expect(combineAttempts([rec('Failed', 1000, 1)])).toEqual({ records: [rec('Failed', 1000, 1)], combined: 0 });
  });
});
