import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { currencyDigits, DEFAULT_AMOUNT_FORMAT, formatMinor, parseAmount, type AmountFormat } from './money';

const fmt = (p: Partial<AmountFormat> = {}): AmountFormat => ({ ...DEFAULT_AMOUNT_FORMAT, ...p });
const ok = (text: string, f = fmt(), digits = 2) => {
  const r = parseAmount(text, f, digits);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
};
const err = (text: string, f = fmt(), digits = 2) => {
  const r = parseAmount(text, f, digits);
  return r.ok ? null : r.reason;
};

describe('parseAmount', () => {
  it('parses major units into minor units by string, not float', () => {
    expect(ok('388')).toBe(38800);
    expect(ok('0.1')).toBe(10);
    expect(ok('0.29')).toBe(29); // 0.29 * 100 = 28.999999999999996 in floating point
    expect(ok('1.005', fmt(), 3)).toBe(1005);
    expect(ok('.5')).toBe(50);
    expect(ok('12.')).toBe(1200);
    expect(ok(' 42.10 ')).toBe(4210);
    expect(ok('10.5000')).toBe(1050); // extra zeros are fine
  });
  it('handles signs, parentheses and trailing minus', () => {
    expect(ok('-12.34')).toBe(-1234);
    expect(ok('+12.34')).toBe(1234);
    expect(ok('(12.34)')).toBe(-1234);
    expect(ok('12.34-')).toBe(-1234);
    expect(ok('-0')).toBe(0);
    expect(Object.is(ok('-0'), -0)).toBe(false);
    expect(ok('12.34', fmt({ sign: 'invert' }))).toBe(-1234);
    expect(ok('-12.34', fmt({ sign: 'absolute' }))).toBe(1234);
  });
  it('handles European formats and thousands separators', () => {
    expect(ok('1.234,56', fmt({ decimalSeparator: ',', thousandsSeparator: '.' }))).toBe(123456);
    expect(ok('1 234 567,8', fmt({ decimalSeparator: ',', thousandsSeparator: ' ' }))).toBe(123456780);
    expect(ok("1'000.25", fmt({ thousandsSeparator: "'" }))).toBe(100025);
    expect(ok('1,000.25', fmt({ thousandsSeparator: ',' }))).toBe(100025);
  });
  it('handles minor units and zero-decimal currencies', () => {
    expect(ok('1234', fmt({ units: 'minor' }))).toBe(1234);
    expect(ok('1234.00', fmt({ units: 'minor' }))).toBe(1234);
    expect(err('12.5', fmt({ units: 'minor' }))).toMatch(/not an integer/);
    expect(ok('500', fmt(), currencyDigits('JPY'))).toBe(500);
    expect(ok('1.234', fmt(), currencyDigits('KWD'))).toBe(1234);
  });
  it('rejects garbage precisely', () => {
    expect(err('')).toBe('empty amount');
    expect(err('abc')).toMatch(/unparseable/);
    expect(err('1,000.00')).toMatch(/unparseable/); // no thousands separator configured
    expect(err('1.2.3')).toMatch(/unparseable/);
    expect(err('12.345')).toMatch(/more than 2 decimal places/);
    expect(err('-')).toMatch(/unparseable/);
    expect(err('1e5')).toMatch(/unparseable/);
    expect(err('99999999999999999999')).toMatch(/too large/);
  });
  it('round-trips with formatMinor for any safe amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 50), max: 2 ** 50 }), fc.integer({ min: 0, max: 3 }), (v, d) => {
        expect(ok(formatMinor(v, d), fmt(), d)).toBe(v === 0 ? 0 : v);
      }),
    );
  });
});
