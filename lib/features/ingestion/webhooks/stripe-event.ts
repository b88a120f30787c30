/**
 * Stripe-shaped webhook events -> records.
 *
 * `{ id, type, created, data: { object: { id, object, amount, currency, status, created, ... } } }`
 *
 * The built-in mapping reads charges and payment intents only: their amount is already in
 * minor units, the status code comes from the event type where it says more than the
 * object (a refunded charge keeps status "succeeded"), else from object.status, and goes
 * through the glossary. Other objects (refunds, disputes, customers...) are not payments of
 * their own id and are not turned into records by the built-in mapping.
 */
import { z } from 'zod';
import { buildStatusLookup, type Status } from '@/lib/reconcile/glossary';
import { localDateOf } from '@/lib/reconcile/dates';

export const StripeEventSchema = z.object({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(255),
  /** Unix seconds; after 2100 it is not a real event time (and would not fit a date). */
  created: z.number().int().nonnegative().max(4_102_444_800, 'the event time is after 2100'),
  livemode: z.boolean().optional(),
  data: z.object({
    object: z.looseObject({
      id: z.string().min(1).max(255),
      object: z.string().optional(),
    }),
  }),
});
export type StripeEvent = z.infer<typeof StripeEventSchema>;

/** Event types whose name states the payment's status better than object.status. */
export const STRIPE_EVENT_STATUS_CODES: Readonly<Record<string, string>> = {
  'charge.succeeded': 'succeeded',
  'charge.captured': 'captured',
  'charge.failed': 'failed',
  'charge.pending': 'pending',
  'charge.expired': 'expired',
  'charge.refunded': 'refunded',
  'payment_intent.succeeded': 'succeeded',
  'payment_intent.payment_failed': 'failed',
  'payment_intent.canceled': 'canceled',
  'payment_intent.processing': 'processing',
  'payment_intent.requires_action': 'requires_action',
  'payment_intent.amount_capturable_updated': 'requires_capture',
};

const PAYMENT_OBJECTS = new Set(['charge', 'payment_intent']);

export interface MappedRecord {
  key: string;
  txId: string;
  at: number | null;
  date: string | null;
  amount: number;
  currency: string;
  status: Status;
  code: string;
  attrs: Record<string, string>;
}

export type MapResult = { ok: true; record: MappedRecord } | { ok: false; reason: string };

const defaultLookup = buildStatusLookup({}, true);

/** Object kind: `object` field, else the id prefix (ch_, py_, pi_). */
export function stripeObjectKind(object: Readonly<Record<string, unknown>>): string | null {
  if (typeof object.object === 'string') return object.object;
  const id = typeof object.id === 'string' ? object.id : '';
  if (id.startsWith('ch_') || id.startsWith('py_')) return 'charge';
  if (id.startsWith('pi_')) return 'payment_intent';
  return null;
}

export function isStripePaymentObject(object: Readonly<Record<string, unknown>>): boolean {
  const kind = stripeObjectKind(object);
  return kind !== null && PAYMENT_OBJECTS.has(kind);
}

/** The built-in mapping of a Stripe payment event. */
export function mapStripeEvent(event: StripeEvent, options: { timeZone?: string } = {}): MapResult {
  const o = event.data.object as Record<string, unknown>;
  const kind = stripeObjectKind(o);
  if (!kind || !PAYMENT_OBJECTS.has(kind)) {
    return { ok: false, reason: `${event.type} carries a ${kind ?? 'non-payment'} object, not a charge or payment intent` };
  }
  const amount = o.amount;
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount)) {
    return { ok: false, reason: `${event.type}: data.object.amount must be an integer amount in minor units` };
  }
  // Stripe never sends a negative charge or payment intent: a refund is its own field, not a sign.
  if (amount < 0) return { ok: false, reason: `${event.type}: data.object.amount is negative (${amount}); charges and payment intents carry positive amounts, refunds in amount_refunded` };
  const currency = typeof o.currency === 'string' ? o.currency.trim().toUpperCase() : '';
  if (!/^[A-Z]{3}$/.test(currency)) return { ok: false, reason: `${event.type}: data.object.currency is not a 3-letter code` };
  const objectStatus = typeof o.status === 'string' ? o.status.trim() : '';
  let code = STRIPE_EVENT_STATUS_CODES[event.type] ?? objectStatus;
  if (event.type === 'charge.refunded' && typeof o.amount_refunded === 'number' && o.amount_refunded < amount) code = 'partially_refunded';
  const created = typeof o.created === 'number' && Number.isFinite(o.created) ? o.created : event.created;
  const at = created * 1000;
  const attrs: Record<string, string> = { eventType: event.type, object: kind };
  for (const k of ['payment_intent', 'customer', 'invoice', 'description', 'receipt_email'] as const) {
    const v = o[k];
    if (typeof v === 'string' && v) attrs[k] = v;
  }
  if (typeof o.amount_refunded === 'number' && o.amount_refunded > 0) attrs.amount_refunded = String(o.amount_refunded);
  return {
    ok: true,
    record: {
      key: (o.id as string).trim().toUpperCase(),
      txId: (o.id as string).trim(),
      at,
      date: localDateOf(options.timeZone ?? 'UTC', at),
      amount,
      currency,
      status: defaultLookup(code),
      code,
      attrs,
    },
  };
}

/** Deepest nesting of objects and arrays allowed in an event body (Stripe's own are under 10). */
export const MAX_EVENT_NESTING = 64;

/**
 * How deeply a JSON text nests, counted on the text itself (no parsing, no recursion), stopping
 * as soon as it passes `limit`: a hostile body nested 100,000 levels deep is refused before
 * anything walks it recursively (JSON.stringify would overflow the stack).
 */
export function jsonNestingExceeds(text: string, limit = MAX_EVENT_NESTING): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > limit) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}
