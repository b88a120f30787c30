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

  it('an empty id column falls back to other columns, each through its pattern (a bank whose Reference is often empty)', () => {
    const c = compileIngestProfile(
      { dataset: 'payments', columns: { id: 'Reference', status: 'Type', amount: 'Amount' }, idFallbacks: [{ column: 'Description', pattern: '(A-\\d+)' }, { column: 'Memo' }], currency: 'USD' },
      { name: 'bank', kind: 'bank' },
    );
    const b = c.bindHeader(['Booking Date', 'Description', 'Amount', 'Type', 'Reference', 'Memo']);
    if (!b.ok) throw new Error(b.message);
    expect(b.fromFields(['2025-01-05', 'PAYPAL A-20401', '405.00', 'paid', 'A-20401', ''], 2)).toMatchObject({ ok: true, record: { txId: 'A-20401', key: 'A-20401' } });
    expect(b.fromFields(['2025-01-15', 'PAYPAL A-20403', '7600.00', 'paid', '', ''], 3)).toMatchObject({ ok: true, record: { txId: 'A-20403', key: 'A-20403', amount: 760000 } });
    expect(b.fromFields(['2025-01-15', 'STRIPE a-20999 batch', '1.00', 'paid', ' ', ''], 4)).toMatchObject({ ok: true, record: { txId: 'a-20999', key: 'A-20999' } });
    // The pattern does not match: the next fallback, a column taken whole.
    expect(b.fromFields(['2025-01-16', 'Bank fee', '1.00', 'paid', '', 'FEE-7'], 5)).toMatchObject({ ok: true, record: { key: 'FEE-7' } });
    expect(b.fromFields(['2025-01-16', 'Bank fee', '1.00', 'paid', '', ''], 6)).toMatchObject({
      ok: false,
      error: { column: 'Reference', reason: '"Reference" is empty and no id was found in "Description" (pattern (A-\\d+)), then "Memo"' },
    });
    // A fallback column the file lacks is a missing column, named.
    const missing = c.bindHeader(['Booking Date', 'Description', 'Amount', 'Type', 'Reference']);
    expect(missing.ok ? null : missing.message).toMatch(/Column "Memo" is missing/);
    expect(() => compileIngestProfile({ dataset: 'payments', columns: { id: 'R', status: 'S', amount: 'A' }, idFallbacks: [{ column: 'D', pattern: '(' }] }, { name: 'b', kind: 'bank' })).toThrow(/invalid regular expression/);
  });

  it('a file with no status column can give every row one status (a bank statement of money received)', () => {
    const profile = { dataset: 'payments' as const, columns: { id: 'Reference', date: 'Booking Date', amount: 'Amount', currency: 'Currency' }, fixedStatus: 'Paid' as const };
    const b = compileIngestProfile(profile, { name: 'bank', kind: 'bank' }).bindHeader(['Booking Date', 'Description', 'Amount', 'Currency', 'Reference']);
    if (!b.ok) throw new Error(b.message);
    expect(b.fromFields(['2025-01-05', 'PAYPAL A-20401', '405.00', 'USD', 'A-20401'], 2)).toMatchObject({ ok: true, record: { key: 'A-20401', status: 'Paid', code: 'Paid', amount: 40500 } });
    // Without it, a payments file still needs a status column.
    expect(() => compileIngestProfile({ ...profile, fixedStatus: undefined }, { name: 'bank', kind: 'bank' })).toThrow(/a status column \(or one status for every row\) is required/);
  });
});
