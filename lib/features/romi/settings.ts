import { z } from 'zod';

/** A field of a payment's or a deal's records: `key` (the entry's key), `id` (the deal's id), or a mapped field's name. */
const fieldName = z.string().trim().min(1).max(60);

/**
 * What a reconciliation's ROMI counts (Reconciliation.romi, JSON):
 * - which CRM deal sources and which ad-spend sources feed it (null: every one);
 * - how a payment finds its deal: a payment field equal to a deal field (the order number on both, say);
 * - revenue by **payment** (a reconciled Paid payment's amount, on its date) or by **deal** (the deal's amount,
 *   on its close date, once its payment is reconciled Paid and the deal meets the conditions: a CRM
 *   "Payment Status" of "Invoice Paid", say; refunded deals count nothing, the others wait as not yet counted).
 */
export const RomiSettingsSchema = z.object({
  dealSourceIds: z.array(z.string().min(1)).max(50).nullable().default(null),
  spendSourceIds: z.array(z.string().min(1)).max(50).nullable().default(null),
  join: z.object({ payment: fieldName, deal: fieldName }).default({ payment: 'paymentRef', deal: 'paymentRef' }),
  basis: z.enum(['payment', 'deal']).default('payment'),
  /** Deal basis: each must hold (the deal's field equals one of the values, compared trimmed and case-insensitively). */
  dealConditions: z.array(z.object({ field: fieldName, values: z.array(z.string().trim().min(1).max(200)).min(1, 'Choose at least one value.').max(50) })).max(10).default([]),
  /** Deal basis: the reconciled payment's amount must equal the deal's. */
  sameAmount: z.boolean().default(true),
});
export type RomiSettings = z.output<typeof RomiSettingsSchema>;
export type RomiSettingsInput = z.input<typeof RomiSettingsSchema>;

export const DEFAULT_ROMI_SETTINGS: RomiSettings = RomiSettingsSchema.parse({});

/** A stored value: anything unreadable counts as the defaults (never a failed rebuild). */
export function parseRomiSettings(json: string | null | undefined): RomiSettings {
  try {
    const parsed = RomiSettingsSchema.safeParse(JSON.parse(json || '{}'));
    return parsed.success ? parsed.data : DEFAULT_ROMI_SETTINGS;
  } catch {
    return DEFAULT_ROMI_SETTINGS;
  }
}

export { FIELD_LABELS, fieldLabel } from '@/lib/domain/field-labels';
