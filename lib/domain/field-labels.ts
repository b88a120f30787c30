/** Names of the fields a record keeps, in words (no zod here: client components import it, and zod's JIT probe trips the CSP). */

/** What people call the built-in fields (anything else is the name the analyst gave a column). */
export const FIELD_LABELS: Record<string, string> = {
  key: 'the entry\'s key',
  id: 'the deal\'s id',
  paymentRef: 'payment reference',
  invoiceId: 'invoice number',
  dealId: 'deal id',
  email: 'customer e-mail',
  channel: 'channel',
  leadSource: 'lead source',
  campaign: 'campaign',
  customer: 'customer',
};

export const fieldLabel = (f: string) => FIELD_LABELS[f] ?? f;
