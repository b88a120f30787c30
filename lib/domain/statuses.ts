/**
 * The payment-status glossary: every system's codes map onto these. The list's order is the order
 * the engine and its rule sets index statuses by (lib/reconcile derives it from here), so a status is
 * added in one place: this list, and its label below (the type-check asks for it).
 * `Unknown` is never written by a mapping: it is what an unmapped code becomes, and it never matches.
 */
export const CANONICAL_STATUSES = ['Pending', 'Authorized', 'Paid', 'Failed', 'Refunded', 'Cancelled'] as const;
export type CanonicalStatus = (typeof CANONICAL_STATUSES)[number];
export type Status = CanonicalStatus | 'Unknown';

/** Every status, in the engine's order: the canonical ones as listed, Unknown last. */
export const STATUSES = [...CANONICAL_STATUSES, 'Unknown'] as const satisfies readonly Status[];

export const STATUS_INFO = {
  Pending: { label: 'Pending', meaning: 'Started, not yet settled.' },
  Authorized: { label: 'Authorized', meaning: 'Approved and held, not yet captured.' },
  Paid: { label: 'Paid', meaning: 'Money received.' },
  Failed: { label: 'Failed', meaning: 'Declined, returned or errored: no money.' },
  Refunded: { label: 'Refunded', meaning: 'Paid, then given back (refund, reversal, chargeback).' },
  Cancelled: { label: 'Cancelled', meaning: 'Stopped before any money moved.' },
  Unknown: { label: 'Unknown', meaning: 'A code no mapping knows: map it in the source profile.' },
} as const satisfies Record<Status, { label: string; meaning: string }>;

export function isStatus(value: string): value is Status {
  return (STATUSES as readonly string[]).includes(value);
}
