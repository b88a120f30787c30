import type { Preset } from './types';

const header = ['Reporting starts', 'Reporting ends', 'Campaign name', 'Ad set name', 'Ad name', 'Amount spent (USD)', 'Impressions', 'Reach', 'Link clicks', 'Results'];

/**
 * Meta Ads Manager export (ad level). UTF-8 with a BOM; the currency is in
 * the spend column's name ("Amount spent (USD)", "(EUR)"...), read from the
 * header. Each row covers Reporting starts..Reporting ends. Spend counts every
 * row (ROMI adds the ad sets and ads of a campaign and day up), so only the
 * campaign and the start are required: exports at campaign or ad-set level,
 * without "Ad set name" or "Ad name", are read too.
 */
export const metaAds: Preset = {
  id: 'meta-ads',
  label: 'Meta Ads Manager — ads report',
  kind: 'ads',
  dataset: 'spend',
  description: 'Meta Ads Manager → Reports → Export table data (CSV), ad level.',
  signature: ['Reporting starts', 'Reporting ends', 'Campaign name', 'Ad set name', 'Ad name', 'Amount spent (USD)', 'Impressions', 'Reach', 'Link clicks'],
  profile: {
    dataset: 'spend',
    format: { type: 'csv' },
    columns: { id: 'Campaign name', date: 'Reporting starts', amount: 'Amount spent (USD)' },
    keyColumns: ['Campaign name', 'Reporting starts'],
    currencyFromHeader: true,
    amount: { decimalSeparator: '.', thousandsSeparator: ',' },
    date: { format: 'iso', timeZone: 'UTC' },
    attributes: { campaign: 'Campaign name', impressions: 'Impressions', clicks: 'Link clicks', reportingEnd: 'Reporting ends' },
    expectedColumns: header,
  },
};
