import type { Preset } from './types';

const header = ['Details', 'Posting Date', 'Description', 'Amount', 'Type', 'Balance', 'Check or Slip #'];

/**
 * Checking account CSV of a large US bank. Data rows end with an extra comma
 * (dropped by the reader), Balance may be blank, debits are negative, dates are
 * MM/DD/YYYY (taken as America/New_York), the currency is USD.
 *
 * The id: a bank row has no transaction id column. The preset reads the
 * payment reference out of Description (idPattern): the "IND ID:" of an ACH
 * entry (a Stripe payout shows its payout reference there), the "TRN:" of a
 * wire, a "REF:"/"REF #" or an online transfer's "transaction#:". A row with no
 * recognisable reference keeps the whole description as its id; identical
 * descriptions then show up as duplicates to review, which is the honest
 * outcome for rows that cannot be told apart.
 *
 * Status: a posted line is settled money, so every posted type maps to Paid
 * (the sign of Amount says the direction); returned items map to Failed.
 */
export const bankStatement: Preset = {
  id: 'bank-statement',
  label: 'Bank statement — US checking CSV',
  kind: 'bank',
  dataset: 'payments',
  description: 'Checking account activity download (CSV): Details, Posting Date, Description, Amount, Type, Balance, Check or Slip #.',
  signature: header,
  profile: {
    dataset: 'payments',
    format: { type: 'csv', delimiter: ',' },
    columns: { id: 'Description', status: 'Type', date: 'Posting Date', amount: 'Amount' },
    idPattern: '(?:IND ID:|TRN:\\s*|REF(?:ERENCE)?\\s*(?:#|NO\\.?|:)\\s*|TRANSACTION#:\\s*)([A-Z0-9][A-Z0-9_-]{3,})',
    currency: 'USD',
    statusMap: {
      ACH_CREDIT: 'Paid',
      ACH_DEBIT: 'Paid',
      WIRE_INCOMING: 'Paid',
      WIRE_OUTGOING: 'Paid',
      DEBIT_CARD: 'Paid',
      CHECK_DEPOSIT: 'Paid',
      CHECK_PAID: 'Paid',
      QUICKPAY_CREDIT: 'Paid',
      QUICKPAY_DEBIT: 'Paid',
      ACCT_XFER: 'Paid',
      MISC_CREDIT: 'Paid',
      MISC_DEBIT: 'Paid',
      FEE_TRANSACTION: 'Paid',
      ATM: 'Paid',
      BILLPAY: 'Paid',
      LOAN_PMT: 'Paid',
      DEPOSIT: 'Paid',
      RETURNED_ITEM: 'Failed',
      ACH_RETURN: 'Failed',
    },
    useDefaultGlossary: false,
    amount: { decimalSeparator: '.', thousandsSeparator: ',' },
    date: { format: 'MM/DD/YYYY', timeZone: 'America/New_York' },
    attributes: { description: 'Description', paymentRef: 'Check or Slip #' },
    expectedColumns: header,
  },
};
