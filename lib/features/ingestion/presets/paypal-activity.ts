import type { Preset } from './types';

const header = ['Date', 'Time', 'TimeZone', 'Name', 'Type', 'Status', 'Currency', 'Gross', 'Fee', 'Net', 'From Email Address', 'To Email Address', 'Transaction ID', 'Shipping Address', 'Address Status', 'Item Title', 'Item ID', 'Reference Txn ID', 'Invoice Number', 'Custom Number', 'Quantity', 'Receipt ID', 'Balance', 'Country Code', 'Balance Impact'];

/**
 * PayPal activity download (US English). Every field quoted, Gross with
 * thousands separators, fees negative, refunds negative. Dates are MM/DD/YYYY
 * in the account's zone (the TimeZone column names it per row, e.g. PDT): the
 * preset assumes America/Los_Angeles, change it for other accounts. Held and
 * other rare statuses stay unmapped (Unknown) so that they are reviewed.
 */
export const paypalActivity: Preset = {
  id: 'paypal-activity',
  label: 'PayPal — activity download',
  kind: 'gateway',
  dataset: 'payments',
  description: 'PayPal → Activity → Statements → Activity download (CSV, all transactions).',
  signature: ['Date', 'Time', 'TimeZone', 'Name', 'Type', 'Status', 'Currency', 'Gross', 'Fee', 'Net', 'Transaction ID', 'Reference Txn ID', 'Balance Impact'],
  profile: {
    dataset: 'payments',
    format: { type: 'csv', delimiter: ',' },
    columns: { id: 'Transaction ID', status: 'Status', date: 'Date', amount: 'Gross', currency: 'Currency' },
    statusMap: {
      Completed: 'Paid',
      Pending: 'Pending',
      Denied: 'Failed',
      Failed: 'Failed',
      Reversed: 'Refunded',
      Refunded: 'Refunded',
      'Partially Refunded': 'Refunded',
      Canceled: 'Cancelled',
      Cancelled: 'Cancelled',
      Unclaimed: 'Pending',
    },
    useDefaultGlossary: false,
    amount: { decimalSeparator: '.', thousandsSeparator: ',' },
    date: { format: 'MM/DD/YYYY', timeZone: 'America/Los_Angeles' },
    attributes: {
      email: 'From Email Address',
      customer: 'Name',
      invoiceId: 'Invoice Number',
      paymentRef: 'Reference Txn ID',
      description: 'Item Title',
    },
    expectedColumns: header,
  },
};
