/**
 * Figures from pre-aggregated daily rows: ROMI, ROAS, cost per lead, cost per acquired customer,
 * revenue per lead, the lead -> deal -> paid funnel, per channel, campaign and month. Money stays
 * per currency unless an FX table converts it to one report currency.
 */
import type { DailyRow } from './build';
import { currencyDigits } from '@/lib/domain/money';

/**
 * Rates to the report currency: 1 unit of a currency = `rate` units of `base`. `monthly` (YYYY-MM ->
 * currency -> rate) wins for a row of that month; `rates` applies to any month. Minor units are scaled
 * by each currency's own digits (1 JPY has no minor unit, 1 USD has 100).
 */
export type FxTable = { base: string; rates?: Record<string, number>; monthly?: Record<string, Record<string, number>> };

/** The rate for a currency on a day, or undefined when the table has none. */
export function fxRate(fx: FxTable, currency: string, day: string): number | undefined {
  return fx.monthly?.[day.slice(0, 7)]?.[currency] ?? fx.rates?.[currency];
}

export type Figures = {
  currency: string;
  revenueMinor: bigint;
  refundMinor: bigint;
  /** Revenue minus refunds: what ROMI is computed on. */
  netRevenueMinor: bigint;
  notCountedMinor: bigint;
  spendMinor: bigint;
  leads: number;
  deals: number;
  paidDeals: number;
  paidTx: number;
  romi: number | null;
  roas: number | null;
  costPerLeadMinor: number | null;
  costPerCustomerMinor: number | null;
  revenuePerLeadMinor: number | null;
};

export type Funnel = { leads: number; deals: number; paid: number; leadToDeal: number | null; dealToPaid: number | null; leadToPaid: number | null };

type Acc = { revenue: bigint; refund: bigint; notCounted: bigint; spend: bigint; leadsMilli: number; dealsMilli: number; paidDealsMilli: number; paidTx: number };
const acc = (): Acc => ({ revenue: 0n, refund: 0n, notCounted: 0n, spend: 0n, leadsMilli: 0, dealsMilli: 0, paidDealsMilli: 0, paidTx: 0 });

function ratio(a: bigint, b: bigint): number | null {
  return b === 0n ? null : Number(a) / Number(b);
}

function convert(amount: bigint, currency: string, day: string, fx: FxTable | undefined): { amount: bigint; currency: string } | null {
  if (!fx || currency === '' || currency === fx.base) return { amount, currency };
  const rate = fxRate(fx, currency, day);
  if (rate === undefined) return null;
  // amount (minor units of currency) x rate x 10^(base digits - currency digits), in integers: rate in millionths.
  const shift = currencyDigits(fx.base) - currencyDigits(currency);
  let num = amount * BigInt(Math.round(rate * 1_000_000));
  let den = 1_000_000n;
  if (shift > 0) num *= 10n ** BigInt(shift);
  else if (shift < 0) den *= 10n ** BigInt(-shift);
  // round half away from zero
  const q = num / den;
  const r = num % den;
  return { amount: q + (r * 2n >= den ? 1n : r * 2n <= -den ? -1n : 0n), currency: fx.base };
}

function finish(currency: string, a: Acc): Figures {
  const net = a.revenue - a.refund;
  const leads = a.leadsMilli / 1000;
  const paidDeals = a.paidDealsMilli / 1000;
  return {
    currency,
    revenueMinor: a.revenue,
    refundMinor: a.refund,
    netRevenueMinor: net,
    notCountedMinor: a.notCounted,
    spendMinor: a.spend,
    leads,
    deals: a.dealsMilli / 1000,
    paidDeals,
    paidTx: a.paidTx,
    romi: a.spend === 0n ? null : Number(net - a.spend) / Number(a.spend),
    roas: ratio(net, a.spend),
    costPerLeadMinor: leads ? Math.round(Number(a.spend) / leads) : null,
    costPerCustomerMinor: paidDeals ? Math.round(Number(a.spend) / paidDeals) : null,
    revenuePerLeadMinor: leads ? Math.round(Number(net) / leads) : null,
  };
}

/**
 * Groups rows by `keyOf` and currency. Counts (leads, deals) are currency-free: each money currency
 * of a group sees the group's counts, so cost per lead is spend in that currency over all leads.
 * With an FX table every amount is converted to the base first; a currency without a rate is kept
 * apart (listed in `unconverted`) rather than mixed in silently.
 */
export function figuresBy(rows: readonly DailyRow[], keyOf: (r: DailyRow) => string, fx?: FxTable): { groups: Map<string, Figures[]>; unconverted: string[] } {
  const money = new Map<string, Map<string, Acc>>();
  const counts = new Map<string, Acc>();
  const unconverted = new Set<string>();
  for (const r of rows) {
    const g = keyOf(r);
    const c = counts.get(g) ?? acc();
    counts.set(g, c);
    c.leadsMilli += r.leadsMilli;
    c.dealsMilli += r.dealsMilli;
    c.paidDealsMilli += r.paidDealsMilli;
    if (r.currency === '') continue;
    const conv = (v: bigint) => convert(v, r.currency, r.day, fx);
    const probe = conv(0n);
    const cur = probe ? probe.currency : r.currency;
    if (!probe) unconverted.add(r.currency);
    const m = money.get(g) ?? new Map<string, Acc>();
    money.set(g, m);
    const a = m.get(cur) ?? acc();
    m.set(cur, a);
    a.revenue += probe ? conv(r.revenueMinor)!.amount : r.revenueMinor;
    a.refund += probe ? conv(r.refundMinor)!.amount : r.refundMinor;
    a.notCounted += probe ? conv(r.notCountedMinor)!.amount : r.notCountedMinor;
    a.spend += probe ? conv(r.spendMinor)!.amount : r.spendMinor;
    a.paidTx += r.paidTx;
  }
  const groups = new Map<string, Figures[]>();
  for (const [g, c] of counts) {
    const m = money.get(g);
    // A currency whose every amount is zero (a failed payment's row) says nothing: drop it beside real ones.
    const entries = m ? [...m.entries()].filter(([, a]) => a.revenue || a.refund || a.notCounted || a.spend) : [];
    const list = entries.length ? entries.sort(([a], [b]) => a.localeCompare(b)) : [[fx?.base ?? (m?.keys().next().value ?? ''), acc()] as const];
    groups.set(g, list.map(([cur, a]) => finish(cur, { ...a, leadsMilli: c.leadsMilli, dealsMilli: c.dealsMilli, paidDealsMilli: c.paidDealsMilli })));
  }
  return { groups, unconverted: [...unconverted].sort() };
}

export function funnelOf(rows: readonly DailyRow[]): Funnel {
  let l = 0;
  let d = 0;
  let p = 0;
  for (const r of rows) {
    l += r.leadsMilli;
    d += r.dealsMilli;
    p += r.paidDealsMilli;
  }
  return { leads: l / 1000, deals: d / 1000, paid: p / 1000, leadToDeal: l ? d / l : null, dealToPaid: d ? p / d : null, leadToPaid: l ? p / l : null };
}

export type RomiFilter = { from?: string | null; to?: string | null; channel?: string | null; campaign?: string | null };

export function filterRows(rows: readonly DailyRow[], f: RomiFilter): DailyRow[] {
  return rows.filter((r) => (!f.from || r.day >= f.from) && (!f.to || r.day <= f.to) && (!f.channel || r.channel === f.channel) && (!f.campaign || r.campaign === f.campaign));
}

export const byChannel = (r: DailyRow) => r.channel;
export const byCampaign = (r: DailyRow) => `${r.channel}\u0000${r.campaign}`;
export const byMonth = (r: DailyRow) => r.day.slice(0, 7);
export const all = () => 'all';
