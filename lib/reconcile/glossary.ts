import { z } from 'zod';

/**
 * The unified status glossary (lib/domain/statuses.ts holds the statuses themselves). Every source
 * maps its own codes onto them. `Unknown` is never written by a mapping: it is what an unmapped code
 * becomes, and an Unknown status never passes as a match.
 */
import { CANONICAL_STATUSES, STATUSES, type CanonicalStatus, type Status } from '@/lib/domain/statuses';

export { CANONICAL_STATUSES, STATUSES, type CanonicalStatus, type Status };

export const CanonicalStatusSchema = z.enum(CANONICAL_STATUSES);
export const StatusSchema = z.enum(STATUSES);

/** A glossary mapping: source code (matched trimmed and case-insensitively) -> canonical status. */
export const GlossaryMappingSchema = z.record(z.string().min(1), CanonicalStatusSchema);
export type GlossaryMapping = z.infer<typeof GlossaryMappingSchema>;

/**
 * Default glossary: common codes of gateways (Stripe, Adyen, PayPal...), banks,
 * CRMs (HubSpot deal stages) and ERPs. Keys are lower case.
 */
export const DEFAULT_GLOSSARY: Readonly<GlossaryMapping> = Object.freeze({
  // Pending
  pending: 'Pending',
  processing: 'Pending',
  in_progress: 'Pending',
  'in progress': 'Pending',
  open: 'Pending',
  new: 'Pending',
  created: 'Pending',
  submitted: 'Pending',
  requires_action: 'Pending',
  requires_payment_method: 'Pending',
  requires_confirmation: 'Pending',
  received: 'Pending',
  booked: 'Pending',
  erp_pending: 'Pending',
  // Authorized
  authorized: 'Authorized',
  authorised: 'Authorized',
  requires_capture: 'Authorized',
  approved: 'Authorized',
  // Paid
  paid: 'Paid',
  completed: 'Paid',
  complete: 'Paid',
  succeeded: 'Paid',
  success: 'Paid',
  successful: 'Paid',
  settled: 'Paid',
  captured: 'Paid',
  closedwon: 'Paid',
  'closed won': 'Paid',
  erp_completed: 'Paid',
  cleared: 'Paid',
  // Failed
  failed: 'Failed',
  failure: 'Failed',
  declined: 'Failed',
  rejected: 'Failed',
  error: 'Failed',
  returned: 'Failed',
  erp_failed: 'Failed',
  // Refunded
  refunded: 'Refunded',
  partially_refunded: 'Refunded',
  reversed: 'Refunded',
  chargeback: 'Refunded',
  erp_refunded: 'Refunded',
  // Cancelled
  cancelled: 'Cancelled',
  canceled: 'Cancelled',
  voided: 'Cancelled',
  void: 'Cancelled',
  expired: 'Cancelled',
  closedlost: 'Cancelled',
  'closed lost': 'Cancelled',
  erp_cancelled: 'Cancelled',
});

/** Normalises a status code for lookup: trimmed and lower-cased. */
export function glossaryKey(code: string): string {
  return code.trim().toLowerCase();
}

/**
 * Builds a lookup from a source's own mapping layered over the default glossary
 * (when `useDefault`). Returns a function code -> Status (Unknown when unmapped).
 */
export function buildStatusLookup(
  mapping: GlossaryMapping,
  useDefault = true,
): (code: string) => Status {
  const table = new Map<string, CanonicalStatus>();
  if (useDefault) for (const [k, v] of Object.entries(DEFAULT_GLOSSARY)) table.set(k, v);
  for (const [k, v] of Object.entries(mapping)) table.set(glossaryKey(k), v);
  // Exact-code cache avoids trim/lowercase on the hot path (codes repeat a lot).
  const cache = new Map<string, Status>();
  return (code: string): Status => {
    const hit = cache.get(code);
    if (hit !== undefined) return hit;
    const s: Status = table.get(glossaryKey(code)) ?? 'Unknown';
    if (cache.size < 10_000) cache.set(code, s);
    return s;
  };
}
