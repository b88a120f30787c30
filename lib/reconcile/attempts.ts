import type { NormalizedRecord } from './normalize';

/** Statuses that mean the money moved (a successful charge, even one refunded later). */
const SUCCESS = new Set(['Paid', 'Authorized', 'Refunded']);
/** A refund row's own status when the refund went through (PayPal writes "Payment Refund", Completed). */
const REFUND_DONE = new Set(['Paid', 'Refunded']);

export type Combined = { records: NormalizedRecord[]; combined: number };

function later(a: NormalizedRecord, b: NormalizedRecord): boolean {
  const at = (a.at ?? 0) - (b.at ?? 0);
  return at !== 0 ? at > 0 : (a.line ?? 0) > (b.line ?? 0);
}

/**
 * Several rows of one key in a processor's export that are the life of one payment: declined or failed
 * attempts before the one that succeeded, and refund rows (a negative amount) after it. Folded into the
 * one record the payment is now:
 * - one successful row (Paid, Authorized or Refunded, amount >= 0): it stands, whatever failed around it;
 *   refunds that went through and add up to its amount make it Refunded (at its own amount, which is what
 *   the bank received); a partial refund stays beside it, for a person (the key reads as a duplicate);
 * - no successful row: the latest attempt stands (Pending after Failed is still pending);
 * - two successful rows: a real double charge, left as they are (a duplicate to review).
 * `combined` is how many rows were folded into one (0 when nothing was).
 */
export function combineAttempts(records: readonly NormalizedRecord[]): Combined {
  if (records.length < 2) return { records: [...records], combined: 0 };
  const refunds = records.filter((r) => r.amount < 0);
  const rest = records.filter((r) => r.amount >= 0);
  const successes = rest.filter((r) => SUCCESS.has(r.status));
  if (successes.length > 1) return { records: [...records], combined: 0 };
  if (successes.length === 1) {
    const base = successes[0]!;
    const refunded = refunds.filter((r) => REFUND_DONE.has(r.status)).reduce((n, r) => n - r.amount, 0);
    if (refunded === 0) return { records: [base], combined: records.length };
    if (refunded >= base.amount) return { records: [{ ...base, status: 'Refunded' }], combined: records.length };
    return { records: [base, ...refunds], combined: 0 };
  }
  if (!rest.length || refunds.length) return { records: [...records], combined: 0 }; // a refund of nothing that succeeded: a person looks
  let latest = rest[0]!;
  for (const r of rest) if (later(r, latest)) latest = r;
  return { records: [latest], combined: records.length };
}
