/**
 * Revenue by deal (./settings.ts, basis 'deal'): when a payment entry's review state changes, its deal's
 * figures move by the difference between what the deal counted before and what it counts now (its whole
 * amount, refunded, or not yet counted), on the deal's own credits (close day, channel, campaign) with
 * the build's exact split: the same aggregate a rebuild gives, in the change's transaction.
 */
import { ATTRIBUTION_MODELS, contributionOf, creditModelsOf, creditsOfModel, meetsConditions, splitInteger } from '@/lib/romi';
import { type Tx } from './rebuild-romi';
import { parseAttrs } from './attrs';
import { addDailyDeltas, type DailyDelta, type RowFinal } from './daily-deltas';
import { parseRomiSettings } from './settings';

type Entry = RowFinal & { amountMinor: bigint; currency: string };
type DealState = 'counted' | 'refunded' | 'waiting' | 'none';

function dealState(won: boolean, deal: { amountMinor: bigint; currency: string; attrs: Record<string, string> }, entries: readonly Entry[], s: ReturnType<typeof parseRomiSettings>): DealState {
  if (!won) return 'none';
  const pays = (e: Entry) => contributionOf(e).paidTx > 0 && (!s.sameAmount || (e.finalAmountMinor === deal.amountMinor && (e.finalCurrency ?? e.currency) === deal.currency));
  if (entries.some(pays) && meetsConditions(deal.attrs, s.dealConditions)) return 'counted';
  if (entries.some((e) => e.state === 'resolved' && e.finalStatus === 'Refunded')) return 'refunded';
  return 'waiting';
}

/** Moves the figures of the deal of one changed entry (the caller took the aggregate's turn, takeAggregateTurn); false when the entry links to no deal (nothing moves). */
export async function applyDealChange(tx: Tx, runId: string, resultId: number, before: RowFinal, after: RowFinal): Promise<boolean> {
  const mine = await tx.romiCredit.findFirst({ where: { runId, kind: 'payment', ref: resultId, dealKey: { not: null } }, select: { dealKey: true } });
  if (!mine?.dealKey) return false;
  const dealKey = mine.dealKey;
  const dealCredits = await tx.romiCredit.findMany({ where: { runId, kind: 'deal', dealKey }, orderBy: { id: 'asc' } });
  if (!dealCredits.length) return false;
  const record = await tx.sourceRecord.findUnique({ where: { id: dealCredits[0]!.ref }, select: { status: true, amountMinor: true, currency: true, attrs: true } });
  if (!record) return false;
  const rec = await tx.reconciliation.findUnique({ where: { ledgerRunId: runId }, select: { romi: true } });
  const settings = parseRomiSettings(rec?.romi);
  const siblingIds = [...new Set((await tx.romiCredit.findMany({ where: { runId, kind: 'payment', dealKey, model: { in: creditModelsOf('last_touch') }, ref: { not: resultId } }, select: { ref: true } })).map((c) => c.ref))];
  const siblings: Entry[] = siblingIds.length
    ? await tx.runResult.findMany({ where: { id: { in: siblingIds } }, select: { state: true, finalStatus: true, finalAmountMinor: true, finalCurrency: true, amountMinor: true, currency: true } })
    : [];
  const row = await tx.runResult.findUnique({ where: { id: resultId }, select: { amountMinor: true, currency: true } });
  if (!row) return false;
  const deal = { amountMinor: record.amountMinor, currency: record.currency, attrs: parseAttrs(record.attrs) };
  const won = record.status === 'Paid';
  const was = dealState(won, deal, [...siblings, { ...before, ...row }], settings);
  const now = dealState(won, deal, [...siblings, { ...after, ...row }], settings);
  if (was === now) return true;
  const figures = (st: DealState) => ({
    revenueMinor: st === 'counted' || st === 'refunded' ? deal.amountMinor : 0n,
    refundMinor: st === 'refunded' ? deal.amountMinor : 0n,
    notCountedMinor: st === 'waiting' ? deal.amountMinor : 0n,
    paidTx: st === 'counted' ? 1 : 0,
  });
  const deltas: DailyDelta[] = [];
  for (const model of ATTRIBUTION_MODELS) {
    const cs = creditsOfModel(dealCredits, model);
    if (!cs.length) continue;
    const w = cs.map((c) => c.weightPpm);
    for (const [st, sign] of [[was, -1n], [now, 1n]] as const) {
      const f = figures(st);
      const rev = splitInteger(f.revenueMinor, w);
      const ref = splitInteger(f.refundMinor, w);
      const nc = splitInteger(f.notCountedMinor, w);
      cs.forEach((c, j) => deltas.push({ model, day: c.day, channel: c.channel, campaign: c.campaign, currency: deal.currency, revenueMinor: sign * rev[j]!, refundMinor: sign * ref[j]!, notCountedMinor: sign * nc[j]!, paidTx: j === 0 ? Number(sign) * f.paidTx : 0 }));
    }
    // The deal's "paid" count follows whether it counts.
    if ((was === 'counted') !== (now === 'counted')) {
      const parts = splitInteger(1000n, w);
      for (let j = 0; j < cs.length; j++) {
        await tx.romiDaily.updateMany({ where: { runId, model, day: cs[j]!.day, channel: cs[j]!.channel, campaign: cs[j]!.campaign, currency: '' }, data: { paidDealsMilli: { increment: (now === 'counted' ? 1 : -1) * Number(parts[j]) } } });
      }
    }
  }
  // One delta per RomiDaily row (PostgreSQL's upsert refuses to touch a row twice in one statement).
  const merged = new Map<string, DailyDelta>();
  for (const d of deltas) {
    const k = `${d.model}\u0000${d.day}\u0000${d.channel}\u0000${d.campaign}\u0000${d.currency}`;
    const m = merged.get(k);
    if (!m) merged.set(k, { ...d });
    else {
      m.revenueMinor += d.revenueMinor;
      m.refundMinor += d.refundMinor;
      m.notCountedMinor += d.notCountedMinor;
      m.paidTx += d.paidTx;
    }
  }
  await addDailyDeltas(tx, runId, [...merged.values()]);
  return true;
}

/** Whether a run's aggregate counts revenue by deal. */
export async function dealBasis(tx: Tx, runId: string): Promise<boolean> {
  const build = await tx.romiBuild.findUnique({ where: { runId }, select: { joinField: true } });
  return !!build && build.joinField.includes('"basis":"deal"');
}
