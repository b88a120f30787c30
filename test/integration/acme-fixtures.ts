/**
 * The acme-romi acceptance set (test/fixtures/acme-romi) as an analyst maps it: one profile per export,
 * written the way the mapping form saves them. Shared by the integration tests that take the set through
 * ingestion, the ledger and ROMI.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IngestProfileInput, SourceKind } from '@/lib/features/ingestion/profile';

export const ACME_DIR = path.resolve('test/fixtures/acme-romi');
export const acmeFile = (name: string) => readFileSync(path.join(ACME_DIR, name), 'utf8');
export const acmeExpected = () => JSON.parse(acmeFile('expected.json')) as AcmeExpected;

export type AcmeFigures = { revenue_cents: number; spend_cents: number };
export type AcmeExpected = {
  won_deals: number;
  lost_deals: number;
  reconciled_paid_deals: number;
  not_yet_counted_cents: number;
  refunded_deals: number;
  total_revenue_cents: number;
  channels: Record<string, AcmeFigures & { romi: number | null; by_month: Record<string, AcmeFigures>; campaigns: Record<string, AcmeFigures> }>;
};

const money = { decimalSeparator: '.', thousandsSeparator: ',' } as const;

export const ACME_PROFILES = {
  stripe: {
    file: 'stripe-payments.csv',
    kind: 'gateway',
    profile: {
      dataset: 'payments',
      columns: { id: 'order_number (metadata)', status: 'Status', date: 'Created date (UTC)', amount: 'Amount', currency: 'Currency' },
      statusMap: { Paid: 'Paid', Failed: 'Failed', Refunded: 'Refunded' },
      amount: money,
      date: { format: 'YYYY-MM-DD HH:mm:ss', timeZone: 'UTC' },
      attributes: { email: 'Customer Email' },
    },
  },
  paypal: {
    file: 'paypal-activity.csv',
    kind: 'gateway',
    profile: {
      dataset: 'payments',
      columns: { id: 'Invoice Number', status: 'Status', date: 'Date', amount: 'Gross', currency: 'Currency' },
      statusMap: { Completed: 'Paid', Pending: 'Pending', Denied: 'Failed' },
      amount: money,
      date: { format: 'DD/MM/YYYY', timeZone: 'America/Los_Angeles' },
      attributes: { email: 'From Email Address' },
    },
  },
  bank: {
    file: 'bank-statement.csv',
    kind: 'bank',
    profile: {
      dataset: 'payments',
      columns: { id: 'Reference', date: 'Booking Date', amount: 'Amount', currency: 'Currency' },
      idFallbacks: [{ column: 'Description', pattern: '(A-\\d+)' }],
      fixedStatus: 'Paid',
      amount: money,
      date: { format: 'iso', timeZone: 'UTC' },
    },
  },
} satisfies Record<string, { file: string; kind: SourceKind; profile: IngestProfileInput }>;
