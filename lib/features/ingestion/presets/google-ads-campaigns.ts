import type { Preset } from './types';

const header = ['Day', 'Campaign', 'Campaign state', 'Campaign type', 'Clicks', 'Impr.', 'CTR', 'Currency code', 'Avg. CPC', 'Cost', 'Conversions'];

/**
 * Google Ads campaign report segmented by Day. Two preamble lines (report
 * title, date range) precede the header and "Total: ..." rows close the file
 * (both dropped by the reader). Cost is the spend, possibly quoted with a
 * symbol and thousands separators ("$3,200.00"). One row per campaign and day:
 * key = Campaign + Day. A report without the Day segment has no per-row
 * period and is reported as missing the Day column.
 */
export const googleAdsCampaigns: Preset = {
  id: 'google-ads-campaigns',
  label: 'Google Ads — campaign report (by day)',
  kind: 'ads',
  dataset: 'spend',
  description: 'Google Ads → Campaigns → Download (CSV), segmented by Day.',
  // The columns every campaign report by day has; the others (state or status, type, CTR, CPC,
  // conversions) depend on the columns the account chose and are optional.
  signature: ['Day', 'Campaign', 'Clicks', 'Impr.', 'Currency code', 'Cost'],
  profile: {
    dataset: 'spend',
    format: { type: 'csv' },
    columns: { id: 'Campaign', date: 'Day', amount: 'Cost', currency: 'Currency code' },
    keyColumns: ['Campaign', 'Day'],
    amount: { decimalSeparator: '.', thousandsSeparator: ',' },
    date: { format: 'iso', timeZone: 'UTC' },
    attributes: { campaign: 'Campaign', clicks: 'Clicks', impressions: 'Impr.' },
    expectedColumns: header,
  },
};
