import { z } from 'zod';
import { DateWindowSchema, type MatchOptions } from '@/lib/reconcile/schemas';
import type { MemberGroup } from './members';

/**
 * How a reconciliation's entries match (Reconciliation.matching, JSON): amount tolerances, and per
 * member source the calendar days its dates may fall after the first member's (a bank that books one to
 * three days after the gateway: { min: 1, max: 3 }). Dates always compare by calendar day in each
 * source's time zone; "{}" means exact amounts and the same day.
 */
export const MatchingSchema = z.object({
  /** Amounts may differ by this many minor units (cents) and still match. */
  amountToleranceMinor: z.number().int().min(0).max(100_000_000).default(0),
  /** ...or by this share of the larger amount, in percent (0.5 = half a percent). */
  amountTolerancePercent: z.number().min(0).max(100).default(0),
  /** Per member source id (not the first member): its date window relative to the first member. */
  dateWindows: z.record(z.string().min(1), DateWindowSchema).default({}),
  /**
   * Sources whose several rows of one key are the life of one payment (failed attempts before the one
   * that succeeded, refund rows after it): folded into one record before matching (lib/reconcile/attempts.ts).
   */
  attempts: z.array(z.string().min(1)).max(30).default([]),
});
export type Matching = z.output<typeof MatchingSchema>;
export type MatchingInput = z.input<typeof MatchingSchema>;

export const EXACT_MATCHING: Matching = MatchingSchema.parse({});

/** A stored value: anything unreadable counts as exact matching (never a failed pass). */
export function parseMatching(json: string | null | undefined): Matching {
  try {
    const parsed = MatchingSchema.safeParse(JSON.parse(json || '{}'));
    return parsed.success ? parsed.data : EXACT_MATCHING;
  } catch {
    return EXACT_MATCHING;
  }
}

/** The engine's options for these sides (in the engine's order; a side's window is kept under its first source's id) under this matching. */
export function engineMatch(matching: Matching, sides: readonly Pick<MemberGroup, 'key'>[]): Partial<MatchOptions> {
  return {
    amountToleranceMinor: matching.amountToleranceMinor,
    amountToleranceRelative: matching.amountTolerancePercent / 100,
    dateWindowsDays: sides.map((m, i) => (i === 0 ? null : (matching.dateWindows[m.key] ?? null))),
  };
}
