import { describe, expect, it } from 'vitest';
import { compileDateParser, isValidDateFormat, localToUtc } from './dates';

const p = (fmt: string, tz: string, s: string) => {
  const r = compileDateParser(fmt, tz)(s);
  if (!r.ok) throw new Error(r.reason);
  return r;
};

describe('dates', () => {
  it('parses ISO dates in UTC', () => {
    expect(p('iso', 'UTC', '2024-07-01')).toEqual({ ok: true, at: Date.UTC(2024, 6, 1), date: '2024-07-01' });
    expect(p('iso', 'UTC', '2024-07-01T10:20:30.5Z').at).toBe(Date.UTC(2024, 6, 1, 10, 20, 30, 500));
  });
  it('applies the source time zone, DST included', () => {
    // Berlin is UTC+2 in July, UTC+1 in January
    expect(p('iso', 'Europe/Berlin', '2024-07-01').at).toBe(Date.UTC(2024, 5, 30, 22));
    expect(p('iso', 'Europe/Berlin', '2024-01-15 08:00').at).toBe(Date.UTC(2024, 0, 15, 7));
    expect(p('iso', 'America/New_York', '2024-03-10 12:00:00').at).toBe(Date.UTC(2024, 2, 10, 16));
    // explicit offset wins; the local date is the zone's
    const r = p('iso', 'Asia/Tokyo', '2024-07-01T20:00:00Z');
    expect(r.at).toBe(Date.UTC(2024, 6, 1, 20));
    expect(r.date).toBe('2024-07-02');
  });
  it('resolves a DST gap forward and stays consistent', () => {
    // 02:30 does not exist in Berlin on 2024-03-31
    const at = localToUtc('Europe/Berlin', 2024, 3, 31, 2, 30);
    expect([Date.UTC(2024, 2, 31, 0, 30), Date.UTC(2024, 2, 31, 1, 30)]).toContain(at);
  });
  it('parses patterns', () => {
    expect(p('DD.MM.YYYY', 'UTC', '31.12.2024').date).toBe('2024-12-31');
    expect(p('MM/DD/YYYY HH:mm', 'UTC', '07/04/2024 13:45').at).toBe(Date.UTC(2024, 6, 4, 13, 45));
    expect(p('epoch_s', 'UTC', '1719792000').date).toBe('2024-07-01');
    expect(p('epoch_ms', 'Asia/Tokyo', '1719792000000').date).toBe('2024-07-01');
    expect(isValidDateFormat('DD/MM/YYYY')).toBe(true);
    expect(isValidDateFormat('HH:mm')).toBe(false);
  });
  it('rejects invalid dates', () => {
    const f = compileDateParser('iso', 'UTC');
    for (const bad of ['2024-02-30', '2024-13-01', '01/07/2024', '2024-07-01T25:00', 'yesterday', '']) {
      expect(f(bad).ok, bad).toBe(false);
    }
    expect(compileDateParser('DD.MM.YYYY', 'UTC')('1.7.2024').ok).toBe(false);
    expect(compileDateParser('iso', 'UTC')('2024-02-29').ok).toBe(true);
  });
});
