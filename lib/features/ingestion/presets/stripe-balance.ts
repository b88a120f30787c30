import type { Preset } from './types';

const header = ['id', 'Type', 'Source', 'Amount', 'Fee', 'Net', 'Currency', 'Created (UTC)', 'Available On (UTC)', 'Description'];

/**
 * Stripe balance history. Each row is a posted balance movement, so a charge
 * counts as Paid and a refund as Refunded. The key is Source (ch_..., re_...,
 * po_...) so charges line up with the unified payments export, whose id is the
 * charge id; txId keeps the balance transaction id (txn_...). Amount is the
 * gross, signed (refunds and payouts negative). Adjustments are left unmapped
 * (Unknown) because their meaning varies.
 */
export const stripeBalance: Preset = {
  id: 'stripe-balance',
  label: 'Stripe — balance history',
  kind: 'gateway',
  dataset: 'payments',
  description: 'Stripe Dashboard → Balances → Export (balance history CSV).',
  signature: ['id', 'Type', 'Source', 'Amount', 'Fee', 'Net', 'Currency', 'Created (UTC)', 'Available On (UTC)'],
  profile: {
    dataset: 'payments',
    format: { type: 'csv' },
    columns: { id: 'id', status: 'Type', date: 'Created (UTC)', amount: 'Amount', currency: 'Currency' },
    keyColumns: ['Source'],
    statusMap: {
      charge: 'Paid',
      payment: 'Paid',
      refund: 'Refunded',
      payment_refund: 'Refunded',
      payout: 'Paid',
      payout_failure: 'Failed',
      dispute: 'Refunded',
    },
    useDefaultGlossary: false,
    amount: { decimalSeparator: '.', thousandsSeparator: ',' },
    date: { format: 'iso', timeZone: 'UTC' },
    attributes: { description: 'Description', paymentRef: 'Source' },
    expectedColumns: header,
  },
};
