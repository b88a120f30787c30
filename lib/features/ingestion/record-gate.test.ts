import { describe, expect, it } from 'vitest';
import { compileIngestProfile, IngestProfileSchema, IngestRecordSchema, passesRecordGate, type IngestRecord } from './profile';

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

describe('the gate\'s plain checks against its schema', () => {
  const base: IngestRecord = { dataset: 'payments', key: 'TX1', txId: 'tx1', line: 2, at: null, date: '2024-07-01', amount: 1234, currency: 'USD', status: 'Paid', code: 'paid', attrs: { email: 'a@example.com' } };
  const variants: Partial<Record<keyof IngestRecord, unknown[]>> = {
    key: ['', 'K', 'k'.repeat(512), 'k'.repeat(513), 'é€😀', 7, null],
    txId: ['', 't', 't'.repeat(512), 't'.repeat(513), undefined],
    amount: [0, -1, 1e15, -1e15, 1e15 + 1, -(1e15 + 1), 1.5, Number.NaN, Infinity, 2 ** 53, '12', null],
    currency: ['', 'USD', 'usd', 'US', 'USDT', 'U1D', ' USD', null],
    date: [null, '1970-01-01', '2100-12-31', '1969-12-31', '2101-01-01', '2024-7-01', '2024-07-01T00:00', '9999-99-99', '', 20240701],
    status: ['', 'Paid', 'Pending', 'Failed', 'Refunded', 'paid', 'Unknown', 'Completed', null],
    attrs: [{}, { a: '' }, { a: 'x'.repeat(1000) }, { a: 'x'.repeat(1001) }, { a: 'x', b: 3 }, { a: null }, [], null, 'x', new Map()],
  };

  it('accepts exactly what the schema accepts, field by field and in pairs', () => {
    const cases: IngestRecord[] = [base];
    const fields = Object.keys(variants) as (keyof IngestRecord)[];
    for (const f of fields) for (const v of variants[f]!) cases.push({ ...base, [f]: v } as IngestRecord);
    for (const f of fields) for (const g of fields) if (f < g) for (const v of variants[f]!) for (const w of variants[g]!) cases.push({ ...base, [f]: v, [g]: w } as IngestRecord);
    let accepted = 0;
    for (const r of cases) {
      const schema = IngestRecordSchema.safeParse(r).success;
      expect(passesRecordGate(r), JSON.stringify(r)).toBe(schema);
      if (schema) accepted++;
    }
    // Both verdicts are well represented.
    expect(accepted).toBeGreaterThan(100);
    expect(cases.length - accepted).toBeGreaterThan(100);
  });
});
