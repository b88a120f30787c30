import { describe, expect, it } from 'vitest';
import { attribute, splitInteger } from './attribution';
import { touchesOf } from './channels';
import { channelFamily } from '@/lib/domain/channels';
import { AggregateBuilder, buildAggregates, type DealInput, type PaymentInput, type SpendInput } from './build';
import { all, byChannel, byMonth, figuresBy, filterRows, funnelOf } from './metrics';

// A fixed company. Deals (CRM), linked to payments by payment reference:
//   D1 2026-01-10 won:  first touch google/Brand, last touch facebook/Retarget  -> pays P1
//   D2 2026-01-20 won:  LinkedIn/ABM only                                        -> pays P2, refund P2R
//   D3 2026-02-05 open: Google Ads/Brand                                         -> no payment
//   D4 2026-02-10 won:  Meta Ads/Retarget                                        -> P4 still open
const deal = (recordId: number, key: string, date: string, status: string, attrs: Record<string, string>): DealInput => ({ recordId, key, txId: key, date, status, attrs });
const deals: DealInput[] = [
  deal(1, 'D1', '2026-01-10', 'Paid', { channel: 'google', campaign: 'Brand', utmSource: 'facebook', utmCampaign: 'Retarget', paymentRef: 'P1' }),
  deal(2, 'D2', '2026-01-20', 'Paid', { leadSource: 'LinkedIn', campaign: 'ABM', paymentRef: 'P2' }),
  deal(3, 'D3', '2026-02-05', 'Pending', { channel: 'Google Ads', campaign: 'Brand' }),
  deal(4, 'D4', '2026-02-10', 'Paid', { channel: 'Meta Ads', campaign: 'Retarget', paymentRef: 'P4' }),
];
const pay = (resultId: number, key: string, date: string, state: string, final: string | null, amount: bigint, currency = 'USD', attrs: Record<string, string> = {}): PaymentInput => ({
  resultId, key, date, state, amountMinor: amount, currency, finalStatus: final, finalAmountMinor: final ? amount : null, finalCurrency: final ? currency : null, attrs,
});
const payments: PaymentInput[] = [
  pay(11, 'P1', '2026-01-15', 'resolved', 'Paid', 100000n), //   1,000.00 USD paid
  pay(12, 'P2', '2026-02-01', 'resolved', 'Paid', 50001n), //      500.01 USD paid
  pay(13, 'P2R', '2026-02-03', 'resolved', 'Paid', -10000n, 'USD', { paymentRef: 'P2' }), // a 100.00 refund transaction
  pay(17, 'P2X', '2026-02-04', 'resolved', 'Refunded', 7000n, 'USD', { paymentRef: 'P2' }), // 70.00 paid then refunded: net 0
  pay(14, 'P4', '2026-02-12', 'open', null, 30000n), //            300.00 USD not yet counted
  pay(15, 'P5', '2026-02-14', 'resolved', 'Paid', 20000n, 'EUR'), // 200.00 EUR paid, no deal
  pay(16, 'P6', '2026-02-15', 'resolved', 'Failed', 99900n), //    failed: nothing
];
const spend = (recordId: number, date: string, channel: string, campaign: string, amountMinor: bigint): SpendInput => ({ recordId, date, channel, campaign, amountMinor, currency: 'USD' });
const spends: SpendInput[] = [
  spend(21, '2026-01-05', 'Google Ads', 'Brand', 40000n),
  spend(22, '2026-01-06', 'Meta Ads', 'Retarget', 20000n),
  spend(23, '2026-01-07', 'LinkedIn Ads', 'ABM', 30000n),
  spend(24, '2026-02-01', 'Google Ads', 'Brand', 10000n),
];
// The company's channel list maps its CRM's spellings ("google", "facebook") to its platforms' names.
const channelOf = (v: string) => channelFamily(v) ?? v;
const built = buildAggregates({ deals, payments, spend: spends, join: { payment: 'paymentRef', deal: 'paymentRef' }, channelOf });
const rowsOf = (model: string) => built.daily.filter((r) => r.model === model);
const usd = (m: Map<string, { currency: string }[]>, k: string) => m.get(k)!.find((f) => f.currency === 'USD') as ReturnType<typeof figuresBy>['groups'] extends Map<string, (infer F)[]> ? F : never;

describe('splitInteger', () => {
  it('splits exactly, remainder to the earliest largest remainder', () => {
    expect(splitInteger(100n, [1, 1, 1])).toEqual([34n, 33n, 33n]); // 33.33 each, one cent left -> first
    expect(splitInteger(50001n, [500000, 500000])).toEqual([25001n, 25000n]);
    expect(splitInteger(-5n, [1, 1])).toEqual([-3n, -2n]);
    expect(splitInteger(10n, [3, 1])).toEqual([8n, 2n]); // 7.5 and 2.5: tie goes to the first
  });
});

describe('attribution', () => {
  const t = touchesOf({ channel: 'google', campaign: 'Brand', utmSource: 'facebook', utmCampaign: 'Retarget' }, channelOf);
  it('reads the first touch from the original source and the last from the UTM source', () => {
    expect(t).toEqual([{ channel: 'Google Ads', campaign: 'Brand' }, { channel: 'Meta Ads', campaign: 'Retarget' }]);
  });
  it('gives the whole credit to one touch, or splits it evenly', () => {
    expect(attribute(t, 'last_touch')).toEqual([{ channel: 'Meta Ads', campaign: 'Retarget', weightPpm: 1_000_000 }]);
    expect(attribute(t, 'first_touch')).toEqual([{ channel: 'Google Ads', campaign: 'Brand', weightPpm: 1_000_000 }]);
    expect(attribute(t, 'linear').map((c) => c.weightPpm)).toEqual([500_000, 500_000]);
    expect(attribute([], 'linear')).toEqual([{ channel: 'Unattributed', campaign: '(none)', weightPpm: 1_000_000 }]);
  });
});

describe('ROMI on the fixed company, last touch', () => {
  const { groups } = figuresBy(rowsOf('last_touch'), byChannel);
  it('credits Meta with D1 (last touch) and computes every ratio', () => {
    const meta = usd(groups, 'Meta Ads');
    // revenue P1 1,000.00; spend 200.00 -> ROMI (1000-200)/200 = 4, ROAS 5
    expect(meta.netRevenueMinor).toBe(100000n);
    expect(meta.spendMinor).toBe(20000n);
    expect(meta.romi).toBe(4);
    expect(meta.roas).toBe(5);
    // leads D1 and D4 = 2, both won; only D1 is paid (P4 is open: 300.00 not yet counted)
    expect([meta.leads, meta.deals, meta.paidDeals]).toEqual([2, 2, 1]);
    expect(meta.notCountedMinor).toBe(30000n);
    expect(meta.costPerLeadMinor).toBe(10000); // 200.00 / 2
    expect(meta.costPerCustomerMinor).toBe(20000); // 200.00 / 1
    expect(meta.revenuePerLeadMinor).toBe(50000); // 1000.00 / 2
  });
  it('subtracts the refund from LinkedIn and leaves Google with spend only', () => {
    const li = usd(groups, 'LinkedIn Ads');
    // gross 500.01 + 70.00; refunds 100.00 + 70.00; net 400.01; (400.01 - 300.00) / 300.00 = 100.01/300
    expect(li.revenueMinor).toBe(57001n);
    expect(li.refundMinor).toBe(17000n);
    expect(li.netRevenueMinor).toBe(40001n);
    expect(li.romi).toBeCloseTo(10001 / 30000, 12);
    const google = usd(groups, 'Google Ads');
    // spend 400.00 + 100.00, no revenue: ROMI -1; one lead (D3), cost per lead 500.00, nobody acquired
    expect(google.spendMinor).toBe(50000n);
    expect(google.romi).toBe(-1);
    expect(google.leads).toBe(1);
    expect(google.costPerLeadMinor).toBe(50000);
    expect(google.costPerCustomerMinor).toBeNull();
  });
  it('keeps the unlinked EUR payment apart, unattributed, and never mixes currencies', () => {
    const un = groups.get('Unattributed')!;
    expect(un).toHaveLength(1);
    expect(un[0]!.currency).toBe('EUR');
    expect(un[0]!.netRevenueMinor).toBe(20000n);
    expect(un[0]!.romi).toBeNull(); // no spend
    const total = figuresBy(rowsOf('last_touch'), all).groups.get('all')!;
    expect(total.map((f) => [f.currency, f.netRevenueMinor])).toEqual([['EUR', 20000n], ['USD', 140001n]]);
  });
  it('per month: January (1000.00 - 900.00)/900.00, February (400.01 - 100.00)/100.00', () => {
    const { groups: months } = figuresBy(rowsOf('last_touch'), byMonth);
    expect(usd(months, '2026-01').romi).toBeCloseTo(10000 / 90000, 12);
    expect(usd(months, '2026-02').romi).toBeCloseTo(30001 / 10000, 12);
  });
  it('funnel: 4 leads, 3 won deals, 2 paid', () => {
    expect(funnelOf(rowsOf('last_touch'))).toEqual({ leads: 4, deals: 3, paid: 2, leadToDeal: 0.75, dealToPaid: 2 / 3, leadToPaid: 0.5 });
  });
  it('filters by channel and period', () => {
    expect(funnelOf(filterRows(rowsOf('last_touch'), { channel: 'Google Ads' })).leads).toBe(1);
    const jan = figuresBy(filterRows(rowsOf('last_touch'), { from: '2026-01-01', to: '2026-01-31' }), all).groups.get('all')!;
    expect(jan.map((f) => [f.currency, f.netRevenueMinor, f.spendMinor])).toEqual([['USD', 100000n, 90000n]]);
  });
});

describe('other models and FX', () => {
  it('first touch credits Google with D1: (1000.00 - 500.00)/500.00 = 1', () => {
    const { groups } = figuresBy(rowsOf('first_touch'), byChannel);
    expect(usd(groups, 'Google Ads').romi).toBe(1);
    expect(usd(groups, 'Meta Ads').romi).toBe(-1);
    expect(usd(groups, 'Meta Ads').leads).toBe(1);
  });
  it('linear halves D1: Google 500.00 revenue on 500.00 spend (0), Meta 500.00 on 200.00 (1.5); 1.5 leads each', () => {
    const { groups } = figuresBy(rowsOf('linear'), byChannel);
    expect(usd(groups, 'Google Ads').netRevenueMinor).toBe(50000n);
    expect(usd(groups, 'Google Ads').romi).toBe(0);
    expect(usd(groups, 'Meta Ads').romi).toBe(1.5);
    expect(usd(groups, 'Google Ads').leads).toBe(1.5);
    expect(usd(groups, 'Meta Ads').leads).toBe(1.5);
  });
  it('converts EUR at 1.10 into one USD figure: 1,620.01 net on 1,000.00 spend', () => {
    const { groups, unconverted } = figuresBy(rowsOf('last_touch'), all, { base: 'USD', rates: { EUR: 1.1 } });
    const [f] = groups.get('all')!;
    // 1000.00 + 500.01 + 200.00 x 1.10 = 1,720.01; minus 100.00 refund = 1,620.01; ROMI 620.01/1000
    expect(f!.currency).toBe('USD');
    expect(f!.netRevenueMinor).toBe(162001n);
    expect(f!.romi).toBeCloseTo(0.62001, 12);
    expect(unconverted).toEqual([]);
    expect(figuresBy(rowsOf('last_touch'), all, { base: 'USD', rates: {} }).unconverted).toEqual(['EUR']);
  });
  it('links 4 payments to deals by payment reference; by deal id none link', () => {
    expect(built.linkedPayments).toBe(5); // P1, P2, P2R, P2X, P4
    expect(buildAggregates({ deals, payments, spend: spends, join: { payment: 'dealId', deal: 'dealId' } }).linkedPayments).toBe(0);
  });

  it('gives the same figures and credits when the payments stream through in batches', () => {
    const builder = new AggregateBuilder({ deals, spend: spends, join: { payment: 'paymentRef', deal: 'paymentRef' }, channelOf });
    const credits = [...builder.addPayments(payments.slice(0, 2)), ...builder.addPayments(payments.slice(2, 5)), ...builder.addPayments(payments.slice(5))];
    const rest = builder.finish();
    const key = (r: object) => JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
    expect(rest.daily.map(key).sort()).toEqual(built.daily.map(key).sort());
    expect([...credits, ...rest.credits].map(key).sort()).toEqual(built.credits.map(key).sort());
    expect(builder.linkedPayments).toBe(built.linkedPayments);
    expect(builder.payments).toBe(payments.length);
  });

  it('gives the deals\' and spend\'s credits in batches of at most the size asked, the same as finish', () => {
    const join = { payment: 'paymentRef', deal: 'paymentRef' };
    const batched = new AggregateBuilder({ deals, spend: spends, join, channelOf });
    batched.addPayments(payments);
    const batches = [...batched.closingCredits(3)];
    const whole = new AggregateBuilder({ deals, spend: spends, join, channelOf });
    whole.addPayments(payments);
    const rest = whole.finish();
    const key = (r: object) => JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
    expect(batches.length).toBeGreaterThan(2);
    expect(batches.every((b) => b.length >= 1 && b.length <= 3 + 4)).toBe(true); // a deal's credits (one per model at most) stay in one batch
    expect(batches.flat().map(key)).toEqual(rest.credits.map(key));
    expect(batched.dailyRows().map(key).sort()).toEqual(rest.daily.map(key).sort());
  });

  it('reads the deals once, from any iterable, and keeps the deal basis\'s condition fields', () => {
    // Deal basis counting only deals whose "segment" is Enterprise: D1 is, D2 is not.
    const tagged = deals.map((d) => ({ ...d, attrs: { ...d.attrs, segment: d.key === 'D1' ? 'Enterprise' : 'SMB', notes: 'x'.repeat(100) } }));
    let read = 0;
    const once = function* () {
      for (const d of tagged) {
        read++;
        yield d;
      }
    };
    const revenue = { basis: 'deal' as const, conditions: [{ field: 'segment', values: ['enterprise'] }], sameAmount: false };
    const withAmounts = (d: DealInput): DealInput => ({ ...d, amountMinor: 100000n, currency: 'USD' });
    const streamed = buildAggregates({ deals: (function* () { for (const d of once()) yield withAmounts(d); })(), payments, spend: spends, join: { payment: 'paymentRef', deal: 'paymentRef' }, channelOf, revenue });
    const fromArray = buildAggregates({ deals: tagged.map(withAmounts), payments, spend: spends, join: { payment: 'paymentRef', deal: 'paymentRef' }, channelOf, revenue });
    expect(read).toBe(tagged.length);
    const key = (r: object) => JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
    expect(streamed.daily.map(key).sort()).toEqual(fromArray.daily.map(key).sort());
    // Only D1 (Enterprise, paid) counts its amount: 1,000.00 USD net (D2, SMB, has a refunded payment: in and out).
    const netOf = (rows: typeof streamed.daily) => rows.filter((r) => r.model === 'last_touch' && r.currency === 'USD').reduce((n, r) => n + r.revenueMinor - r.refundMinor, 0n);
    expect(netOf(streamed.daily)).toBe(100000n);
    const unconditioned = buildAggregates({ deals: tagged.map(withAmounts), payments, spend: spends, join: { payment: 'paymentRef', deal: 'paymentRef' }, channelOf, revenue: { ...revenue, conditions: [] } });
    expect(netOf(unconditioned.daily)).toBe(200000n); // D2 counts too without the condition
  });

  it('keeps one deal per key: its latest record, and of a key in several CRMs the source whose first record of it came last', () => {
    const join = { payment: 'paymentRef', deal: 'paymentRef' };
    const d = (recordId: number, sourceId: string, channel: string) => ({ ...deal(recordId, 'K', '2026-01-10', 'Paid', { channel, paymentRef: 'P1' }), sourceId });
    const dealOf = (records: DealInput[]) => {
      const built = buildAggregates({ deals: records, payments: payments.slice(0, 1), spend: [], join, channelOf });
      return built.credits.filter((c) => c.kind === 'deal').map((c) => `${c.ref} ${c.channel}`);
    };
    // The same source: its latest record (a stage or channel changed).
    expect(dealOf([d(1, 'A', 'google'), d(2, 'A', 'facebook')])).toEqual(['2 Meta Ads']);
    // B's first record of K came after A's: B's latest wins, a later record of A does not take it back.
    expect(dealOf([d(1, 'A', 'google'), d(2, 'B', 'facebook'), d(3, 'A', 'LinkedIn'), d(4, 'B', 'Meta Ads')])).toEqual(['4 Meta Ads']);
    expect(dealOf([d(1, 'A', 'google'), d(2, 'B', 'facebook'), d(3, 'A', 'LinkedIn')])).toEqual(['2 Meta Ads']);
  });

  it('stores a row\'s credits once when every model agrees, once per model when they differ', () => {
    const of = (kind: string, ref: number) => built.credits.filter((c) => c.kind === kind && c.ref === ref).map((c) => `${c.model} ${c.channel}/${c.campaign} ${c.weightPpm}`);
    // P5 has no deal: Unattributed under every model. D1 has two touches: the models differ.
    expect(of('payment', 15)).toEqual(['* Unattributed/(none) 1000000']);
    expect(of('payment', 11)).toEqual(['last_touch Meta Ads/Retarget 1000000', 'first_touch Google Ads/Brand 1000000', 'linear Google Ads/Brand 500000', 'linear Meta Ads/Retarget 500000']);
    // D2 has one touch (the same for every model); spend rows always agree.
    expect(of('deal', 2)).toEqual(['* LinkedIn Ads/ABM 1000000']);
    expect(of('spend', 21)).toEqual(['* Google Ads/Brand 1000000']);
    // The daily rows stay per model: the same Unattributed EUR revenue under each.
    for (const model of ['last_touch', 'first_touch', 'linear']) {
      expect(rowsOf(model).filter((r) => r.channel === 'Unattributed' && r.currency === 'EUR').map((r) => r.revenueMinor)).toEqual([20000n]);
    }
    // A build for some models only stores per model.
    const one = buildAggregates({ deals, payments, spend: spends, join: { payment: 'paymentRef', deal: 'paymentRef' }, channelOf, models: ['last_touch'] });
    expect(one.credits.filter((c) => c.kind === 'payment' && c.ref === 15).map((c) => c.model)).toEqual(['last_touch']);
  });
});
