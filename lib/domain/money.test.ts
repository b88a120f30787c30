import { describe, expect, it } from 'vitest';
import { currenciesByDigits, currencyDigits, decimalToMinor, formatMoney, minorToDecimal, minorToMajorNumber } from './money';

describe('Money', () => {
  it('knows each currency’s minor-unit digits', () => {
    expect(currencyDigits('USD')).toBe(2);
    expect(currencyDigits('JPY')).toBe(0);
    expect(currencyDigits('KWD')).toBe(3);
    expect(currencyDigits('')).toBe(2);
    expect(currencyDigits('NOT A CURRENCY')).toBe(2);
    const groups = currenciesByDigits();
    expect(groups.get(0)).toContain('JPY');
    expect(groups.get(3)).toContain('KWD');
    expect([...groups.values()].flat()).not.toContain('USD');
  });

  it('formats USD, JPY (0 digits) and KWD (3 digits) with their own digits', () => {
    expect(formatMoney(1_234_567, 'USD', { cents: true })).toBe('$12,345.67');
    expect(formatMoney(1_234_567, 'USD')).toBe('$12,346');
    expect(formatMoney(1000, 'JPY')).toBe('¥1,000');
    expect(formatMoney(1000, 'JPY', { cents: true })).toBe('¥1,000');
    expect(formatMoney(1500, 'KWD', { cents: true })).toBe('KWD\u00a01.500');
    expect(formatMoney(1500, 'KWD')).toBe('KWD\u00a02');
    expect(formatMoney(250_000_00, 'EUR', { compact: true })).toBe('€250K');
  });

  it('formats negative amounts', () => {
    expect(formatMoney(-1050, 'USD', { cents: true })).toBe('-$10.50');
    expect(formatMoney(-1000, 'JPY')).toBe('-¥1,000');
    expect(formatMoney(-1, 'KWD', { cents: true })).toBe('-KWD\u00a00.001');
  });

  it('keeps every digit of amounts beyond 2^53', () => {
    expect(formatMoney(123456789012345678n, 'USD', { cents: true })).toBe('$1,234,567,890,123,456.78');
    expect(minorToDecimal(-123456789012345678n, 'USD')).toBe('-1234567890123456.78');
  });

  it('converts between decimal strings and minor units exactly, refusing more decimals than the currency has', () => {
    expect(minorToDecimal(1230, 'USD')).toBe('12.30');
    expect(minorToDecimal(5, 'USD')).toBe('0.05');
    expect(minorToDecimal(1000, 'JPY')).toBe('1000');
    expect(minorToDecimal(1500, 'KWD')).toBe('1.500');
    expect(decimalToMinor('120.5', 'USD')).toBe(12050n);
    expect(decimalToMinor('120', 'JPY')).toBe(120n);
    expect(decimalToMinor('1.5', 'KWD')).toBe(1500n);
    expect(decimalToMinor('-3.25', 'USD')).toBe(-325n);
    expect(decimalToMinor('1.50', 'JPY')).toBeNull();
    expect(decimalToMinor('1.005', 'USD')).toBeNull();
    expect(decimalToMinor('1.00', 'JPY')).toBe(1n);
    expect(decimalToMinor('12,50', 'USD')).toBeNull();
    expect(decimalToMinor('120.50', 'JPY', { round: 'up' })).toBe(121n);
    expect(decimalToMinor('120.50', 'JPY', { round: 'down' })).toBe(120n);
    expect(decimalToMinor('-120.5', 'JPY', { round: 'up' })).toBe(-120n);
    expect(decimalToMinor('-120.5', 'JPY', { round: 'down' })).toBe(-121n);
    expect(decimalToMinor('0.0001', 'KWD', { round: 'up' })).toBe(1n);
    expect(decimalToMinor('12.345', 'USD', { round: 'down' })).toBe(1234n);
    expect(minorToMajorNumber(1234, 'USD')).toBe(12.34);
    expect(minorToMajorNumber(1234, 'JPY')).toBe(1234);
  });
});
