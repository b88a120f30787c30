/**
 * ROMI storage: builds a run's pre-aggregate (RomiDaily, RomiCredit, RomiBuild) from its reconciled
 * rows, the CRM's deals and the ad platforms' spend; keeps it current when a resolution changes a
 * row; and answers the dashboard and its drill-downs from the pre-aggregate, never from raw rows.
 */
import {
  ATTRIBUTION_MODELS,
  buildAggregates,
  contributionOf,
  JOIN_FIELDS,
  normalizeChannel,
  splitInteger,
  type AttributionModel,
  type DailyRow,
  type DealInput,
  type JoinField,
  type PaymentInput,
  type RomiFilter,
  type SpendInput,
} from '@/lib/romi';
import type { ResultDetail } from '@/lib/features/review/types';
import { getPrisma } from '@/lib/server/db/client';
import { loggerFor } from '@/lib/server/observability/logger';
import { sourceFreshness as sourceFreshnessOf } from '@/lib/features/alerts/source-freshness';

type Client = ReturnType<typeof getPrisma>;
type Tx = Parameters<Parameters<Client['$transaction']>[0]>[0];

const WRITE_BATCH = 2000;

/** The payment-to-deal join: PAIDLINE_ROMI_JOIN (dealId | invoiceId | paymentRef | email), default paymentRef. */
export function romiJoinField(): JoinField {
  const v = process.env.PAIDLINE_ROMI_JOIN;
  return v && (JOIN_FIELDS as readonly string[]).includes(v) ? (v as JoinField) : 'paymentRef';
}

function parseAttrs(s: string | null): Record<string, string> {
  if (!s) return {};
  try {
    return JSON.parse(s) as Record<string, string>;
  } catch {
    return {};
  }
}

/** Records of a dataset that count: from committed ingestions or webhook events; the latest per (source, key). */
async function currentRecords(db: Client, dataset: 'deals' | 'spend') {
  const rows = await db.sourceRecord.findMany({
    where: { dataset, OR: [{ ingestionId: null }, { ingestion: { status: 'committed' } }], source: { archivedAt: null } },
    orderBy: { id: 'asc' },
    select: { id: true, sourceId: true, key: true, txId: true, date: true, amountMinor: true, currency: true, status: true, attrs: true, source: { select: { name: true } } },
  });
  const latest = new Map<string, (typeof rows)[number]>();
  for (const r of rows) latest.set(`${r.sourceId}\u0000${r.key}`, r);
  return [...latest.values()];
}

/**
 * Rebuilds the pre-aggregate of a completed run. The build marker is removed first and written last,
 * so the dashboard never reads a half-built aggregate.
 */
export async function rebuildRomi(runId: string, opts: { db?: Client; join?: JoinField } = {}): Promise<{ daily: number; credits: number; linkedPayments: number }> {
  const db = opts.db ?? getPrisma();
  const join = opts.join ?? romiJoinField();
  const started = Date.now();
  await db.romiBuild.deleteMany({ where: { runId } });

  const deals: DealInput[] = (await currentRecords(db, 'deals')).map((r) => ({ recordId: r.id, key: r.key, txId: r.txId, date: r.date, status: r.status, attrs: parseAttrs(r.attrs) }));
  const spend: SpendInput[] = (await currentRecords(db, 'spend')).map((r) => {
    const attrs = parseAttrs(r.attrs);
    return { recordId: r.id, date: r.date, channel: normalizeChannel(attrs.channel) ?? r.source.name, campaign: attrs.campaign ?? r.txId, amountMinor: r.amountMinor, currency: r.currency };
  });

  const payments: PaymentInput[] = [];
  let lastId = 0;
  for (;;) {
    const rows = await db.runResult.findMany({
      where: { runId, id: { gt: lastId } },
      orderBy: { id: 'asc' },
      take: WRITE_BATCH,
      select: { id: true, key: true, date: true, state: true, amountMinor: true, currency: true, finalStatus: true, finalAmountMinor: true, finalCurrency: true, detail: true },
    });
    if (!rows.length) break;
    lastId = rows[rows.length - 1]!.id;
    const recordIds = new Map<number, number[]>();
    for (const r of rows) {
      const detail = JSON.parse(r.detail) as ResultDetail;
      recordIds.set(r.id, detail.sources.map((s) => s.recordId).filter((x): x is number => typeof x === 'number'));
    }
    const ids = [...new Set([...recordIds.values()].flat())];
    const attrRows = ids.length ? await db.sourceRecord.findMany({ where: { id: { in: ids } }, select: { id: true, attrs: true } }) : [];
    const attrsById = new Map(attrRows.map((a) => [a.id, parseAttrs(a.attrs)]));
    for (const r of rows) {
      const attrs: Record<string, string> = {};
      for (const id of recordIds.get(r.id) ?? []) for (const [k, v] of Object.entries(attrsById.get(id) ?? {})) attrs[k] ??= v;
      payments.push({ resultId: r.id, key: r.key, date: r.date, state: r.state, amountMinor: r.amountMinor, currency: r.currency, finalStatus: r.finalStatus, finalAmountMinor: r.finalAmountMinor, finalCurrency: r.finalCurrency, attrs });
    }
    if (rows.length < WRITE_BATCH) break;
  }

  const built = buildAggregates({ deals, payments, spend, join });
  await db.romiDaily.deleteMany({ where: { runId } });
  await db.romiCredit.deleteMany({ where: { runId } });
  for (let i = 0; i < built.daily.length; i += WRITE_BATCH) {
    await db.romiDaily.createMany({ data: built.daily.slice(i, i + WRITE_BATCH).map((d) => ({ runId, ...d })) });
  }
  for (let i = 0; i < built.credits.length; i += WRITE_BATCH) {
    await db.romiCredit.createMany({ data: built.credits.slice(i, i + WRITE_BATCH).map((c) => ({ runId, ...c })) });
  }
  await db.romiBuild.create({
    data: { runId, builtAt: new Date(), joinField: join, linkedPayments: built.linkedPayments, payments: payments.length, deals: deals.length, spendRows: spend.length, durationMs: Date.now() - started },
  });
  return { daily: built.daily.length, credits: built.credits.length, linkedPayments: built.linkedPayments };
}

/** Called when a run completes: a failed rebuild is logged and leaves the run completed (the dashboard says it is missing). */
export async function rebuildRomiAfterRun(runId: string, db: Client): Promise<void> {
  try {
    await rebuildRomi(runId, { db });
  } catch (error) {
    loggerFor('romi', { runId }).error({ err: error }, 'ROMI pre-aggregate failed; the run stays completed and the dashboard says the figures are missing');
  }
}

export type RowFinal = { state: string; finalStatus: string | null; finalAmountMinor: bigint | null; finalCurrency: string | null };

type Delta = { revenueMinor: bigint; refundMinor: bigint; notCountedMinor: bigint; leadsMilli: number; dealsMilli: number; paidDealsMilli: number; paidTx: number };
const noDelta = (): Delta => ({ revenueMinor: 0n, refundMinor: 0n, notCountedMinor: 0n, leadsMilli: 0, dealsMilli: 0, paidDealsMilli: 0, paidTx: 0 });

async function addToDaily(tx: Tx, runId: string, model: string, day: string, channel: string, campaign: string, currency: string, d: Delta) {
  const where = { runId_model_day_channel_campaign_currency: { runId, model, day, channel, campaign, currency } };
  await tx.romiDaily.upsert({
    where,
    create: { runId, model, day, channel, campaign, currency, ...d },
    update: {
      revenueMinor: { increment: d.revenueMinor },
      refundMinor: { increment: d.refundMinor },
      notCountedMinor: { increment: d.notCountedMinor },
      paidDealsMilli: { increment: d.paidDealsMilli },
      dealsMilli: { increment: d.dealsMilli },
      paidTx: { increment: d.paidTx },
    },
  });
}

/**
 * Keeps a run's pre-aggregate current when one result row changes (inside the change's transaction):
 * subtracts what the row contributed before and adds what it contributes now, on the same credits
 * and with the same exact split as the build; flips its deal's "paid" count when that changed.
 */
export async function applyRomiRowChange(tx: Tx, runId: string, resultId: number, before: RowFinal, after: RowFinal): Promise<void> {
  const credits = await tx.romiCredit.findMany({ where: { runId, kind: 'payment', ref: resultId }, orderBy: { id: 'asc' } });
  if (!credits.length) return;
  const row = await tx.runResult.findUnique({ where: { id: resultId }, select: { amountMinor: true, currency: true } });
  if (!row) return;
  const was = contributionOf({ ...before, amountMinor: row.amountMinor, currency: row.currency });
  const now = contributionOf({ ...after, amountMinor: row.amountMinor, currency: row.currency });
  const dealKey = credits[0]!.dealKey;
  for (const model of ATTRIBUTION_MODELS) {
    const cs = credits.filter((c) => c.model === model);
    if (!cs.length) continue;
    const w = cs.map((c) => c.weightPpm);
    for (const [c, sign] of [[was, -1n], [now, 1n]] as const) {
      const rev = splitInteger(c.revenueMinor, w);
      const ref = splitInteger(c.refundMinor, w);
      const nc = splitInteger(c.notCountedMinor, w);
      for (let j = 0; j < cs.length; j++) {
        const d = { ...noDelta(), revenueMinor: sign * rev[j]!, refundMinor: sign * ref[j]!, notCountedMinor: sign * nc[j]!, paidTx: j === 0 ? Number(sign) * c.paidTx : 0 };
        if (!d.revenueMinor && !d.refundMinor && !d.notCountedMinor && !d.paidTx) continue;
        await addToDaily(tx, runId, model, cs[j]!.day, cs[j]!.channel, cs[j]!.campaign, c.currency, d);
      }
    }
  }
  // The deal is paid while at least one of its payments is reconciled Paid.
  if (!dealKey || was.paidTx === now.paidTx) return;
  const siblings = await tx.romiCredit.findMany({ where: { runId, kind: 'payment', dealKey, model: 'last_touch', ref: { not: resultId } }, select: { ref: true } });
  const otherPaid = siblings.length
    ? await tx.runResult.count({ where: { id: { in: siblings.map((s) => s.ref) }, state: 'resolved', finalStatus: 'Paid' } })
    : 0;
  if (otherPaid) return;
  const dealCredits = await tx.romiCredit.findMany({ where: { runId, kind: 'deal', dealKey }, orderBy: { id: 'asc' } });
  if (!dealCredits.length) return;
  const dealRecord = await tx.sourceRecord.findUnique({ where: { id: dealCredits[0]!.ref }, select: { status: true } });
  const crmWon = dealRecord?.status === 'Paid';
  const sign = now.paidTx > 0 ? 1 : -1;
  for (const model of ATTRIBUTION_MODELS) {
    const cs = dealCredits.filter((c) => c.model === model);
    const parts = splitInteger(1000n, cs.map((c) => c.weightPpm));
    for (let j = 0; j < cs.length; j++) {
      const n = sign * Number(parts[j]);
      await addToDaily(tx, runId, model, cs[j]!.day, cs[j]!.channel, cs[j]!.campaign, '', { ...noDelta(), paidDealsMilli: n, dealsMilli: crmWon ? 0 : n });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

export type RomiRunInfo = { runId: string; runCreatedAt: Date; builtAt: Date; joinField: string; linkedPayments: number; payments: number };

/**
 * The run the dashboard reports on: the newest completed run with a pre-aggregate that links payments
 * to deals (a run of payment systems only, without CRM links, would report everything unattributed);
 * else the newest completed run with a pre-aggregate.
 */
export async function dashboardRun(db: Client = getPrisma(), runId?: string | null): Promise<RomiRunInfo | null> {
  const builds = await db.romiBuild.findMany({ where: runId ? { runId } : {}, orderBy: { builtAt: 'desc' }, take: 50 });
  if (!builds.length) return null;
  const runs = await db.run.findMany({ where: { id: { in: builds.map((b) => b.runId) }, status: 'completed' }, select: { id: true, createdAt: true } });
  const created = new Map(runs.map((r) => [r.id, r.createdAt]));
  const usable = builds.filter((b) => created.has(b.runId)).sort((a, b) => created.get(b.runId)!.getTime() - created.get(a.runId)!.getTime());
  const pick = usable.find((b) => b.linkedPayments > 0) ?? usable[0];
  return pick ? { runId: pick.runId, runCreatedAt: created.get(pick.runId)!, builtAt: pick.builtAt, joinField: pick.joinField, linkedPayments: pick.linkedPayments, payments: pick.payments } : null;
}

/** The pre-aggregated rows of a run for one model and filter: the only table the dashboard reads. */
export async function romiDailyRows(runId: string, model: AttributionModel, f: RomiFilter, db: Client = getPrisma()): Promise<DailyRow[]> {
  const rows = await db.romiDaily.findMany({
    where: {
      runId,
      model,
      ...(f.channel ? { channel: f.channel } : {}),
      ...(f.campaign ? { campaign: f.campaign } : {}),
      ...(f.from || f.to ? { day: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lte: f.to } : {}) } } : {}),
    },
    select: { day: true, channel: true, campaign: true, currency: true, revenueMinor: true, refundMinor: true, notCountedMinor: true, spendMinor: true, leadsMilli: true, dealsMilli: true, paidDealsMilli: true, paidTx: true },
  });
  return rows.map((r) => ({ ...r, model }));
}

const SUMS = { revenueMinor: true, refundMinor: true, notCountedMinor: true, spendMinor: true, leadsMilli: true, dealsMilli: true, paidDealsMilli: true, paidTx: true } as const;

function dailyWhere(runId: string, model: AttributionModel, f: RomiFilter) {
  return {
    runId,
    model,
    ...(f.channel ? { channel: f.channel } : {}),
    ...(f.campaign ? { campaign: f.campaign } : {}),
    ...(f.from || f.to ? { day: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lte: f.to } : {}) } } : {}),
  };
}

type Sums = { [K in keyof typeof SUMS]: K extends `${string}Minor` ? bigint | null : number | null };
function fromSums(model: AttributionModel, key: { day?: string; channel?: string; campaign?: string; currency: string }, s: Sums): DailyRow {
  return {
    model,
    day: key.day ?? '',
    channel: key.channel ?? '',
    campaign: key.campaign ?? '',
    currency: key.currency,
    revenueMinor: s.revenueMinor ?? 0n,
    refundMinor: s.refundMinor ?? 0n,
    notCountedMinor: s.notCountedMinor ?? 0n,
    spendMinor: s.spendMinor ?? 0n,
    leadsMilli: s.leadsMilli ?? 0,
    dealsMilli: s.dealsMilli ?? 0,
    paidDealsMilli: s.paidDealsMilli ?? 0,
    paidTx: s.paidTx ?? 0,
  };
}

/**
 * The pre-aggregate summed in the database, for the dashboard: per (channel, campaign, currency) for
 * the tables, KPIs and funnel, and per (day, currency) for the trend. Rows carry '' for the dimension
 * they were summed over.
 */
export async function romiGrouped(runId: string, model: AttributionModel, f: RomiFilter, db: Client = getPrisma()) {
  const where = dailyWhere(runId, model, f);
  const [byCc, byDay] = await Promise.all([
    db.romiDaily.groupBy({ by: ['channel', 'campaign', 'currency'], where, _sum: SUMS }),
    db.romiDaily.groupBy({ by: ['day', 'currency'], where: { ...where, day: { ...(where.day ?? {}), gt: '0000-00-00' } }, _sum: SUMS }),
  ]);
  return {
    byChannelCampaign: byCc.map((g) => fromSums(model, g, g._sum as Sums)),
    byDay: byDay.map((g) => fromSums(model, g, g._sum as Sums)),
  };
}

/** Channels and campaigns present in a run's aggregate (for the filters). */
export async function romiDimensions(runId: string, db: Client = getPrisma()) {
  const rows = await db.romiDaily.groupBy({ by: ['channel', 'campaign'], where: { runId, model: 'last_touch' } });
  const days = await db.romiDaily.aggregate({ where: { runId, model: 'last_touch', day: { gt: '0000-00-00' } }, _min: { day: true }, _max: { day: true } });
  return { pairs: rows.map((r) => ({ channel: r.channel, campaign: r.campaign })), firstDay: days._min.day, lastDay: days._max.day };
}

/** When each source last delivered, and whether it is behind: how final the figures are (the one freshness query). */
export function sourceFreshness(db: Client = getPrisma(), now = new Date()) {
  return sourceFreshnessOf({ db, now });
}

export type DrillKind = 'revenue' | 'not_counted' | 'deals' | 'spend';

export type DrillPayment = { resultId: number; key: string; date: string | null; state: string; finalStatus: string | null; amountMinor: bigint; currency: string; channel: string; campaign: string; weightPpm: number; creditedMinor: bigint; dealKey: string | null };
export type DrillDeal = { recordId: number; key: string; date: string | null; status: string; source: string; channel: string; campaign: string; weightPpm: number; customer: string };
export type DrillSpend = { recordId: number; date: string | null; source: string; channel: string; campaign: string; amountMinor: bigint; currency: string };

function creditWhere(runId: string, model: AttributionModel, kind: string, f: RomiFilter) {
  return {
    runId,
    model,
    kind,
    ...(f.channel ? { channel: f.channel } : {}),
    ...(f.campaign ? { campaign: f.campaign } : {}),
    ...(f.from || f.to ? { day: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lte: f.to } : {}) } } : {}),
  };
}

/**
 * The rows behind a figure, in pages of `take` (keyset on the credit id): the reconciled
 * transactions counted as revenue (Paid, or Refunded subtracting), those not yet counted,
 * the deals (leads) or the spend rows.
 */
export async function drillDown(runId: string, model: AttributionModel, kind: DrillKind, f: RomiFilter, opts: { db?: Client; take?: number; after?: number } = {}) {
  const db = opts.db ?? getPrisma();
  const take = opts.take ?? 500;
  const creditKind = kind === 'revenue' || kind === 'not_counted' ? 'payment' : kind === 'deals' ? 'deal' : 'spend';
  const out: { payments: DrillPayment[]; deals: DrillDeal[]; spend: DrillSpend[]; next: number | null } = { payments: [], deals: [], spend: [], next: null };
  let after = opts.after ?? 0;
  for (;;) {
    const credits = await db.romiCredit.findMany({ where: { ...creditWhere(runId, model, creditKind, f), id: { gt: after } }, orderBy: { id: 'asc' }, take: take * 2 });
    if (!credits.length) return out;
    after = credits[credits.length - 1]!.id;
    const refs = [...new Set(credits.map((c) => c.ref))];
    if (creditKind === 'payment') {
      const rows = await db.runResult.findMany({ where: { id: { in: refs } }, select: { id: true, key: true, date: true, state: true, finalStatus: true, finalAmountMinor: true, finalCurrency: true, amountMinor: true, currency: true } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const c of credits) {
        const r = byId.get(c.ref);
        if (!r) continue;
        const contrib = contributionOf(r);
        const counted = contrib.revenueMinor !== 0n || contrib.refundMinor !== 0n;
        if (kind === 'revenue' ? !counted : contrib.notCountedMinor === 0n) continue;
        const all = await creditShare(db, c, kind === 'revenue' ? contrib.revenueMinor - contrib.refundMinor : contrib.notCountedMinor);
        out.payments.push({ resultId: r.id, key: r.key, date: r.date, state: r.state, finalStatus: r.finalStatus, amountMinor: kind === 'revenue' ? contrib.revenueMinor - contrib.refundMinor : contrib.notCountedMinor, currency: contrib.currency, channel: c.channel, campaign: c.campaign, weightPpm: c.weightPpm, creditedMinor: all, dealKey: c.dealKey });
        if (out.payments.length >= take) return { ...out, next: c.id };
      }
    } else if (creditKind === 'deal') {
      const rows = await db.sourceRecord.findMany({ where: { id: { in: refs } }, select: { id: true, key: true, date: true, status: true, attrs: true, source: { select: { name: true } } } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const c of credits) {
        const r = byId.get(c.ref);
        if (!r) continue;
        const attrs = parseAttrs(r.attrs);
        out.deals.push({ recordId: r.id, key: r.key, date: r.date, status: r.status, source: r.source.name, channel: c.channel, campaign: c.campaign, weightPpm: c.weightPpm, customer: attrs.customer ?? attrs.email ?? '' });
        if (out.deals.length >= take) return { ...out, next: c.id };
      }
    } else {
      const rows = await db.sourceRecord.findMany({ where: { id: { in: refs } }, select: { id: true, date: true, amountMinor: true, currency: true, source: { select: { name: true } } } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const c of credits) {
        const r = byId.get(c.ref);
        if (!r) continue;
        out.spend.push({ recordId: r.id, date: r.date, source: r.source.name, channel: c.channel, campaign: c.campaign, amountMinor: r.amountMinor, currency: r.currency });
        if (out.spend.length >= take) return { ...out, next: c.id };
      }
    }
    if (credits.length < take * 2) return out;
  }
}

/** The part of a row's amount credited to one of its credits (the same exact split as the aggregate). */
async function creditShare(db: Client, c: { runId: string; model: string; kind: string; ref: number; id: number; weightPpm: number }, amount: bigint): Promise<bigint> {
  if (c.weightPpm === 1_000_000) return amount;
  const siblings = await db.romiCredit.findMany({ where: { runId: c.runId, model: c.model, kind: c.kind, ref: c.ref }, orderBy: { id: 'asc' }, select: { id: true, weightPpm: true } });
  const parts = splitInteger(amount, siblings.map((s) => s.weightPpm));
  return parts[siblings.findIndex((s) => s.id === c.id)] ?? 0n;
}
