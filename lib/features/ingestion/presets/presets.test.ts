import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRows, sniffFile } from '../parse';
import { compileIngestProfile, type IngestRecord } from '../profile';
import { detectPreset, PRESETS } from './index';

const dir = path.resolve(__dirname, '../../../../test/fixtures/exports');

async function load(id: string) {
  const file = path.join(dir, `${id}.csv`);
  const sniff = await sniffFile(file, `${id}.csv`);
  const ranked = detectPreset(sniff.header);
  const preset = PRESETS.find((p) => p.id === id);
  if (!preset) throw new Error(`no preset ${id}`);
  const bound = compileIngestProfile(preset.profile, { name: preset.label, kind: preset.kind }).bindHeader(sniff.header);
  if (!bound.ok) throw new Error(bound.message);
  const records: IngestRecord[] = [];
  const errors: { line: number; column: string; reason: string }[] = [];
  for await (const row of readRows(file, sniff.format)) {
    const r = bound.fromFields(row.fields, row.line);
    if (r.ok) records.push(r.record);
    else errors.push(r.error);
  }
  return { sniff, ranked, records, errors };
}

/** [line, key, txId, amount (minor units), currency, status, code, date] */
type Row = [number, string, string, number, string, string, string, string | null];
const brief = (r: IngestRecord): Row => [r.line, r.key, r.txId, r.amount, r.currency, r.status, r.code, r.date];

describe('presets on real-format sample exports', () => {
  it('every preset is detected as the best match for its own sample, with a full signature', async () => {
    for (const p of PRESETS) {
      const { ranked } = await load(p.id);
      expect(ranked[0]?.preset.id, p.id).toBe(p.id);
      expect(ranked[0]?.score, p.id).toBe(1);
      expect(ranked[0]?.missing, p.id).toEqual([]);
    }
  });

  it('stripe-payments: thousands separators, lower-case currencies, JPY without decimals, an unmapped Disputed', async () => {
    const { records, errors, sniff } = await load('stripe-payments');
    expect(errors).toEqual([]);
    expect(sniff.header).toHaveLength(34);
    expect(records.map(brief)).toEqual<Row[]>([
      [2, 'CH_3PXA1BKQ2LM0001', 'ch_3PXa1bKq2Lm0001', 120000, 'USD', 'Paid', 'Paid', '2024-07-01'],
      [3, 'CH_3PXA1BKQ2LM0002', 'ch_3PXa1bKq2Lm0002', 4999, 'USD', 'Refunded', 'Refunded', '2024-07-01'],
      [4, 'CH_3PXA1BKQ2LM0003', 'ch_3PXa1bKq2Lm0003', 1500, 'USD', 'Failed', 'Failed', '2024-07-02'],
      [5, 'CH_3PXA1BKQ2LM0004', 'ch_3PXa1bKq2Lm0004', 250050, 'EUR', 'Unknown', 'Disputed', '2024-07-03'],
      [6, 'CH_3PXA1BKQ2LM0005', 'ch_3PXa1bKq2Lm0005', 1000, 'JPY', 'Paid', 'Paid', '2024-07-04'],
      [7, 'CH_3PXA1BKQ2LM0006', 'ch_3PXa1bKq2Lm0006', 7500, 'USD', 'Authorized', 'Uncaptured', '2024-07-04'],
      [8, 'CH_3PXA1BKQ2LM0007', 'ch_3PXa1bKq2Lm0007', 30000, 'USD', 'Refunded', 'Partially Refunded', '2024-07-05'],
      [9, 'CH_3PXA1BKQ2LM0008', 'ch_3PXa1bKq2Lm0008', 1990, 'GBP', 'Paid', 'Paid', '2024-07-06'],
    ]);
    expect(records[1]?.at).toBe(Date.UTC(2024, 6, 1, 23, 59, 59));
    expect(records[0]?.attrs).toEqual({
      email: 'ap@acme.example', customer: 'cus_QA1', invoiceId: 'in_1001', description: 'Order #1001, annual plan', paymentRef: 'pi_3PXa1b0001',
    });
  });

  it('stripe-balance: keyed by Source, signed gross, an adjustment left Unknown, a fee row without source is an error', async () => {
    const { records, errors } = await load('stripe-balance');
    expect(records.map(brief)).toEqual<Row[]>([
      [2, 'CH_3PXA1BKQ2LM0001', 'txn_1PXb0001', 120000, 'USD', 'Paid', 'charge', '2024-07-01'],
      [3, 'CH_3PXA1BKQ2LM0002', 'txn_1PXb0002', 4999, 'USD', 'Paid', 'charge', '2024-07-01'],
      [4, 'RE_3PXA1BKQ2LM0002', 'txn_1PXb0003', -4999, 'USD', 'Refunded', 'refund', '2024-07-02'],
      [6, 'PO_1PXBST0001', 'txn_1PXb0005', -121314, 'USD', 'Paid', 'payout', '2024-07-03'],
      [7, 'DU_1PXB0006', 'txn_1PXb0006', -1500, 'USD', 'Unknown', 'adjustment', '2024-07-04'],
      [8, 'CH_3PXA1BKQ2LM0005', 'txn_1PXb0007', 1000, 'JPY', 'Paid', 'charge', '2024-07-04'],
    ]);
    expect(errors).toEqual([{ line: 5, column: 'Source', reason: 'Source is empty; every row needs it to be matched' }]);
  });

  it('paypal-activity: all quoted, US dates in Los Angeles time, refunds negative, Held unmapped, a European amount rejected', async () => {
    const { records, errors } = await load('paypal-activity');
    expect(records.map(brief)).toEqual<Row[]>([
      [2, '5TY12345AB6789012', '5TY12345AB6789012', 125000, 'USD', 'Paid', 'Completed', '2024-07-01'],
      [3, '6AB23456CD7890123', '6AB23456CD7890123', 8000, 'USD', 'Pending', 'Pending', '2024-07-01'],
      [4, '7BC34567DE8901234', '7BC34567DE8901234', 1500, 'USD', 'Failed', 'Denied', '2024-07-02'],
      [5, '8CD45678EF9012345', '8CD45678EF9012345', -8000, 'USD', 'Paid', 'Completed', '2024-07-03'],
      [7, '1EF67890AB1234567', '1EF67890AB1234567', 50000, 'USD', 'Unknown', 'Held', '2024-07-05'],
      [8, '2FA78901BC2345678', '2FA78901BC2345678', -100000, 'USD', 'Paid', 'Completed', '2024-07-06'],
    ]);
    // midnight in Los Angeles (PDT, UTC-7)
    expect(records[0]?.at).toBe(Date.UTC(2024, 6, 1, 7));
    expect(records[3]?.attrs.paymentRef).toBe('4XZ98765AB4321098');
    expect(errors).toEqual([{ line: 6, column: 'Gross', reason: 'Gross "2.000,00" is not a number in the format 1,234.56' }]);
  });

  it('adyen-settlement: credit minus debit, Amsterdam time, chargeback as Refunded, payout row without reference rejected', async () => {
    const { records, errors } = await load('adyen-settlement');
    expect(records.map(brief)).toEqual<Row[]>([
      [2, '8815839484830001', '8815839484830001', 12000, 'EUR', 'Paid', 'Settled', '2024-07-01'],
      [3, '8815839484830002', '8815839484830002', 199999, 'EUR', 'Paid', 'Settled', '2024-07-01'],
      [4, '8815839484830003', '8815839484830003', -4550, 'EUR', 'Refunded', 'Refunded', '2024-07-02'],
      [5, '8815839484830004', '8815839484830004', -30000, 'EUR', 'Refunded', 'Chargeback', '2024-07-03'],
      [6, '8815839484830005', '8815839484830005', 7525, 'GBP', 'Paid', 'Settled', '2024-07-03'],
      [7, '8815839484830006', '8815839484830006', 6000, 'EUR', 'Pending', 'SentForSettle', '2024-07-04'],
    ]);
    // 23:30 CEST is 21:30 UTC, still July 1st locally
    expect(records[1]?.at).toBe(Date.UTC(2024, 6, 1, 21, 30));
    expect(errors).toEqual([{ line: 8, column: 'Psp Reference', reason: 'Psp Reference is empty; every row needs it to be matched' }]);
  });

  it('bank-statement: trailing commas, blank balance, references pulled from descriptions, New York dates', async () => {
    const { records, errors, sniff } = await load('bank-statement');
    expect(errors).toEqual([]);
    expect(sniff.sampleRows[3]).toEqual(['DEBIT', '07/03/2024', 'Online Transfer to SAV ...9876 transaction#: 11223344556 07/03', '-5,000.00', 'ACCT_XFER', '', '']);
    expect(records.map(brief)).toEqual<Row[]>([
      [2, 'ST-K3L9M2N8P4Q1', 'ST-K3L9M2N8P4Q1', 121314, 'USD', 'Paid', 'ACH_CREDIT', '2024-07-01'],
      [3, 'CARD PURCHASE 06/29 OFFICE DEPOT #1234 AUSTIN TX', 'CARD PURCHASE 06/29 OFFICE DEPOT #1234 AUSTIN TX', -8437, 'USD', 'Paid', 'DEBIT_CARD', '2024-07-01'],
      [4, 'INV2001', 'INV2001', 1250000, 'USD', 'Paid', 'WIRE_INCOMING', '2024-07-02'],
      [5, '11223344556', '11223344556', -500000, 'USD', 'Paid', 'ACCT_XFER', '2024-07-03'],
      [6, 'CHECK 1042', 'CHECK 1042', -25000, 'USD', 'Paid', 'CHECK_PAID', '2024-07-05'],
      [7, 'MONTHLY SERVICE FEE', 'MONTHLY SERVICE FEE', -1500, 'USD', 'Paid', 'FEE_TRANSACTION', '2024-07-05'],
      [8, 'RT77889900', 'RT77889900', -6000, 'USD', 'Failed', 'RETURNED_ITEM', '2024-07-08'],
      [9, 'ZELLE PAYMENT FROM JOHN DOE', 'ZELLE PAYMENT FROM JOHN DOE', 150050, 'USD', 'Paid', 'QUICKPAY_CREDIT', '2024-07-08'],
    ]);
    expect(records[0]?.at).toBe(Date.UTC(2024, 6, 1, 4)); // midnight EDT
    expect(records[4]?.attrs.paymentRef).toBe('1042');
  });

  it('hubspot-deals: internal and label stages, custom stage Unknown, attribution attributes', async () => {
    const { records, errors } = await load('hubspot-deals');
    expect(errors).toEqual([]);
    expect(records.map(brief)).toEqual<Row[]>([
      [2, '15530001', '15530001', 1250000, 'USD', 'Paid', 'closedwon', '2024-07-02'],
      [3, '15530002', '15530002', 480000, 'USD', 'Paid', 'Closed Won', '2024-07-05'],
      [4, '15530003', '15530003', 95050, 'USD', 'Pending', 'contractsent', '2024-07-20'],
      [5, '15530004', '15530004', 720000, 'USD', 'Cancelled', 'closedlost', '2024-07-08'],
      [6, '15530005', '15530005', 3000000, 'USD', 'Unknown', 'Negotiation', '2024-08-01'],
      [7, '15530006', '15530006', 0, 'USD', 'Pending', 'appointmentscheduled', '2024-07-31'],
    ]);
    expect(records.every((r) => r.dataset === 'deals')).toBe(true);
    expect(records[0]?.at).toBe(Date.UTC(2024, 6, 2, 14, 30));
    expect(records[0]?.attrs).toEqual({ dealId: '15530001', customer: 'Acme Corp', leadSource: 'Webinar', channel: 'Paid Search' });
    expect(records[2]?.attrs).toEqual({ dealId: '15530003', customer: 'Initech', channel: 'Organic Search' });
  });

  it('salesforce-opportunities: standard stages, campaign attribute', async () => {
    const { records, errors } = await load('salesforce-opportunities');
    expect(errors).toEqual([]);
    expect(records.map(brief)).toEqual<Row[]>([
      [2, '0065G00000ABCDEAA1', '0065g00000AbCdEAA1', 1250000, 'USD', 'Paid', 'Closed Won', '2024-07-02'],
      [3, '0065G00000ABCDEAA2', '0065g00000AbCdEAA2', 480000, 'USD', 'Paid', 'Closed Won', '2024-07-05'],
      [4, '0065G00000ABCDEAA3', '0065g00000AbCdEAA3', 95050, 'USD', 'Pending', 'Proposal/Price Quote', '2024-07-20'],
      [5, '0065G00000ABCDEAA4', '0065g00000AbCdEAA4', 720000, 'USD', 'Cancelled', 'Closed Lost', '2024-07-08'],
      [6, '0065G00000ABCDEAA5', '0065g00000AbCdEAA5', 3000000, 'USD', 'Pending', 'Negotiation/Review', '2024-08-01'],
    ]);
    expect(records[1]?.attrs.campaign).toBe('Google Search Q3');
    expect(records[2]?.attrs.campaign).toBeUndefined();
  });

  it('google-ads-campaigns: preamble and Total rows skipped, "$3,024.55" read, key = campaign + day, no status', async () => {
    const { records, errors, sniff } = await load('google-ads-campaigns');
    expect(errors).toEqual([]);
    expect(sniff.preambleLines).toBe(2);
    expect(records.map(brief)).toEqual<Row[]>([
      [4, 'BRAND - US|2024-07-01', 'Brand - US', 47040, 'USD', '', '', '2024-07-01'],
      [5, 'GENERIC - RECONCILIATION|2024-07-01', 'Generic - Reconciliation', 320000, 'USD', '', '', '2024-07-01'],
      [6, 'REMARKETING - DISPLAY|2024-07-01', 'Remarketing - Display', 1400, 'USD', '', '', '2024-07-01'],
      [7, 'BRAND - US|2024-07-02', 'Brand - US', 45770, 'USD', '', '', '2024-07-02'],
      [8, 'GENERIC - RECONCILIATION|2024-07-02', 'Generic - Reconciliation', 302455, 'USD', '', '', '2024-07-02'],
      [9, 'REMARKETING - DISPLAY|2024-07-02', 'Remarketing - Display', 0, 'USD', '', '', '2024-07-02'],
    ]);
    // the dropped "Total: Account" row says 7,166.65
    expect(records.reduce((s, r) => s + r.amount, 0)).toBe(716665);
    expect(records[1]?.attrs).toEqual({ campaign: 'Generic - Reconciliation', clicks: '1310', impressions: '48200' });
  });

  it('meta-ads: BOM, currency from "Amount spent (USD)", key = campaign and period start (every row counts as spend)', async () => {
    const { records, errors, sniff } = await load('meta-ads');
    expect(errors).toEqual([]);
    expect(sniff.header[0]).toBe('Reporting starts');
    expect(records.map(brief)).toEqual<Row[]>([
      [2, 'PROSPECTING - FINANCE TEAMS|2024-07-01', 'Prospecting - Finance teams', 184523, 'USD', '', '', '2024-07-01'],
      [3, 'PROSPECTING - FINANCE TEAMS|2024-07-01', 'Prospecting - Finance teams', 93210, 'USD', '', '', '2024-07-01'],
      [4, 'RETARGETING - SITE VISITORS|2024-07-01', 'Retargeting - Site visitors', 41000, 'USD', '', '', '2024-07-01'],
      [5, 'RETARGETING - SITE VISITORS|2024-07-01', 'Retargeting - Site visitors', 0, 'USD', '', '', '2024-07-01'],
    ]);
    expect(records[0]?.attrs.reportingEnd).toBe('2024-07-31');
  });

  it('meta-ads: a campaign-level export, without the ad set and ad columns, binds', () => {
    const meta = PRESETS.find((p) => p.id === 'meta-ads');
    if (!meta) throw new Error('meta-ads');
    const header = ['Reporting starts', 'Reporting ends', 'Campaign name', 'Amount spent (USD)', 'Impressions', 'Reach', 'Link clicks'];
    const bound = compileIngestProfile(meta.profile, { name: 'Meta', kind: 'ads' }).bindHeader(header);
    if (!bound.ok) throw new Error(bound.message);
    const r = bound.fromFields(['2024-07-01', '2024-07-31', 'Prospecting', '1,234.56', '1000', '900', '12'], 2);
    expect(r.ok && [r.record.key, r.record.amount, r.record.currency]).toEqual(['PROSPECTING|2024-07-01', 123456, 'USD']);
  });

  it('meta-ads: an account in euros binds "Amount spent (EUR)" and reads EUR', () => {
    const meta = PRESETS.find((p) => p.id === 'meta-ads');
    if (!meta) throw new Error('meta-ads');
    const header = ['Reporting starts', 'Reporting ends', 'Campaign name', 'Ad set name', 'Ad name', 'Amount spent (EUR)'];
    const bound = compileIngestProfile(meta.profile, { name: 'Meta', kind: 'ads' }).bindHeader(header);
    if (!bound.ok) throw new Error(bound.message);
    const r = bound.fromFields(['2024-07-01', '2024-07-31', 'C', 'S', 'A', '12.30'], 2);
    expect(r.ok && [r.record.amount, r.record.currency]).toEqual([1230, 'EUR']);
    expect(detectPreset(header)[0]?.preset.id).toBe('meta-ads');
  });
});

describe('presets fitted to the export in hand', () => {
  it('linkedin-ads: M/D/YYYY days, every row spend, thousands separators', async () => {
    const { records, errors } = await load('linkedin-ads');
    expect(errors).toEqual([]);
    expect(records.map((r) => [r.key, r.amount, r.currency, r.date, r.attrs.campaign])).toEqual([
      ['ABM - FINANCE LEADERS|2025-03-01', 120450, 'EUR', '2025-03-01', 'ABM - Finance Leaders'],
      ['RETARGETING - SITE VISITORS|2025-03-01', 18820, 'EUR', '2025-03-01', 'Retargeting - Site Visitors'],
      ['ABM - FINANCE LEADERS|2025-03-02', 115000, 'EUR', '2025-03-02', 'ABM - Finance Leaders'],
      ['RETARGETING - SITE VISITORS|2025-12-31', 9705, 'EUR', '2025-12-31', 'Retargeting - Site Visitors'],
    ]);
  });

  it('a report with fewer optional columns still gets its preset, with the columns it has', async () => {
    const { suggestProfile } = await import('../suggest');
    const google = suggestProfile(['Day', 'Campaign', 'Campaign status', 'Clicks', 'Impr.', 'Currency code', 'Cost'], [['2025-01-01', 'Brand - Search', 'Enabled', '26', '225', 'USD', '$103.40']]);
    expect(google.presetId).toBe('google-ads-campaigns');
    expect(google.profile.attributes).toEqual({ campaign: 'Campaign', clicks: 'Clicks', impressions: 'Impr.' });
    // A US-locale Salesforce report: M/D/YYYY close dates, "Primary Campaign Source", the company's own columns kept by name.
    const header = ['Opportunity ID', 'Opportunity Name', 'Account Name', 'Amount', 'Stage', 'Close Date', 'Created Date', 'Lead Source', 'Primary Campaign Source', 'Order Number', 'Payment Status'];
    const sf = suggestProfile(header, [['0065g00000fnZe0AAE', 'Tyrell - Seats', 'Tyrell', '405.00', 'Closed Won', '1/3/2025', '12/7/2024', 'Paid Social', 'LI - Decision Makers', 'A-20401', 'Invoice Paid'], ['0065g000000QVohAAG', 'Cobalt - Renewal', 'Cobalt', '20,000.00', 'Closed Lost', '1/17/2025', '10/27/2024', 'Referral', '', '', '']]);
    expect(sf.presetId).toBe('salesforce-opportunities');
    expect(sf.profile.date?.format).toBe('M/D/YYYY');
    expect(sf.profile.attributes).toMatchObject({ leadSource: 'Lead Source', campaign: 'Primary Campaign Source', 'Order Number': 'Order Number', 'Payment Status': 'Payment Status', 'Created Date': 'Created Date' });
    expect(sf.profile.attributes).not.toHaveProperty('Lead Source');
    // HubSpot: the Campaign column is mapped when the export has it, and dropped (not an error) when it has not.
    const hubspot = ['Record ID', 'Deal Name', 'Amount', 'Deal Stage', 'Close Date', 'Deal Owner', 'Company Name', 'Pipeline', 'Create Date', 'Associated Company IDs', 'Associated Contact IDs', 'Lead source', 'Original Source'];
    expect(suggestProfile([...hubspot, 'Campaign'], []).profile.attributes).toMatchObject({ campaign: 'Campaign', channel: 'Original Source' });
    expect(suggestProfile(hubspot, []).profile.attributes).not.toHaveProperty('campaign');
  });
});
