import { describe, expect, it } from 'vitest';
import { change, monthOf, parseMonth } from './month';

describe('report months', () => {
  it('gives a month its bounds, neighbours and name', () => {
    expect(parseMonth('2026-02')).toMatchObject({ month: '2026-02', from: '2026-02-01', to: '2026-02-28', prev: '2026-01', next: '2026-03', label: 'February 2026' });
    expect(parseMonth('2024-02')?.to).toBe('2024-02-29'); // leap year
    const jan = parseMonth('2026-01')!;
    expect(jan.prev).toBe('2025-12');
    expect(jan.start.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(jan.end.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(parseMonth('2026-12')?.next).toBe('2027-01');
    for (const bad of ['2026-13', '2026-1', '26-01', '', null, '2026-01-01']) expect(parseMonth(bad)).toBeNull();
    expect(monthOf(new Date('2026-10-31T23:59:59Z'))).toBe('2026-10');
  });

  it('works out relative change', () => {
    expect(change(150, 100)).toBe(0.5);
    expect(change(50, 100)).toBe(-0.5);
    expect(change(-0.2, -0.4)).toBe(0.5); // ROMI from -40% to -20% is an improvement
    expect(change(1, 0)).toBeNull();
    expect(change(null, 1)).toBeNull();
  });
});
