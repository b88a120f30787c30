/**
 * Backlog age buckets, by the age of the open discrepancy's transaction date (as the discrepancy
 * table shows it), and source freshness. Pure: "now" is passed in.
 */
export const AGE_BUCKETS = [
  { id: 'd0_7', label: '0–7 days', minDays: 0, maxDays: 7 },
  { id: 'd8_30', label: '8–30 days', minDays: 8, maxDays: 30 },
  { id: 'd31_90', label: '31–90 days', minDays: 31, maxDays: 90 },
  { id: 'd90plus', label: 'Over 90 days', minDays: 91, maxDays: null },
] as const;
export type AgeBucketId = (typeof AGE_BUCKETS)[number]['id'] | 'no_date';
export const NO_DATE_LABEL = 'No date';

const DAY_MS = 86_400_000;

/** YYYY-MM-DD of the UTC day `days` before now. */
export function dayBefore(now: Date, days: number): string {
  return new Date(now.getTime() - days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from a YYYY-MM-DD date to now's UTC day (0 = today); null without a date. */
export function ageInDays(date: string | null, now: Date): number | null {
  if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
  const today = Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`);
  return Math.round((today - Date.parse(`${date}T00:00:00Z`)) / DAY_MS);
}

/** The bucket of an age in days (future dates count as today). */
export function ageBucketOf(days: number | null): AgeBucketId {
  if (days === null) return 'no_date';
  const d = Math.max(0, days);
  return AGE_BUCKETS.find((b) => d >= b.minDays && (b.maxDays === null || d <= b.maxDays))!.id;
}

/**
 * Date boundaries for counting in SQL: a row is in bucket b when its date is >= from (if set)
 * and < before (if set). Matches ageBucketOf on every date.
 */
export function bucketDateRanges(now: Date): { id: AgeBucketId; label: string; from: string | null; before: string | null }[] {
  return AGE_BUCKETS.map((b) => ({
    id: b.id,
    label: b.label,
    from: b.maxDays === null ? null : dayBefore(now, b.maxDays),
    before: b.minDays === 0 ? null : dayBefore(now, b.minDays - 1),
  }));
}


export { latest } from '@/lib/domain/freshness';
