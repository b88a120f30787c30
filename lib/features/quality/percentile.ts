/**
 * Percentiles with linear interpolation between closest ranks (PostgreSQL's percentile_cont,
 * Excel's PERCENTILE.INC): for n sorted values the p-th percentile sits at the 0-based position
 * h = (n - 1) * p, between the values at floor(h) and ceil(h).
 *
 * The database side (lib/features/quality/queries.ts) numbers each group's values with ROW_NUMBER() and returns
 * only the one or two rows at those ranks, so percentiles over a million rows never leave the
 * database as a list; `percentileRanks` says which ranks to fetch and `interpolate` finishes.
 */

export type Ranks = { lower: number; upper: number; weight: number };

/** The 1-based ranks around the p-th percentile of n values, and the weight of the upper one. */
export function percentileRanks(n: number, p: number): Ranks {
  if (!Number.isInteger(n) || n < 1) throw new RangeError('A percentile needs at least one value.');
  if (!(p >= 0 && p <= 1)) throw new RangeError('p must be between 0 and 1.');
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  return { lower: lo + 1, upper: Math.ceil(h) + 1, weight: h - lo };
}

/** The value between the two ranked values (equal ranks: the value itself). */
export function interpolate(lowerValue: number, upperValue: number, weight: number): number {
  return lowerValue + (upperValue - lowerValue) * weight;
}

/** The p-th percentile of values (any order); null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const r = percentileRanks(sorted.length, p);
  return interpolate(sorted[r.lower - 1]!, sorted[r.upper - 1]!, r.weight);
}

export const median = (values: readonly number[]) => percentile(values, 0.5);
