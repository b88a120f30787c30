import type { Preset } from './types';

const header = ['Record ID', 'Deal Name', 'Amount', 'Deal Stage', 'Close Date', 'Deal Owner', 'Company Name', 'Pipeline', 'Create Date', 'Associated Company IDs', 'Associated Contact IDs', 'Lead source', 'Original Source'];

/**
 * HubSpot deals export. Deal Stage comes as internal ids (closedwon) or labels
 * (Closed Won) depending on the export; both are mapped for the default sales
 * pipeline. Custom stages stay Unknown until mapped. Close Date is
 * "YYYY-MM-DD HH:mm" in the portal's zone (UTC assumed); the currency is the
 * portal's (USD assumed; set it in the profile). Closed won counts as Paid,
 * closed lost as Cancelled, open stages as Pending.
 */
export const hubspotDeals: Preset = {
  id: 'hubspot-deals',
  label: 'HubSpot — deals',
  kind: 'crm',
  dataset: 'deals',
  description: 'HubSpot → CRM → Deals → Export (CSV).',
  signature: ['Record ID', 'Deal Name', 'Amount', 'Deal Stage', 'Close Date', 'Deal Owner', 'Pipeline', 'Create Date'],
  profile: {
    dataset: 'deals',
    format: { type: 'csv' },
    columns: { id: 'Record ID', status: 'Deal Stage', date: 'Close Date', amount: 'Amount' },
    currency: 'USD',
    statusMap: {
      appointmentscheduled: 'Pending',
      qualifiedtobuy: 'Pending',
      presentationscheduled: 'Pending',
      decisionmakerboughtin: 'Pending',
      contractsent: 'Pending',
      closedwon: 'Paid',
      closedlost: 'Cancelled',
      'Appointment Scheduled': 'Pending',
      'Qualified To Buy': 'Pending',
      'Presentation Scheduled': 'Pending',
      'Decision Maker Bought-In': 'Pending',
      'Contract Sent': 'Pending',
      'Closed Won': 'Paid',
      'Closed Lost': 'Cancelled',
    },
    useDefaultGlossary: false,
    amount: { decimalSeparator: '.', thousandsSeparator: ',' },
    date: { format: 'iso', timeZone: 'UTC' },
    // Campaign and the UTM fields are optional columns: kept when the export has them.
    attributes: { dealId: 'Record ID', customer: 'Company Name', leadSource: 'Lead source', channel: 'Original Source', campaign: 'Campaign', utmSource: 'UTM Source', utmCampaign: 'UTM Campaign' },
    expectedColumns: header,
  },
};
