import type { Preset } from './types';

const header = ['Start Date (in UTC)', 'Campaign Group Name', 'Campaign Name', 'Impressions', 'Clicks', 'Total Spent', 'Currency'];

/**
 * LinkedIn Campaign Manager campaign performance export, by day (Time breakdown: Daily). Start Date is
 * M/D/YYYY in UTC; Total Spent has no currency symbol. One row per campaign and day: every row counts,
 * and a later export reporting a day and campaign again replaces it. The channel is the source's name
 * (map it to the company's own channel under Sources -> Channels).
 */
export const linkedinAds: Preset = {
  id: 'linkedin-ads',
  label: 'LinkedIn Ads — campaign performance (daily)',
  kind: 'ads',
  dataset: 'spend',
  description: 'LinkedIn Campaign Manager → Analyze → Campaign performance → Export (CSV), time breakdown Daily.',
  signature: ['Start Date (in UTC)', 'Campaign Name', 'Impressions', 'Clicks', 'Total Spent'],
  profile: {
    dataset: 'spend',
    format: { type: 'csv' },
    columns: { id: 'Campaign Name', date: 'Start Date (in UTC)', amount: 'Total Spent', currency: 'Currency' },
    keyColumns: ['Campaign Name', 'Start Date (in UTC)'],
    amount: { decimalSeparator: '.', thousandsSeparator: ',' },
    date: { format: 'M/D/YYYY', timeZone: 'UTC' },
    attributes: { campaign: 'Campaign Name', clicks: 'Clicks', impressions: 'Impressions' },
    expectedColumns: header,
  },
};
