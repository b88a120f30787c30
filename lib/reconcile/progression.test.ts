import { describe, expect, it } from 'vitest';
import { checkProgression, DEFAULT_STATE_MACHINE, StateMachineSchema, type ProgressionEvent } from './progression';

const t = (h: number) => Date.UTC(2024, 6, 1, h);
const ev = (key: string, status: ProgressionEvent['status'], h: number, more: Partial<ProgressionEvent> = {}): ProgressionEvent => ({
  key, status, at: t(h), ...more,
});

describe('checkProgression', () => {
  it('accepts the normal life of a payment, repeated snapshots included', () => {
    expect(checkProgression([
      ev('A', 'Pending', 1), ev('A', 'Pending', 2), ev('A', 'Authorized', 3), ev('A', 'Paid', 4), ev('A', 'Refunded', 5),
      ev('B', 'Pending', 1), ev('B', 'Failed', 2),
      ev('C', 'Pending', 1), ev('C', 'Cancelled', 2),
    ])).toEqual([]);
  });

  it('flags impossible transitions with both timestamps and lines', () => {
    const v = checkProgression([
      ev('A', 'Paid', 1, { line: 2 }), ev('A', 'Pending', 2, { line: 9 }),
      ev('B', 'Refunded', 1), ev('B', 'Paid', 2),
      ev('C', 'Failed', 1), ev('C', 'Paid', 2),
    ]);
    expect(v).toEqual([
      { key: 'A', from: 'Paid', to: 'Pending', fromAt: t(1), toAt: t(2), fromLine: 2, toLine: 9, reason: 'Paid -> Pending is not an allowed transition' },
      { key: 'B', from: 'Refunded', to: 'Paid', fromAt: t(1), toAt: t(2), reason: 'Refunded -> Paid is not an allowed transition' },
      { key: 'C', from: 'Failed', to: 'Paid', fromAt: t(1), toAt: t(2), reason: 'Failed -> Paid is not an allowed transition without a new attempt' },
    ]);
  });

  it('orders by time, not input order', () => {
    expect(checkProgression([ev('A', 'Paid', 3), ev('A', 'Pending', 1)])).toEqual([]);
    expect(checkProgression([ev('A', 'Pending', 3), ev('A', 'Paid', 1)])).toHaveLength(1);
  });

  it('a new attempt may start over after Failed, not after Paid', () => {
    expect(checkProgression([ev('A', 'Failed', 1, { attempt: 1 }), ev('A', 'Paid', 2, { attempt: 2 })])).toEqual([]);
    const v = checkProgression([ev('A', 'Paid', 1, { attempt: 1 }), ev('A', 'Pending', 2, { attempt: 2 })]);
    expect(v.map((x) => x.reason)).toEqual(['new attempt while the previous attempt is Paid']);
  });

  it('flags Unknown statuses and takes a custom machine', () => {
    expect(checkProgression([ev('A', 'Pending', 1), ev('A', 'Unknown', 2)])[0]?.reason).toMatch(/unknown status/);
    const lax = StateMachineSchema.parse({ ...DEFAULT_STATE_MACHINE, allowed: { ...DEFAULT_STATE_MACHINE.allowed, Paid: ['Refunded', 'Pending'] } });
    expect(checkProgression([ev('A', 'Paid', 1), ev('A', 'Pending', 2)], lax)).toEqual([]);
    expect(StateMachineSchema.safeParse({ allowed: { Paid: ['Done'] } }).success).toBe(false);
  });
});
