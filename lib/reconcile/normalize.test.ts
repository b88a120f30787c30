import { describe, expect, it } from 'vitest';
import { compileProfile, normalizeRecord } from './normalize';
import { SourceProfileSchema, type SourceProfileInput } from './schemas';

const bank: SourceProfileInput = {
  name: 'bank',
  kind: 'bank',
  columns: { id: 'Ref', status: 'State', date: 'Booked', debit: 'Debit', credit: 'Credit', currency: 'Ccy' },
  statusMap: { BOOKED: 'Paid', 'Rückbuchung': 'Refunded' },
  amount: { decimalSeparator: ',', thousandsSeparator: '.' },
  date: { format: 'DD.MM.YYYY', timeZone: 'Europe/Berlin' },
  key: { columns: ['Ref', 'Booked'] },
};

describe('normalizeRecord', () => {
  it('normalises a bank record: debit/credit, zone, mapped code, key with date', () => {
    const r = normalizeRecord(
      { Ref: ' tx-1 ', State: 'booked', Booked: '01.07.2024', Debit: '', Credit: '1.234,50', Ccy: 'eur' },
      bank,
      7,
    );
    expect(r).toEqual({
      ok: true,
      record: {
        key: 'TX-1|2024-07-01',
        line: 7,
        at: Date.UTC(2024, 5, 30, 22),
        date: '2024-07-01',
        amount: 123450,
        currency: 'EUR',
        status: 'Paid',
        code: 'booked',
      },
    });
    const d = normalizeRecord({ Ref: 'x', State: 'Rückbuchung', Booked: '01.07.2024', Debit: '10,00', Ccy: 'EUR' }, bank);
    expect(d.ok && d.record.amount).toBe(-1000);
    expect(d.ok && d.record.status).toBe('Refunded');
  });

  it('maps codes through the default glossary; unmapped codes become Unknown', () => {
    const gw: SourceProfileInput = { name: 'gw', kind: 'gateway', columns: { id: 'id', status: 's', amount: 'a' }, currency: 'USD' };
    const st = (s: string) => {
      const r = normalizeRecord({ id: '1', s, a: '1' }, gw);
      return r.ok ? [r.record.status, r.record.code] : null;
    };
    expect(st('succeeded')).toEqual(['Paid', 'succeeded']);
    expect(st(' Completed ')).toEqual(['Paid', 'Completed']);
    expect(st('closedwon')).toEqual(['Paid', 'closedwon']);
    expect(st('erp_completed')).toEqual(['Paid', 'erp_completed']);
    expect(st('Settled')).toEqual(['Paid', 'Settled']);
    expect(st('requires_capture')).toEqual(['Authorized', 'requires_capture']);
    expect(st('canceled')).toEqual(['Cancelled', 'canceled']);
    expect(st('zzz')).toEqual(['Unknown', 'zzz']);
    const own = { ...gw, statusMap: { ok: 'Paid' as const }, useDefaultGlossary: false };
    const r = normalizeRecord({ id: '1', s: 'succeeded', a: '1' }, own);
    expect(r.ok && r.record.status).toBe('Unknown');
  });

  it('returns precise errors naming line and column', () => {
    const p: SourceProfileInput = { name: 'a', kind: 'gateway', columns: { id: 'id', status: 's', amount: 'amt', date: 'd' } };
    expect(normalizeRecord({ id: '1', s: 'Paid', amt: '12,5', d: '2024-07-01' }, p, 3)).toEqual({
      ok: false,
      error: { line: 3, column: 'amt', reason: 'unparseable amount "12,5"' },
    });
    expect(normalizeRecord({ id: '1', s: 'Paid', amt: '1', d: '2024-31-01' }, p, 4)).toEqual({
      ok: false,
      error: { line: 4, column: 'd', reason: 'invalid date "2024-31-01"' },
    });
    expect(normalizeRecord({ id: '  ', s: 'Paid', amt: '1', d: '2024-01-01' }, p)).toEqual({
      ok: false,
      error: { column: 'id', reason: 'empty key' },
    });
    const b = compileProfile(p).bindHeader(['id', 's', 'd']);
    expect(b).toEqual({ ok: false, error: { line: 1, column: 'amt', reason: 'missing column "amt"' } });
  });

  it('accepts database values (numbers, Date objects)', () => {
    const p: SourceProfileInput = {
      name: 'db', kind: 'erp', columns: { id: 'id', status: 's', amount: 'minor', date: 'at' },
      amount: { units: 'minor' }, currency: 'EUR',
    };
    const r = normalizeRecord({ id: 42, s: 'erp_completed', minor: 1999, at: new Date(Date.UTC(2024, 0, 2, 3)) }, p);
    expect(r.ok && r.record).toMatchObject({ key: '42', amount: 1999, at: Date.UTC(2024, 0, 2, 3), date: '2024-01-02', status: 'Paid' });
  });

  it('keys are case-insensitive by default and can be case-sensitive', () => {
    const p: SourceProfileInput = { name: 'g', kind: 'gateway', columns: { id: 'id', status: 's', amount: 'a' } };
    const k = (prof: SourceProfileInput) => {
      const r = normalizeRecord({ id: ' pi_AbC ', s: 'paid', a: '1' }, prof);
      return r.ok ? r.record.key : null;
    };
    expect(k(p)).toBe('PI_ABC');
    expect(k({ ...p, key: { caseSensitive: true } })).toBe('pi_AbC');
  });

  it('validates profiles with zod', () => {
    const ok = SourceProfileSchema.safeParse({ name: 'g', kind: 'gateway', columns: { id: 'i', status: 's', amount: 'a' } });
    expect(ok.success && ok.data.amount).toEqual({ decimalSeparator: '.', thousandsSeparator: '', units: 'major', sign: 'as_is' });
    expect(ok.success && ok.data.date).toEqual({ format: 'iso', timeZone: 'UTC' });
    const bad = (x: unknown) => SourceProfileSchema.safeParse(x).success;
    expect(bad({ name: 'g', kind: 'psp', columns: { id: 'i', status: 's', amount: 'a' } })).toBe(false);
    expect(bad({ name: 'g', kind: 'bank', columns: { id: 'i', status: 's' } })).toBe(false);
    expect(bad({ name: 'g', kind: 'bank', columns: { id: 'i', status: 's', amount: 'a' }, date: { timeZone: 'Mars/Base' } })).toBe(false);
    expect(bad({ name: 'g', kind: 'bank', columns: { id: 'i', status: 's', amount: 'a' }, amount: { decimalSeparator: ',', thousandsSeparator: ',' } })).toBe(false);
    expect(bad({ name: 'g', kind: 'bank', columns: { id: 'i', status: 's', amount: 'a' }, statusMap: { x: 'Done' } })).toBe(false);
  });
});
