import type { Preset } from './types';

const header = ['Company Account', 'Merchant Account', 'Psp Reference', 'Merchant Reference', 'Payment Method', 'Creation Date', 'TimeZone', 'Type', 'Modification Reference', 'Gross Currency', 'Gross Debit (GC)', 'Gross Credit (GC)', 'Exchange Rate', 'Net Currency', 'Net Debit (NC)', 'Net Credit (NC)', 'Commission (NC)', 'Markup (NC)', 'Scheme Fees (NC)', 'Interchange (NC)', 'Batch Number'];

/**
 * Adyen settlement details report. Money is split into Gross Debit (GC) and
 * Gross Credit (GC): amount = credit - debit in the gross currency. Creation
 * Date is "YYYY-MM-DD HH:mm:ss" in the zone of the TimeZone column (the
 * account's, CET/CEST here: Europe/Amsterdam). Rows without a Psp Reference
 * (MerchantPayout, Fee, Balancetransfer) fail with an "empty" error and are
 * listed as invalid rows: they are not payments.
 */
export const adyenSettlement: Preset = {
  id: 'adyen-settlement',
  label: 'Adyen — settlement details',
  kind: 'gateway',
  dataset: 'payments',
  description: 'Adyen Customer Area → Reports → Settlement details (CSV).',
  signature: ['Company Account', 'Merchant Account', 'Psp Reference', 'Merchant Reference', 'Creation Date', 'Type', 'Gross Currency', 'Gross Debit (GC)', 'Gross Credit (GC)', 'Net Currency', 'Batch Number'],
  profile: {
    dataset: 'payments',
    format: { type: 'csv' },
    columns: { id: 'Psp Reference', status: 'Type', date: 'Creation Date', debit: 'Gross Debit (GC)', credit: 'Gross Credit (GC)', currency: 'Gross Currency' },
    statusMap: {
      Settled: 'Paid',
      SettledBulk: 'Paid',
      Refunded: 'Refunded',
      RefundedBulk: 'Refunded',
      Chargeback: 'Refunded',
      SecondChargeback: 'Refunded',
      ChargebackReversed: 'Paid',
      RefundedReversed: 'Paid',
      SentForSettle: 'Pending',
      Authorised: 'Authorized',
      Refused: 'Failed',
      Cancelled: 'Cancelled',
    },
    useDefaultGlossary: false,
    amount: { decimalSeparator: '.', thousandsSeparator: '' },
    date: { format: 'YYYY-MM-DD HH:mm:ss', timeZone: 'Europe/Amsterdam' },
    attributes: { paymentRef: 'Merchant Reference', description: 'Payment Method' },
    expectedColumns: header,
  },
};
