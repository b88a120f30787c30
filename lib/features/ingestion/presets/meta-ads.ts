import type { Preset } from './types';

const header = ['Reporting starts', 'Reporting ends', 'Campaign name', 'Ad set name', 'Ad name', 'Amount spent (USD)', 'Impressions', 'Reach', 'Link clicks', 'Results'];

/**
 * Meta Ads Manager export (ad level). UTF-8 with a BOM; the currency is in
 * the spend column's name ("Amount spent (USD)", "(EUR)"...), read from the
 * header. Each row covers Reporting starts..Reporting ends: key = campaign,
 * ad set, ad and the period.
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
    keyColumns: ['Campaign name', 'Ad set name', 'Ad name', 'Reporting starts', 'Reporting ends'],
    currencyFromHeader: true,
    amount: { decimalSeparator: '.', thousandsSeparator: ',' },
    date: { format: 'iso', timeZone: 'UTC' },
    attributes: { campaign: 'Campaign name', impressions: 'Impressions', clicks: 'Link clicks', reportingEnd: 'Reporting ends' },
    expectedColumns: header,
  },
};
