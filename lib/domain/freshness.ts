/**
 * Freshness, one definition for the dashboard, the data-quality page and the stale-source alert: a
 * source is behind when its last delivery (a committed upload, a successful pull, even one that found
 * nothing new, or an accepted webhook) is older than the configured delay (Settings → Notifications,
 * "Source stale after", 24 h unless changed). Spend entered by hand is never behind. The query that
 * finds each source's last delivery is lib/features/alerts/source-freshness.ts.
 */
import type { Tone } from './tone';

export const DEFAULT_STALE_AFTER_HOURS = 24;

/** The source that holds ad spend typed in by hand (Dashboard → Add spend). */
export const MANUAL_SPEND_SOURCE = 'Manual spend';

export const FRESHNESS = ['fresh', 'stale', 'never'] as const;
export type Freshness = (typeof FRESHNESS)[number];

export const FRESHNESS_INFO = {
  fresh: { label: 'up to date', tone: 'ok' },
  stale: { label: 'behind', tone: 'warn' },
  never: { label: 'never delivered', tone: 'bad' },
} as const satisfies Record<Freshness, { label: string; tone: Tone }>;

/** Hours since a source last delivered data, and whether that is within the expected delay. */
export function freshnessOf(
  source: { name?: string; last: Date | null },
  now: Date,
  staleAfterHours: number,
): { ageHours: number | null; status: Freshness } {
  const last = source.last;
  if (!last) return { ageHours: null, status: 'never' };
  const ageHours = Math.max(0, (now.getTime() - last.getTime()) / 3_600_000);
  if (source.name === MANUAL_SPEND_SOURCE) return { ageHours, status: 'fresh' };
  return { ageHours, status: ageHours > staleAfterHours ? 'stale' : 'fresh' };
}

/** The latest of several optional instants (ingestion, pull, webhook). */
export function latest(...dates: (Date | null | undefined)[]): Date | null {
  let best: Date | null = null;
  for (const d of dates) if (d && (!best || d.getTime() > best.getTime())) best = d;
  return best;
}
