/**
 * Money is kept as integer minor units. Parsing is done on the string: no
 * floating point multiplication ever touches an amount.
 */

export interface AmountFormat {
  decimalSeparator: '.' | ',';
  /** '' means none is expected (any separator then makes the amount unparseable). */
  thousandsSeparator: '' | ',' | '.' | ' ' | "'" | '\u00a0' | '_';
  /** 'major' = 12.34 means 1234 minor units; 'minor' = the column already holds minor units. */
  units: 'major' | 'minor';
  /** as_is: keep the sign; invert: flip it; absolute: drop it. */
  sign: 'as_is' | 'invert' | 'absolute';
}

export const DEFAULT_AMOUNT_FORMAT: AmountFormat = {
  decimalSeparator: '.',
  thousandsSeparator: '',
  units: 'major',
  sign: 'as_is',
};

export { currencyDigits } from '@/lib/domain/money';

const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000];

export type AmountResult = { ok: true; value: number } | { ok: false; reason: string };

/**
 * Parses a textual amount into integer minor units.
 * Accepts a leading + or -, a trailing -, accounting parentheses, surrounding
 * spaces and the configured thousands separator. Rejects anything else,
 * including more fractional digits than the currency has (unless they are zeros).
 */
export function parseAmount(text: string, format: AmountFormat, digits: number): AmountResult {
  const s = text;
  let start = 0;
  let end = s.length;
  while (start < end && isSpace(s.charCodeAt(start))) start++;
  while (end > start && isSpace(s.charCodeAt(end - 1))) end--;
  if (start === end) return { ok: false, reason: 'empty amount' };
  let negative = false;
  let c = s.charCodeAt(start);
  if (c === 40 /* ( */ && s.charCodeAt(end - 1) === 41 /* ) */) {
    negative = true;
    start++;
    end--;
  } else if (c === 45 /* - */) {
    negative = true;
    start++;
  } else if (c === 43 /* + */) {
    start++;
  } else if (s.charCodeAt(end - 1) === 45) {
    negative = true;
    end--;
  }
  if (start >= end) return { ok: false, reason: `unparseable amount "${text}"` };
  const dec = format.decimalSeparator.charCodeAt(0);
  const th = format.thousandsSeparator === '' ? -1 : format.thousandsSeparator.charCodeAt(0);
  let intPart = 0;
  let intDigits = 0;
  let frac = 0;
  let fracDigits = 0;
  let inFrac = false;
  let extraNonZero = false;
  for (let i = start; i < end; i++) {
    c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      const d = c - 48;
      if (inFrac) {
        if (fracDigits < digits) {
          frac = frac * 10 + d;
          fracDigits++;
        } else if (d !== 0) {
          extraNonZero = true;
        }
      } else {
        intPart = intPart * 10 + d;
        intDigits++;
      }
    } else if (c === dec && !inFrac) {
      inFrac = true;
    } else if (c === th && !inFrac && intDigits > 0) {
      // thousands separator: tolerated between integer digits only
      const next = s.charCodeAt(i + 1);
      if (!(next >= 48 && next <= 57)) return { ok: false, reason: `unparseable amount "${text}"` };
    } else {
      return { ok: false, reason: `unparseable amount "${text}"` };
    }
  }
  if (intDigits === 0 && fracDigits === 0) return { ok: false, reason: `unparseable amount "${text}"` };
  if (extraNonZero) {
    return { ok: false, reason: `amount "${text}" has more than ${digits} decimal places` };
  }
  let value: number;
  if (format.units === 'minor') {
    if (inFrac && (fracDigits > 0 || frac !== 0)) {
      // "123.00" in a minor-unit column is tolerated only when the fraction is zero
      if (frac !== 0) return { ok: false, reason: `minor-unit amount "${text}" is not an integer` };
    }
    value = intPart;
  } else {
    const scale = POW10[digits] ?? 10 ** digits;
    value = intPart * scale + frac * (POW10[digits - fracDigits] ?? 10 ** (digits - fracDigits));
  }
  if (!Number.isSafeInteger(value)) return { ok: false, reason: `amount "${text}" is too large` };
  if (format.sign === 'absolute') negative = false;
  else if (format.sign === 'invert') negative = !negative;
  return { ok: true, value: negative && value !== 0 ? -value : value };
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 160;
}

/** Formats integer minor units as a major-unit decimal string ("-12.30"). */
export function formatMinor(value: number, digits: number): string {
  if (digits === 0) return String(value);
  const neg = value < 0;
  const abs = neg ? -value : value;
  const scale = POW10[digits] ?? 10 ** digits;
  const int = Math.floor(abs / scale);
  const frac = abs - int * scale;
  let f = String(frac);
  while (f.length < digits) f = '0' + f;
  return (neg ? '-' : '') + int + '.' + f;
}
