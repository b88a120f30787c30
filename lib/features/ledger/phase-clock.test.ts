import { describe, expect, it, vi } from 'vitest';
import { PhaseClock } from './phase-clock';

describe('PhaseClock', () => {
  it('gives each lap the time since the previous one, adds laps of one phase, and reports in PASS_PHASES order', () => {
    let now = 1000;
    const spy = vi.spyOn(performance, 'now').mockImplementation(() => now);
    try {
      const clock = new PhaseClock();
      now += 5;
      clock.lap('engine');
      now += 2.4;
      clock.lap('keys');
      now += 3;
      clock.lap('engine');
      now += 0.2;
      clock.lap('romi');
      expect(clock.ms).toEqual({ engine: 8, keys: expect.closeTo(2.4, 6), romi: expect.closeTo(0.2, 6) });
      expect(Object.entries(clock.rounded())).toEqual([
        ['keys', 2],
        ['engine', 8],
        ['romi', 0],
      ]);
      // The resident set is sampled at the end of every phase.
      expect(Object.keys(clock.peaks())).toEqual(['keys', 'engine', 'romi']);
      expect(Object.values(clock.peaks()).every((mib) => mib! > 0 && mib! < 1 << 20)).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });
});
