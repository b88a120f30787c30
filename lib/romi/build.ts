/**
 * Pre-aggregation: turns a run's reconciled payments, the CRM's deals and the ad platforms' spend
 * into daily rows by (model, day, channel, campaign, currency), plus the credits that let every
 * figure be traced back to its rows. Pure: the caller reads and writes the database.
 */
import { attribute, ATTRIBUTION_MODELS, NO_CAMPAIGN, PPM, splitInteger, storedCredits, UNATTRIBUTED, type AttributionModel, type CreditModel, type Touch } from './attribution';
import { touchesOf } from './channels';
import { isOpenReviewState } from '@/lib/domain/review';

/**
 * How a payment finds its deal: a payment field (`key`, or a mapped field) equal to a deal field (`id`, or
 * a mapped field). `paymentRef` on a payment falls back to its key and `dealId` on a deal to its id.
 */
export type Join = { payment: string; deal: string };

/** How a build counts revenue (lib/features/romi/settings.ts): by payment, or by deal with its conditions. */
export type RevenueBasis = { basis: 'payment' } | { basis: 'deal'; conditions: { field: string; values: string[] }[]; sameAmount: boolean };

/** RomiBuild.joinField: the join and basis it was built with, as JSON; older builds hold one field name for both sides. */
export function parseJoinField(s: string): Join & { basis: 'payment' | 'deal' } {
  if (s.startsWith('{')) {
    try {
      const v = JSON.parse(s) as Partial<Join & { basis: string }>;
      if (v.payment && v.deal) return { payment: v.payment, deal: v.deal, basis: v.basis === 'deal' ? 'deal' : 'payment' };
    } catch {
      // fall through: read as a field name
    }
  }
  return { payment: s, deal: s, basis: 'payment' };
}

export type DealInput = {
  recordId: number;
  key: string;
  txId: string;
  date: string | null;
  status: string;
  attrs: Record<string, string>;
  amountMinor?: bigint;
  currency?: string;
  /** The CRM source of the record (deals of several sources: see AggregateBuilder.addDeal). */
  sourceId?: string;
};
/**
 * A deal as the builder holds it, compact (a 1M-deal build held 1.6 GiB): no key (the map's), `attrs`
 * only the deal basis's condition fields (one shared empty object when there are none), `link` its join
 * value, `touches` shared between deals with the same touches, the repeated strings interned.
 */
type HeldDeal = { recordId: number; date: string | null; status: string; amountMinor?: bigint; currency?: string; attrs: Readonly<Record<string, string>>; link: string | null; touches: readonly Touch[]; sourceId: string };

const NO_ATTRS: Readonly<Record<string, string>> = Object.freeze({});
export type SpendInput = { recordId: number; date: string | null; channel: string; campaign: string; amountMinor: bigint; currency: string };
export type PaymentInput = {
  resultId: number;
  key: string;
  date: string | null;
  state: string;
  amountMinor: bigint;
  currency: string;
  finalStatus: string | null;
  finalAmountMinor: bigint | null;
  finalCurrency: string | null;
  /** Attributes of the payment's records (every source), for the join. */
  attrs: Record<string, string>;
};

/** What one reconciled row contributes: Paid revenue, refunds (subtract), or not yet counted. */
export type Contribution = { currency: string; revenueMinor: bigint; refundMinor: bigint; notCountedMinor: bigint; paidTx: number };


export function contributionOf(p: Pick<PaymentInput, 'state' | 'amountMinor' | 'currency' | 'finalStatus' | 'finalAmountMinor' | 'finalCurrency'>): Contribution {
  const currency = p.finalCurrency ?? p.currency;
  const zero = { currency, revenueMinor: 0n, refundMinor: 0n, notCountedMinor: 0n, paidTx: 0 };
  if (isOpenReviewState(p.state)) return { ...zero, currency: p.currency, notCountedMinor: p.amountMinor < 0n ? -p.amountMinor : p.amountMinor };
  if (p.state !== 'resolved') return zero; // written off: final, never revenue
  const amt = p.finalAmountMinor ?? 0n;
  const abs = amt < 0n ? -amt : amt;
  // A refund transaction of its own (Paid, negative amount) subtracts; a payment that ended Refunded
  // counts its gross amount and the same amount as refund (net 0): refunds always subtract.
  if (p.finalStatus === 'Paid') return amt < 0n ? { ...zero, refundMinor: abs } : { ...zero, revenueMinor: amt, paidTx: 1 };
  if (p.finalStatus === 'Refunded') return { ...zero, revenueMinor: abs, refundMinor: abs };
  return zero;
}

export type DailyRow = {
  model: AttributionModel;
  day: string;
  channel: string;
  campaign: string;
  /** '' for count-only rows (leads, deals). */
  currency: string;
  revenueMinor: bigint;
  refundMinor: bigint;
  notCountedMinor: bigint;
  spendMinor: bigint;
  /** Counts in thousandths (linear attribution splits a lead across touches). */
  leadsMilli: number;
  dealsMilli: number;
  paidDealsMilli: number;
  paidTx: number;
};

export type CreditRow = {
  /** EVERY_MODEL ('*') when the row's attributions agree under every model (stored once). */
  model: CreditModel;
  /** payment: ref = result id; deal: ref = deal record id; spend: ref = spend record id. */
  kind: 'payment' | 'deal' | 'spend';
  ref: number;
  dealKey: string | null;
  day: string;
  channel: string;
  campaign: string;
  currency: string;
  weightPpm: number;
  /** A deal's normalized join value (its payments find it by it); null for payments, spend, or a deal without one. */
  link: string | null;
};

/** What a set of payments that link to no deal adds to one day and currency (summed in SQL: lib/features/romi/unlinked-payments.ts). */
export type UnlinkedTotals = { day: string; currency: string; revenueMinor: bigint; refundMinor: bigint; notCountedMinor: bigint; paidTx: number; payments: number };

export const NO_DATE = '0000-00-00';

export function linkOfDeal(d: Pick<DealInput, 'attrs' | 'txId'>, field: string): string | null {
  const v = field === 'id' ? d.txId : (d.attrs[field] ?? (field === 'dealId' ? d.txId : undefined));
  return v ? v.trim().toUpperCase() : null;
}

export function linkOfPayment(p: Pick<PaymentInput, 'attrs' | 'key'>, field: string): string | null {
  const v = field === 'key' ? p.key : (p.attrs[field] ?? (field === 'paymentRef' ? p.key : undefined));
  return v ? v.trim().toUpperCase() : null;
}

/** Whether a deal meets every condition (its field equals one of the values, trimmed, any case). */
export function meetsConditions(attrs: Readonly<Record<string, string>>, conditions: readonly { field: string; values: readonly string[] }[]): boolean {
  return conditions.every((c) => {
    const v = (attrs[c.field] ?? '').trim().toLowerCase();
    return c.values.some((x) => x.trim().toLowerCase() === v);
  });
}

export type BuildInput = {
  /** Any iterable: the builder keeps what it needs of each deal (a generator lets the caller drop the rest as it goes). */
  deals: Iterable<DealInput>;
  payments: readonly PaymentInput[];
  spend: readonly SpendInput[];
  join: Join;
  revenue?: RevenueBasis;
  /** The company's channel for a value as written (Settings -> Channels); identity when absent. */
  channelOf?: (raw: string) => string;
  models?: readonly AttributionModel[];
};

export function emptyDaily(model: AttributionModel, day: string, channel: string, campaign: string, currency: string): DailyRow {
  return { model, day, channel, campaign, currency, revenueMinor: 0n, refundMinor: 0n, notCountedMinor: 0n, spendMinor: 0n, leadsMilli: 0, dealsMilli: 0, paidDealsMilli: 0, paidTx: 0 };
}

/**
 * Pre-aggregates one run or ledger in steps, so the payments can stream through in batches while
 * only the deals, the spend and the daily rows stay in memory: addPayments returns each batch's
 * credits (to be written) and adds its figures; finish gives the deals' and spend's credits and the
 * daily rows, once every payment is in (a deal is paid when at least one linked payment is
 * reconciled Paid). Deals: one per key (its latest record); a payment links to at most one deal.
 */
export class AggregateBuilder {
  readonly models: readonly AttributionModel[];
  linkedPayments = 0;
  payments = 0;
  private readonly daily = new Map<string, DailyRow>();
  /** Deals as the build reads them after construction: their touches, join value and the conditions' fields only (not every attribute of the CRM row). */
  private readonly deals = new Map<string, HeldDeal>();
  /** (source, key) of deals a later source's record of the same key displaced (see addDeal). */
  private readonly displaced = new Set<string>();
  /** Deals by join value (the first deal of a value wins), made when first read after deals were added. */
  private linked: Map<string, string> | null = null;
  /** One copy of each repeated string (days, statuses, currencies, sources) and of each touch list. */
  private readonly strings = new Map<string, string>();
  private readonly touchLists = new Map<string, readonly Touch[]>();
  private readonly kept: readonly string[];
  private readonly paidDeals = new Set<string>();
  /** Deal basis: deals with a refunded payment (and none reconciled Paid). */
  private readonly refundedDeals = new Set<string>();
  private readonly revenue: RevenueBasis;
  private readonly channelOf: (raw: string) => string;

  /** What the build reads after construction (not the deals: it holds its own trimmed copy). */
  private readonly input: Omit<BuildInput, 'payments' | 'deals'>;

  constructor({ deals, ...input }: Omit<BuildInput, 'payments'>) {
    this.input = input;
    this.models = input.models ?? ATTRIBUTION_MODELS;
    this.revenue = input.revenue ?? { basis: 'payment' };
    this.channelOf = input.channelOf ?? ((v) => v);
    this.kept = this.revenue.basis === 'deal' ? this.revenue.conditions.map((c) => c.field) : [];
    for (const d of deals) this.addDeal(d);
  }

  private intern<T extends string | null | undefined>(v: T): T {
    if (typeof v !== 'string') return v;
    const had = this.strings.get(v);
    if (had !== undefined) return had as T;
    this.strings.set(v, v);
    return v;
  }

  private touchList(attrs: Readonly<Record<string, string>>): readonly Touch[] {
    const touches = touchesOf(attrs, this.channelOf);
    const k = touches.map((t) => `${t.channel}\u0000${t.campaign}`).join('\u0001');
    const had = this.touchLists.get(k);
    if (had) return had;
    this.touchLists.set(k, touches);
    return touches;
  }

  /**
   * Adds a deal record, oldest first (before any payment). One deal per key: a key's latest record of
   * its source. When several sources hold the same key, the source whose first record of it came last
   * wins (a record of a source that another source displaced is ignored).
   */
  addDeal(d: DealInput): void {
    const source = this.intern(d.sourceId ?? '');
    const had = this.deals.get(d.key);
    if (had && had.sourceId !== source) {
      if (this.displaced.has(`${source}\u0000${d.key}`)) return;
      this.displaced.add(`${had.sourceId}\u0000${d.key}`);
    }
    let attrs = NO_ATTRS;
    if (this.kept.length) {
      const a: Record<string, string> = {};
      for (const f of this.kept) if (d.attrs[f] !== undefined) a[f] = d.attrs[f];
      attrs = a;
    }
    this.deals.set(d.key, {
      recordId: d.recordId,
      date: this.intern(d.date),
      status: this.intern(d.status),
      amountMinor: d.amountMinor,
      currency: this.intern(d.currency),
      attrs,
      link: linkOfDeal(d, this.input.join.deal),
      touches: this.touchList(d.attrs),
      sourceId: source,
    });
    this.linked = null;
  }

  /** Deals held (one per key). */
  get dealCount(): number {
    return this.deals.size;
  }

  /** Deals by join value: the first deal (in the order keys came) of each value. */
  private get byLink(): Map<string, string> {
    if (!this.linked) {
      this.linked = new Map();
      for (const [key, d] of this.deals) if (d.link && !this.linked.has(d.link)) this.linked.set(d.link, key);
    }
    return this.linked;
  }

  /** Deal basis: whether a payment makes its deal count (reconciled Paid, at the deal's amount when asked). */
  private paysDeal(p: PaymentInput, dealKey: string): boolean {
    if (contributionOf(p).paidTx === 0) return false;
    if (this.revenue.basis !== 'deal' || !this.revenue.sameAmount) return true;
    const d = this.deals.get(dealKey)!;
    return d.amountMinor === undefined || (p.finalAmountMinor === d.amountMinor && (p.finalCurrency ?? p.currency) === (d.currency ?? p.currency));
  }

  private row(model: AttributionModel, day: string, channel: string, campaign: string, currency: string): DailyRow {
    const k = `${model}|${day}|${channel}|${campaign}|${currency}`;
    let r = this.daily.get(k);
    if (!r) this.daily.set(k, (r = emptyDaily(model, day, channel, campaign, currency)));
    return r;
  }

  /** The deal a payment's join value links it to (null: none). */
  dealOfLink(link: string | null): string | null {
    return link ? (this.byLink.get(link) ?? null) : null;
  }

  /** How the credit of a payment without a deal is stored: the models (EVERY_MODEL when they all agree) and its one credit. */
  unlinkedCredit(): { models: CreditModel[]; channel: string; campaign: string; weightPpm: number } {
    const credit = attribute([], this.models[0] ?? 'last_touch')[0]!;
    return { models: storedCredits(this.models, this.models.map((m) => attribute([], m))).map((s) => s.model), ...credit };
  }

  /**
   * Adds payments that link to no deal by their totals per day and currency (their credits are written
   * apart, in SQL): the same figures as addPayments would add one by one. Deal basis: they count nothing
   * (their daily rows still exist, as addPayments makes them).
   */
  addUnlinked(totals: readonly UnlinkedTotals[]): void {
    const byDeal = this.revenue.basis === 'deal';
    for (const t of totals) {
      this.payments += t.payments;
      for (const model of this.models) {
        for (const cr of attribute([], model)) {
          const r = this.row(model, t.day, cr.channel, cr.campaign, t.currency);
          if (byDeal) continue;
          r.revenueMinor += t.revenueMinor;
          r.refundMinor += t.refundMinor;
          r.notCountedMinor += t.notCountedMinor;
          r.paidTx += t.paidTx;
        }
      }
    }
  }

  /** Adds a batch of payments to the figures; returns their credits. */
  addPayments(payments: readonly PaymentInput[]): CreditRow[] {
    const credits: CreditRow[] = [];
    const linked = payments.map((p) => {
      const dealKey = this.dealOfLink(linkOfPayment(p, this.input.join.payment));
      if (dealKey) this.linkedPayments++;
      if (dealKey && this.paysDeal(p, dealKey)) this.paidDeals.add(dealKey);
      if (dealKey && p.state === 'resolved' && p.finalStatus === 'Refunded') this.refundedDeals.add(dealKey);
      return dealKey;
    });
    this.payments += payments.length;
    const byDeal = this.revenue.basis === 'deal';
    payments.forEach((p, i) => {
      const dealKey = linked[i]!;
      const day = p.date ?? NO_DATE;
      const touches = dealKey ? this.deals.get(dealKey)!.touches : [];
      // Deal basis: the figures come from the deals (finish); the payment keeps its credits, for the drill-down.
      const c = byDeal ? { ...contributionOf(p), revenueMinor: 0n, refundMinor: 0n, notCountedMinor: 0n, paidTx: 0 } : contributionOf(p);
      const perModel = this.models.map((model) => attribute(touches, model));
      this.models.forEach((model, m) => {
        const cs = perModel[m]!;
        const w = cs.map((x) => x.weightPpm);
        const rev = splitInteger(c.revenueMinor, w);
        const ref = splitInteger(c.refundMinor, w);
        const nc = splitInteger(c.notCountedMinor, w);
        cs.forEach((cr, j) => {
          const r = this.row(model, day, cr.channel, cr.campaign, c.currency);
          r.revenueMinor += rev[j]!;
          r.refundMinor += ref[j]!;
          r.notCountedMinor += nc[j]!;
          r.paidTx += c.paidTx && j === 0 ? 1 : 0;
        });
      });
      for (const { model, credits: cs } of storedCredits(this.models, perModel)) {
        for (const cr of cs) credits.push({ model, kind: 'payment', ref: p.resultId, dealKey, day, channel: cr.channel, campaign: cr.campaign, currency: c.currency, weightPpm: cr.weightPpm, link: null });
      }
    });
    return credits;
  }

  /** After the last payment: the deals' and spend's credits, and every daily row. */
  finish(): { daily: DailyRow[]; credits: CreditRow[] } {
    const credits: CreditRow[] = [];
    for (const batch of this.closingCredits(Number.MAX_SAFE_INTEGER)) for (const c of batch) credits.push(c);
    return { daily: this.dailyRows(), credits };
  }

  /** Every daily row; complete once closingCredits has run to its end. */
  dailyRows(): DailyRow[] {
    return [...this.daily.values()];
  }

  /**
   * After the last payment: the deals' and spend's credits, `size` at a time (written as they come
   * instead of held: 100k deals make several hundred thousand credits), adding their figures to the
   * daily rows as it goes.
   */
  *closingCredits(size = 10_000): Generator<CreditRow[]> {
    let credits: CreditRow[] = [];
    const basis = this.revenue;
    for (const [key, d] of this.deals) {
      if (credits.length >= size) {
        yield credits;
        credits = [];
      }
      const day = d.date ?? NO_DATE;
      const link = d.link;
      const won = d.status === 'Paid' || this.paidDeals.has(key);
      // Deal basis: a won deal counts its own amount once its payment is reconciled Paid and it meets the
      // conditions; a refunded one counts nothing (its amount in and out); any other waits, not yet counted.
      const counted = basis.basis === 'deal' ? won && this.paidDeals.has(key) && meetsConditions(d.attrs, basis.conditions) : this.paidDeals.has(key);
      const paid = counted;
      const money = basis.basis === 'deal' && won && d.amountMinor !== undefined ? { amount: d.amountMinor, currency: d.currency ?? '' } : null;
      const refunded = !counted && this.refundedDeals.has(key);
      const perModel = this.models.map((model) => attribute(d.touches, model));
      this.models.forEach((model, m) => {
        const cs = perModel[m]!;
        const w = cs.map((x) => x.weightPpm);
        const leads = splitInteger(1000n, w);
        const split = money ? splitInteger(money.amount, w) : [];
        cs.forEach((cr, j) => {
          const r = this.row(model, day, cr.channel, cr.campaign, '');
          r.leadsMilli += Number(leads[j]);
          if (won) r.dealsMilli += Number(leads[j]);
          if (paid) r.paidDealsMilli += Number(leads[j]);
          if (money) {
            const mr = this.row(model, day, cr.channel, cr.campaign, money.currency);
            if (counted) {
              mr.revenueMinor += split[j]!;
              if (j === 0) mr.paidTx += 1;
            } else if (refunded) {
              mr.revenueMinor += split[j]!;
              mr.refundMinor += split[j]!;
            } else mr.notCountedMinor += split[j]!;
          }
        });
      });
      for (const { model, credits: cs } of storedCredits(this.models, perModel)) {
        for (const cr of cs) credits.push({ model, kind: 'deal', ref: d.recordId, dealKey: key, day, channel: cr.channel, campaign: cr.campaign, currency: money?.currency ?? '', weightPpm: cr.weightPpm, link });
      }
    }
    for (const s of this.input.spend) {
      if (credits.length >= size) {
        yield credits;
        credits = [];
      }
      const day = s.date ?? NO_DATE;
      const campaign = s.campaign.trim() || NO_CAMPAIGN;
      const channel = this.channelOf(s.channel);
      for (const model of this.models) this.row(model, day, channel, campaign, s.currency).spendMinor += s.amountMinor;
      const spendCredit = [{ channel, campaign, weightPpm: PPM }];
      for (const { model } of storedCredits(this.models, this.models.map(() => spendCredit))) {
        credits.push({ model, kind: 'spend', ref: s.recordId, dealKey: null, day, channel, campaign, currency: s.currency, weightPpm: PPM, link: null });
      }
    }
    if (credits.length) yield credits;
  }
}

/** Pre-aggregates one run with every payment at hand (AggregateBuilder in one step). */
export function buildAggregates(input: BuildInput): { daily: DailyRow[]; credits: CreditRow[]; linkedPayments: number } {
  const builder = new AggregateBuilder(input);
  const payments = builder.addPayments(input.payments);
  const rest = builder.finish();
  return { daily: rest.daily, credits: [...payments, ...rest.credits], linkedPayments: builder.linkedPayments };
}

export { UNATTRIBUTED };
