import { describe, expect, it } from 'vitest';
import { formatDuration, formatPercent, hours } from './format';

describe('quality formatting', () => {
  it('says durations in the unit a person reads', () => {
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(12 * 60_000)).toBe('12 min');
    expect(formatDuration(3.5 * 3_600_000)).toBe('3.5 h');
    expect(formatDuration(47 * 3_600_000)).toBe('47.0 h');
    expect(formatDuration(2.1 * 86_400_000)).toBe('2.1 days');
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(-5)).toBe('0 s');
  });
  it('rounds hours and percentages', () => {
    expect(hours(8.2 * 3_600_000)).toBe(8.2);
    expect(hours(78 * 60_000)).toBe(1.3);
    expect(formatPercent(0.25)).toBe('25.0%');
    expect(formatPercent(1 / 7, 0)).toBe('14%');
    expect(formatPercent(null)).toBe('—');
  });
});
