import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRows, sniffFile } from './parse';
import { compileIngestProfile, IngestProfileSchema } from './profile';
import { guessAmountFormat, guessDateFormat, suggestProfile } from './suggest';

const fixtures = path.resolve(__dirname, '../../../test/fixtures');

describe('suggestProfile', () => {
  it('maps seed-003 dataset-a by names, and "Completed" reads as Paid through the glossary', async () => {
    const file = path.join(fixtures, 'seed-003/dataset-a.csv');
    const sniff = await sniffFile(file, 'dataset-a.csv');
    const s = suggestProfile(sniff.header, sniff.sampleRows, { kind: 'gateway' });
    expect(s.presetId).toBeNull();
    expect(s.confidence).toBe('heuristic');
    expect(s.profile.columns).toEqual({ id: 'TransactionID', date: 'Date', amount: 'Amount', status: 'Status' });
    expect(s.profile.date).toEqual({ format: 'iso', timeZone: 'UTC' });
    expect(s.profile.amount).toMatchObject({ decimalSeparator: '.', thousandsSeparator: '' });
    const bound = compileIngestProfile(IngestProfileSchema.parse(s.profile), { name: 'dataset-a', kind: 'gateway' }).bindHeader(sniff.header);
    if (!bound.ok) throw new Error(bound.message);
    const first = [];
    for await (const row of readRows(file, sniff.format)) {
      const r = bound.fromFields(row.fields, row.line);
      if (!r.ok) throw new Error(r.error.reason);
      first.push(r.record);
      if (first.length === 2) break;
    }
    // TX1000,2024-07-01,388,Completed / TX1001,2024-07-02,136,Pending
    expect(first.map((r) => [r.key, r.amount, r.status, r.date])).toEqual([
      ['TX1000', 38800, 'Paid', '2024-07-01'],
      ['TX1001', 13600, 'Pending', '2024-07-02'],
    ]);
  });

  it('uses a preset when its signature is there, recording the actual header', async () => {
    const sniff = await sniffFile(path.join(fixtures, 'exports/google-ads-campaigns.csv'), 'report.csv');
    const s = suggestProfile(sniff.header, sniff.sampleRows);
    expect(s.presetId).toBe('google-ads-campaigns');
    expect(s.confidence).toBe('preset');
    expect(s.profile.expectedColumns).toEqual(sniff.header);
  });

  it('guesses day-first dates, decimal commas and snake_case names', () => {
    const header = ['transaction_id', 'created', 'gross', 'state', 'currency', 'customer_email'];
    const rows = [['a1', '31.07.2024', '1.234,50', 'paid', 'EUR', 'x@y.z'], ['a2', '01.08.2024', '12,00', 'failed', 'EUR', '']];
    const s = suggestProfile(header, rows);
    expect(s.profile.columns).toEqual({ id: 'transaction_id', date: 'created', amount: 'gross', status: 'state', currency: 'currency' });
    expect(s.profile.date?.format).toBe('DD.MM.YYYY');
    expect(s.profile.amount).toMatchObject({ decimalSeparator: ',', thousandsSeparator: '.' });
    expect(s.profile.attributes).toEqual({ email: 'customer_email' });
  });

  it('guessDateFormat and guessAmountFormat', () => {
    expect(guessDateFormat(['07/31/2024', '08/01/2024'])).toEqual({ format: 'MM/DD/YYYY', ambiguous: false });
    expect(guessDateFormat(['31/07/2024'])).toEqual({ format: 'DD/MM/YYYY', ambiguous: false });
    expect(guessDateFormat(['07/01/2024'])).toEqual({ format: 'MM/DD/YYYY', ambiguous: true });
    // Unpadded US dates (Salesforce, LinkedIn), an unpadded day-first date, AM/PM times, month names.
    expect(guessDateFormat(['1/7/2025', '12/30/2024'])).toEqual({ format: 'M/D/YYYY', ambiguous: false });
    expect(guessDateFormat(['1/7/2025', '3/2/2025'])).toEqual({ format: 'M/D/YYYY', ambiguous: true });
    expect(guessDateFormat(['16/1/2025'])).toEqual({ format: 'D/M/YYYY', ambiguous: false });
    expect(guessDateFormat(['1/16/2025 5:18 PM'])).toEqual({ format: 'M/D/YYYY h:mm A', ambiguous: false });
    expect(guessDateFormat(['January 1, 2025', 'March 31, 2025'])).toEqual({ format: 'MMMM D, YYYY', ambiguous: false });
    expect(guessDateFormat(['7 Feb 2025'])).toEqual({ format: 'D MMM YYYY', ambiguous: false });
    expect(guessDateFormat(['2024-07-01 10:00:00'])).toEqual({ format: 'iso', ambiguous: false });
    expect(guessDateFormat(['1719820800'])).toEqual({ format: 'epoch_s', ambiguous: false });
    expect(guessDateFormat(['soon'])).toBeNull();
    expect(guessAmountFormat(['388', '-12.5'])).toEqual({ decimalSeparator: '.', thousandsSeparator: '' });
    expect(guessAmountFormat(['"$3,200.00"'.slice(1, -1), '12.00'])).toEqual({ decimalSeparator: '.', thousandsSeparator: ',' });
    // "12,5" must not be read as twelve thousand-ish: a comma followed by 1 digit is a decimal comma
    expect(guessAmountFormat(['12,5', '1 234,56'])).toEqual({ decimalSeparator: ',', thousandsSeparator: ' ' });
    expect(guessAmountFormat(['n/a'])).toBeNull();
  });
});
