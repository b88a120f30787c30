import { describe, expect, it } from 'vitest';
import { interpolate, median, percentile, percentileRanks } from './percentile';
import { discrepancyRate, pairLabel, share } from './rates';
import { ageBucketOf, ageInDays, bucketDateRanges, latest } from './buckets';
import { freshnessOf, MANUAL_SPEND_SOURCE } from '@/lib/domain/freshness';
import { csvRatio, toCsv } from './csv';

describe('percentiles (linear interpolation, as percentile_cont)', () => {
  it('works out the median and p90 by hand', () => {
    // 10, 20, 30, 40: median at h = 3 * 0.5 = 1.5 -> 20 + 0.5 * (30 - 20) = 25.
    expect(median([40, 10, 30, 20])).toBe(25);
    // p90 at h = 3 * 0.9 = 2.7 -> 30 + 0.7 * (40 - 30) = 37.
    expect(percentile([10, 20, 30, 40], 0.9)).toBeCloseTo(37, 10);
    // Odd count: the middle value; p90 of 1..5 at h = 4 * 0.9 = 3.6 -> 4 + 0.6 = 4.6.
    expect(median([5, 1, 3, 2, 4])).toBe(3);
    expect(percentile([1, 2, 3, 4, 5], 0.9)).toBeCloseTo(4.6, 10);
    expect(percentile([7], 0.9)).toBe(7);
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([3, 1], 0)).toBe(1);
    expect(percentile([3, 1], 1)).toBe(3);
  });

  it('names the ranks the database must return', () => {
    expect(percentileRanks(4, 0.5)).toEqual({ lower: 2, upper: 3, weight: 0.5 });
    expect(percentileRanks(5, 0.5)).toEqual({ lower: 3, upper: 3, weight: 0 });
    const r = percentileRanks(4, 0.9);
    expect([r.lower, r.upper]).toEqual([3, 4]);
    expect(r.weight).toBeCloseTo(0.7, 10);
    expect(percentileRanks(1, 0.9)).toEqual({ lower: 1, upper: 1, weight: 0 });
    expect(interpolate(30, 40, 0.7)).toBeCloseTo(37, 10);
    expect(() => percentileRanks(0, 0.5)).toThrow(RangeError);
    expect(() => percentileRanks(3, 1.5)).toThrow(RangeError);
  });
});

describe('rates', () => {
  it('divides safely', () => {
    expect(share(1, 4)).toBe(0.25);
    expect(share(0, 0)).toBeNull();
    expect(share(3, -1)).toBeNull();
    // 25 keys, 4 matched: 21 discrepancies -> 0.84.
    expect(discrepancyRate(25, 4)).toBe(0.84);
    expect(discrepancyRate(0, 0)).toBeNull();
  });

  it('names a pair of systems the same whatever the order', () => {
    expect(pairLabel(['Gateway', 'Bank'])).toBe('Bank ↔ Gateway');
    expect(pairLabel(['Bank', 'Gateway'])).toBe('Bank ↔ Gateway');
    expect(pairLabel(['ERP', 'Card gateway', 'Operating bank', 'ERP'])).toBe('Card gateway ↔ ERP ↔ Operating bank');
  });
});

describe('backlog age buckets and freshness', () => {
  const now = new Date('2026-03-31T15:00:00Z');

  it('ages dates in whole UTC days', () => {
    expect(ageInDays('2026-03-31', now)).toBe(0);
    expect(ageInDays('2026-03-24', now)).toBe(7);
    expect(ageInDays('2026-03-01', now)).toBe(30);
    expect(ageInDays('2025-12-31', now)).toBe(90); // 31 (Jan) + 28 (Feb) + 31 (Mar) = 90
    expect(ageInDays(null, now)).toBeNull();
    expect(ageInDays('31/03/2026', now)).toBeNull();
  });

  it('puts each age in one bucket', () => {
    expect([0, 7, 8, 30, 31, 90, 91, 400, -3].map(ageBucketOf)).toEqual(['d0_7', 'd0_7', 'd8_30', 'd8_30', 'd31_90', 'd31_90', 'd90plus', 'd90plus', 'd0_7']);
    expect(ageBucketOf(null)).toBe('no_date');
  });

  it('gives SQL date ranges that agree with the buckets', () => {
    const ranges = bucketDateRanges(now);
    expect(ranges.map((r) => [r.id, r.from, r.before])).toEqual([
      ['d0_7', '2026-03-24', null],
      ['d8_30', '2026-03-01', '2026-03-24'],
      ['d31_90', '2025-12-31', '2026-03-01'],
      ['d90plus', null, '2025-12-31'],
    ]);
    // Every day from a year back to a week ahead falls in exactly the range its age says.
    for (let d = -7; d <= 365; d++) {
      const date = new Date(Date.parse('2026-03-31T00:00:00Z') - d * 86_400_000).toISOString().slice(0, 10);
      const hits = ranges.filter((r) => (r.from === null || date >= r.from) && (r.before === null || date < r.before));
      expect(hits.map((h) => h.id)).toEqual([ageBucketOf(ageInDays(date, now))]);
    }
  });

  it('says how fresh a source is', () => {
    expect(freshnessOf({ last: new Date('2026-03-31T03:00:00Z') }, now, 24)).toEqual({ ageHours: 12, status: 'fresh' });
    expect(freshnessOf({ last: new Date('2026-03-29T15:00:00Z') }, now, 24)).toEqual({ ageHours: 48, status: 'stale' });
    expect(freshnessOf({ last: new Date('2026-03-29T15:00:00Z') }, now, 72)).toEqual({ ageHours: 48, status: 'fresh' });
    expect(freshnessOf({ last: null }, now, 24)).toEqual({ ageHours: null, status: 'never' });
    // Spend typed by hand is never behind.
    expect(freshnessOf({ name: MANUAL_SPEND_SOURCE, last: new Date('2026-01-01T00:00:00Z') }, now, 24).status).toBe('fresh');
    expect(latest(null, new Date('2026-01-02'), undefined, new Date('2026-01-01'))?.toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect(latest(null, undefined)).toBeNull();
  });
});

describe('CSV of a figure', () => {
  it('escapes formula cells and quotes separators', () => {
    expect(toCsv(['source', 'code', 'count'], [['Bank', '=HYPERLINK("x")', 3], ['A, B', null, 0n]])).toBe(
      'source,code,count\r\nBank,"\'=HYPERLINK(""x"")",3\r\n"A, B",,0\r\n',
    );
    expect(csvRatio(0.84)).toBe('0.8400');
    expect(csvRatio(null)).toBe('');
  });
});
