/**
 * Money: integer minor units and an ISO 4217 currency, never floating point. A currency's minor-unit
 * digits come from Intl (CLDR): USD 2, JPY 0, KWD 3. Every amount shown, parsed or filtered in
 * Paidline goes through here, so ¥1,000 is ¥1,000 and not ¥10.
 */

export type Money = { minor: bigint | number; currency: string };

const digitsCache = new Map<string, number>();

/** Minor-unit digits of an ISO 4217 currency (2 when unknown or empty). */
export function currencyDigits(currency: string | undefined | null): number {
  if (!currency) return 2;
  let d = digitsCache.get(currency);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      d = 2;
    }
    digitsCache.set(currency, d);
  }
  return d;
}

/** Currencies whose minor unit is not the hundredth, grouped by digits (from Intl's list of ISO codes). */
export function currenciesByDigits(): ReadonlyMap<number, readonly string[]> {
  const groups = new Map<number, string[]>();
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('currency') : [];
  for (const c of all) {
    const d = currencyDigits(c);
    if (d === 2) continue;
    const list = groups.get(d) ?? [];
    list.push(c);
    groups.set(d, list);
  }
  return groups;
}

/** Exact major-unit decimal string of minor units ("-12.30", "1000" for JPY, "1.500" for KWD). */
export function minorToDecimal(minor: bigint | number, currency: string | null | undefined): string {
  const digits = currencyDigits(currency);
  const v = BigInt(minor);
  const neg = v < 0n;
  const abs = neg ? -v : v;
  if (digits === 0) return `${neg ? '-' : ''}${abs}`;
  const scale = 10n ** BigInt(digits);
  return `${neg ? '-' : ''}${abs / scale}.${(abs % scale).toString().padStart(digits, '0')}`;
}

/**
 * A decimal string in major units ("120", "120.5", "-3.25") as minor units of the currency, or null
 * when it is not a plain decimal. More decimals than the currency has are refused (null), or, with
 * `round`, rounded up or down (a filter's lower bound rounds up, its upper bound down).
 */
export function decimalToMinor(text: string, currency: string | null | undefined, opts: { round?: 'up' | 'down' } = {}): bigint | null {
  const m = /^\s*(-)?(\d{1,18})(?:\.(\d{1,18}))?\s*$/.exec(text);
  if (!m) return null;
  const digits = currencyDigits(currency);
  const negative = Boolean(m[1]);
  let frac = (m[3] ?? '').replace(/0+$/, '');
  let bump = 0n;
  if (frac.length > digits) {
    if (!opts.round) return null;
    // Toward +infinity for 'up', -infinity for 'down', whatever the sign.
    if ((opts.round === 'up') !== negative) bump = 1n;
    frac = frac.slice(0, digits);
  }
  const magnitude = BigInt(m[2]!) * 10n ** BigInt(digits) + BigInt(frac.padEnd(digits, '0') || '0') + bump;
  return negative && magnitude !== 0n ? -magnitude : magnitude;
}

export type MoneyFormat = {
  /** Show the minor digits (cents): "$12,345.67"; otherwise whole units, "$12,346". */
  cents?: boolean;
  /** "$12.3K". */
  compact?: boolean;
};

const formats = new Map<string, Intl.NumberFormat>();

/**
 * An Intl.NumberFormat for these options, made once and reused: making one costs tens of microseconds,
 * and a dashboard formats hundreds of figures per render.
 */
export function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}\u0000${JSON.stringify(options)}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, options);
    if (formats.size >= 500) formats.clear(); // currencies come from data: stay bounded
    formats.set(key, format);
  }
  return format;
}

/** Money for people: the currency's symbol and its own digits ("$12,345.67", "¥1,000", "KWD 1.500"). */
export function formatMoney(minor: bigint | number, currency: string | null | undefined, opts: MoneyFormat = {}): string {
  const digits = currencyDigits(currency);
  const decimal = minorToDecimal(minor, currency);
  const fraction = opts.cents ? digits : opts.compact ? Math.min(1, digits) : 0;
  const format = numberFormat('en-US', {
    ...(currency ? { style: 'currency', currency } : {}),
    notation: opts.compact ? 'compact' : 'standard',
    minimumFractionDigits: opts.compact ? 0 : fraction,
    maximumFractionDigits: fraction,
  });
  // A decimal string keeps every digit (Intl formats strings exactly; a Number would round past 2^53).
  return format.format(decimal as unknown as number);
}

/** Minor units as a plain number of major units, for charts (approximate by nature). */
export function minorToMajorNumber(minor: bigint | number, currency: string | null | undefined): number {
  return Number(minorToDecimal(minor, currency));
}
