import type { Preset } from './types';

const header = ['Opportunity ID', 'Opportunity Name', 'Account Name', 'Amount', 'Close Date', 'Stage', 'Owner Name', 'Lead Source', 'Campaign'];

/**
 * Salesforce opportunities report (or Data Loader) export with the standard
 * sales stages. Close Date is taken as ISO (YYYY-MM-DD, what Data Loader and
 * reports in ISO locales write); a US-locale report's M/D/YYYY is recognised from
 * the samples. Currency USD assumed (single-currency org). Lead Source is the
 * channel; the campaign is "Campaign" or "Primary Campaign Source"; any other
 * column (an order number, a payment status) is kept under its own name.
 */
export const salesforceOpportunities: Preset = {
  id: 'salesforce-opportunities',
  label: 'Salesforce — opportunities',
  kind: 'crm',
  dataset: 'deals',
  description: 'Salesforce → Reports → Opportunities → Export (CSV).',
  // Owner Name, Lead Source and Campaign are optional columns of the report: not part of what identifies it.
  signature: ['Opportunity ID', 'Opportunity Name', 'Account Name', 'Amount', 'Close Date', 'Stage'],
  profile: {
    dataset: 'deals',
    format: { type: 'csv' },
    columns: { id: 'Opportunity ID', status: 'Stage', date: 'Close Date', amount: 'Amount' },
    currency: 'USD',
    statusMap: {
      Prospecting: 'Pending',
      Qualification: 'Pending',
      'Needs Analysis': 'Pending',
      'Value Proposition': 'Pending',
      'Id. Decision Makers': 'Pending',
      'Perception Analysis': 'Pending',
      'Proposal/Price Quote': 'Pending',
      'Negotiation/Review': 'Pending',
      'Closed Won': 'Paid',
      'Closed Lost': 'Cancelled',
    },
    useDefaultGlossary: false,
    amount: { decimalSeparator: '.', thousandsSeparator: ',' },
    date: { format: 'iso', timeZone: 'UTC' },
    attributes: { dealId: 'Opportunity ID', customer: 'Account Name', leadSource: 'Lead Source', campaign: 'Campaign' },
    expectedColumns: header,
  },
};
