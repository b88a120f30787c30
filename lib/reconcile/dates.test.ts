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
  it('reads days and months without zero padding, in the order the format gives', () => {
    expect(p('M/D/YYYY', 'UTC', '1/7/2025').date).toBe('2025-01-07');
    expect(p('M/D/YYYY', 'UTC', '12/31/2024').date).toBe('2024-12-31');
    expect(p('D/M/YYYY', 'UTC', '1/7/2025').date).toBe('2025-07-01');
    expect(p('M/D/YYYY', 'UTC', '01/07/2025').date).toBe('2025-01-07'); // padding is still fine
    expect(compileDateParser('M/D/YYYY', 'UTC')('13/1/2025').ok).toBe(false);
    expect(compileDateParser('M/D/YYYY', 'UTC')('1/123/2025').ok).toBe(false);
  });
  it('reads 12-hour clocks with AM/PM, in the source time zone', () => {
    expect(p('M/D/YYYY h:mm A', 'UTC', '3/4/2025 9:05 AM').at).toBe(Date.UTC(2025, 2, 4, 9, 5));
    expect(p('M/D/YYYY h:mm A', 'UTC', '3/4/2025 12:30 am').at).toBe(Date.UTC(2025, 2, 4, 0, 30));
    expect(p('M/D/YYYY h:mm A', 'UTC', '3/4/2025 12:30 PM').at).toBe(Date.UTC(2025, 2, 4, 12, 30));
    expect(p('M/D/YYYY hh:mm:ss A', 'America/Los_Angeles', '1/16/2025 05:18:58 PM').at).toBe(Date.UTC(2025, 0, 17, 1, 18, 58));
    expect(compileDateParser('M/D/YYYY h:mm A', 'UTC')('3/4/2025 13:05 PM').ok).toBe(false);
    expect(isValidDateFormat('M/D/YYYY h:mm')).toBe(false); // a 12-hour clock without AM/PM
    expect(isValidDateFormat('M/D/YYYY HH:mm A')).toBe(false);
  });
  it('reads month names and abbreviations', () => {
    expect(p('MMMM D, YYYY', 'UTC', 'January 1, 2025').date).toBe('2025-01-01');
    expect(p('MMMM D, YYYY', 'UTC', 'march  31, 2025').date).toBe('2025-03-31');
    expect(p('MMM D, YYYY', 'UTC', 'Sep 9, 2025').date).toBe('2025-09-09');
    expect(p('D MMM YYYY', 'UTC', '9 Sept 2025').date).toBe('2025-09-09');
    expect(p('DD-MMM-YYYY', 'UTC', '07-Feb-2025').date).toBe('2025-02-07');
    expect(compileDateParser('MMM D, YYYY', 'UTC')('Foo 9, 2025').ok).toBe(false);
    expect(compileDateParser('MMMM D, YYYY', 'UTC')('February 30, 2025').ok).toBe(false);
  });
});
