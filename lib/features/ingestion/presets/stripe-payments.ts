import type { Preset } from './types';

const header = ['id', 'Description', 'Seller Message', 'Created (UTC)', 'Amount', 'Amount Refunded', 'Currency', 'Converted Amount', 'Converted Amount Refunded', 'Fee', 'Tax', 'Converted Currency', 'Mode', 'Status', 'Statement Descriptor', 'Customer ID', 'Customer Description', 'Customer Email', 'Captured', 'Card ID', 'Card Last4', 'Card Brand', 'Card Funding', 'Disputed Amount', 'Dispute Status', 'Dispute Reason', 'Dispute Date (UTC)', 'Invoice ID', 'Payment Source Type', 'Destination', 'Transfer', 'Transfer Group', 'PaymentIntent ID'];

/**
 * Stripe Dashboard "unified payments" export. Amounts are major units with a
 * decimal point, the currency is lower case ("usd"), Created (UTC) is
 * "YYYY-MM-DD HH:mm:ss" in UTC. The key is the charge id (ch_/py_). A disputed
 * payment is left unmapped on purpose: it becomes Unknown, which never matches,
 * so it always reaches a person.
 */
export const stripePayments: Preset = {
  id: 'stripe-payments',
  label: 'Stripe — unified payments',
  kind: 'gateway',
  dataset: 'payments',
  description: 'Stripe Dashboard → Payments → Export (unified payments CSV).',
  signature: ['id', 'Created (UTC)', 'Amount', 'Amount Refunded', 'Currency', 'Status', 'Captured', 'Seller Message', 'Customer Email', 'PaymentIntent ID'],
  profile: {
    dataset: 'payments',
    format: { type: 'csv' },
    columns: { id: 'id', status: 'Status', date: 'Created (UTC)', amount: 'Amount', currency: 'Currency' },
    statusMap: {
      Paid: 'Paid',
      Refunded: 'Refunded',
      'Partially Refunded': 'Refunded',
      Failed: 'Failed',
      Blocked: 'Failed',
      Uncaptured: 'Authorized',
      Pending: 'Pending',
      Canceled: 'Cancelled',
    },
    useDefaultGlossary: false,
    amount: { decimalSeparator: '.', thousandsSeparator: ',' },
    date: { format: 'iso', timeZone: 'UTC' },
    attributes: {
      email: 'Customer Email',
      customer: 'Customer ID',
      invoiceId: 'Invoice ID',
      description: 'Description',
      paymentRef: 'PaymentIntent ID',
    },
    expectedColumns: header,
  },
};
