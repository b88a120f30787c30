import { contributionOf, creditModelsOf, splitInteger, type AttributionModel, type RomiFilter } from '@/lib/romi';
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { sourceNames } from '@/lib/server/db/source-records';
import { parseAttrs } from './rebuild-romi';

export type DrillKind = 'revenue' | 'not_counted' | 'deals' | 'spend';

export type DrillPayment = { resultId: number; key: string; date: string | null; state: string; finalStatus: string | null; amountMinor: bigint; currency: string; channel: string; campaign: string; weightPpm: number; creditedMinor: bigint; dealKey: string | null };
export type DrillDeal = { recordId: number; key: string; date: string | null; status: string; source: string; channel: string; campaign: string; weightPpm: number; customer: string };
export type DrillSpend = { recordId: number; date: string | null; source: string; channel: string; campaign: string; amountMinor: bigint; currency: string };

function creditWhere(runId: string, model: AttributionModel, kind: string, f: RomiFilter) {
  return {
    runId,
    model: { in: creditModelsOf(model) },
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
      const rows = await db.sourceRecord.findMany({ where: { id: { in: refs } }, select: { id: true, key: true, date: true, status: true, attrs: true, sourceId: true } });
      const names = await sourceNames(db, rows.map((r) => r.sourceId));
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const c of credits) {
        const r = byId.get(c.ref);
        if (!r) continue;
        const attrs = parseAttrs(r.attrs);
        out.deals.push({ recordId: r.id, key: r.key, date: r.date, status: r.status, source: names.get(r.sourceId) ?? '', channel: c.channel, campaign: c.campaign, weightPpm: c.weightPpm, customer: attrs.customer ?? attrs.email ?? '' });
        if (out.deals.length >= take) return { ...out, next: c.id };
      }
    } else {
      const rows = await db.sourceRecord.findMany({ where: { id: { in: refs } }, select: { id: true, date: true, amountMinor: true, currency: true, sourceId: true } });
      const names = await sourceNames(db, rows.map((r) => r.sourceId));
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const c of credits) {
        const r = byId.get(c.ref);
        if (!r) continue;
        out.spend.push({ recordId: r.id, date: r.date, source: names.get(r.sourceId) ?? '', channel: c.channel, campaign: c.campaign, amountMinor: r.amountMinor, currency: r.currency });
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
