import { describe, expect, it } from 'vitest';
import { compileIngestProfile, IngestProfileSchema } from './profile';

const profile = IngestProfileSchema.parse({
  dataset: 'payments',
  columns: { id: 'TransactionID', status: 'Status', amount: 'Amount', date: 'Date' },
  currency: 'USD',
  attributes: { email: 'Email' },
});
const header = ['TransactionID', 'Date', 'Amount', 'Status', 'Email'];
const bound = compileIngestProfile(profile, { name: 'Gateway', kind: 'gateway' }).bindHeader(header);
if (!bound.ok) throw new Error(bound.message);
const row = (fields: string[], line = 2) => bound.fromFields(fields, line);

describe('the last gate on every normalized row', () => {
  it('accepts an ordinary row', () => {
    expect(row(['TX1', '2024-07-01', '12.34', 'Completed', 'a@example.com'])).toMatchObject({
      ok: true,
      record: { key: 'TX1', amount: 1234, currency: 'USD', status: 'Paid', date: '2024-07-01', attrs: { email: 'a@example.com' } },
    });
  });

  it('refuses an absurd amount, naming the line and column', () => {
    // 50 trillion dollars: a safe integer in cents (5e15), but no payment is that large.
    expect(row(['TX2', '2024-07-01', '50000000000000.00', 'Completed', ''], 7)).toEqual({
      ok: false,
      error: { line: 7, column: 'Amount', reason: 'Amount: the amount is implausibly large (over 10^15 minor units)' },
    });
  });

  it('refuses dates outside 1970-2100 and over-long ids or fields', () => {
    expect(row(['TX3', '1850-01-01', '1', 'Completed', ''])).toMatchObject({ ok: false, error: { column: 'Date', reason: 'Date: the date is outside 1970-2100' } });
    expect(row(['X'.repeat(600), '2024-07-01', '1', 'Completed', ''])).toMatchObject({ ok: false, error: { column: 'TransactionID' } });
    expect(row(['TX4', '2024-07-01', '1', 'Completed', 'e'.repeat(1200)])).toMatchObject({ ok: false, error: { column: 'email', reason: expect.stringContaining('longer than 1000') } });
  });
});
