import { describe, expect, it } from 'vitest';
import { compileIngestProfile, IngestProfileSchema } from './profile';

const stripe = {
  dataset: 'payments' as const,
  columns: { id: 'id', status: 'Status', date: 'Created (UTC)', amount: 'Amount', currency: 'Currency' },
  amount: { thousandsSeparator: ',' as const },
};

describe('compileIngestProfile', () => {
  it('names the missing columns and what the profile expects', () => {
    const c = compileIngestProfile(stripe, { name: 'Stripe unified payments', kind: 'gateway' });
    const b = c.bindHeader(['id', 'Amount', 'Currency', 'Status']);
    expect(b).toEqual({
      ok: false,
      missing: ['Created (UTC)'],
      message: 'Column "Created (UTC)" is missing; the profile (Stripe unified payments) expects: id, Created (UTC), Amount, Currency, Status',
    });
  });

  it('binds case- and punctuation-insensitively and reports errors a person can act on', () => {
    const c = compileIngestProfile(stripe, { name: 'Stripe', kind: 'gateway' });
    const b = c.bindHeader(['ID', 'created utc', 'amount', 'currency', 'status']);
    if (!b.ok) throw new Error(b.message);
    expect(b.fromFields(['ch_1', '2024-07-01 10:00:00', '12,3x', 'usd', 'Paid'], 7)).toEqual({
      ok: false, error: { line: 7, column: 'amount', reason: 'amount "12,3x" is not a number in the format 1,234.56' },
    });
    expect(b.fromFields(['ch_1', '2024-02-31', '1.00', 'usd', 'Paid'], 8)).toEqual({
      ok: false, error: { line: 8, column: 'created utc', reason: 'created utc "2024-02-31" does not exist' },
    });
    expect(b.fromFields(['ch_1', '31/02/2024', '1.00', 'usd', 'Paid'], 9)).toMatchObject({
      ok: false, error: { reason: 'created utc "31/02/2024" does not match the date format ISO 8601 (2024-07-31 or 2024-07-31T14:05:00Z)' },
    });
    expect(b.fromFields(['ch_1', '2024-07-01', '1.001', 'usd', 'Paid'], 10)).toMatchObject({
      ok: false, error: { reason: 'amount "1.001" has more decimal places than USD allows' },
    });
    expect(b.fromFields(['ch_1', '2024-07-01', '1.00', 'US$', 'Paid'], 11)).toMatchObject({
      ok: false, error: { column: 'currency', reason: 'currency "US$" is not a 3-letter ISO 4217 currency code' },
    });
    expect(b.fromFields([' ', '2024-07-01', '1.00', 'usd', 'Paid'], 12)).toMatchObject({
      ok: false, error: { column: 'ID', reason: 'ID is empty; every row needs it to be matched' },
    });
    const ok = b.fromFields(['ch_1', '2024-07-01 10:00:00', '-$1,234.50', 'usd', 'Paid'], 13);
    expect(ok).toEqual({
      ok: true,
      record: {
        dataset: 'payments', key: 'CH_1', txId: 'ch_1', line: 13, at: Date.UTC(2024, 6, 1, 10), date: '2024-07-01',
        amount: -123450, currency: 'USD', status: 'Paid', code: 'Paid', attrs: {},
      },
    });
  });

  it('a date that does not exist in a day-first format', () => {
    const c = compileIngestProfile({ ...stripe, date: { format: 'DD/MM/YYYY' } }, { name: 'x', kind: 'gateway' });
    const b = c.bindHeader(['id', 'Created (UTC)', 'Amount', 'Currency', 'Status']);
    if (!b.ok) throw new Error(b.message);
    expect(b.fromFields(['a', '31/02/2024', '1', 'EUR', 'Paid'], 2)).toMatchObject({ ok: false, error: { reason: 'Created (UTC) "31/02/2024" does not exist' } });
  });

  it('requires a status for payments and deals, not for spend; ads maps to the engine', () => {
    expect(IngestProfileSchema.safeParse({ dataset: 'deals', columns: { id: 'x', amount: 'a' } }).success).toBe(false);
    const spend = compileIngestProfile({ dataset: 'spend', columns: { id: 'Campaign', amount: 'Cost' }, currency: 'USD' }, { name: 'ads', kind: 'ads' });
    expect(spend.requiredColumns).toEqual(['Campaign', 'Cost']);
    const b = spend.bindHeader(['Campaign', 'Cost']);
    if (!b.ok) throw new Error(b.message);
    expect(b.fromFields(['Brand', '1.5'], 2)).toMatchObject({ ok: true, record: { key: 'BRAND', amount: 150, currency: 'USD', status: '', code: '', at: null, date: null } });
  });

  it('debit/credit columns: amount = credit - debit; both empty is explained', () => {
    const c = compileIngestProfile({ dataset: 'payments', columns: { id: 'Ref', status: 'Type', debit: 'Debit', credit: 'Credit' }, currency: 'EUR' }, { name: 'x', kind: 'bank' });
    const b = c.bindHeader(['Ref', 'Type', 'Debit', 'Credit']);
    if (!b.ok) throw new Error(b.message);
    expect(b.fromFields(['r1', 'Settled', '12.50', ''], 2)).toMatchObject({ ok: true, record: { amount: -1250, status: 'Paid' } });
    expect(b.fromFields(['r2', 'Settled', '', ''], 3)).toMatchObject({ ok: false, error: { reason: 'Both Debit and Credit are empty; every row needs a debit or a credit' } });
  });

  it('idPattern extracts the reference used as id and key', () => {
    const c = compileIngestProfile({ dataset: 'payments', columns: { id: 'Description', status: 'Type', amount: 'Amount' }, idPattern: 'REF:\\s*(\\w+)', currency: 'USD' }, { name: 'bank', kind: 'bank' });
    const b = c.bindHeader(['Description', 'Type', 'Amount']);
    if (!b.ok) throw new Error(b.message);
    expect(b.fromFields(['Wire ref: ab12 from X', 'paid', '5'], 2)).toMatchObject({ ok: true, record: { txId: 'ab12', key: 'AB12', amount: 500 } });
    expect(b.fromFields(['Card purchase', 'paid', '5'], 3)).toMatchObject({ ok: true, record: { txId: 'Card purchase', key: 'CARD PURCHASE' } });
  });
});
