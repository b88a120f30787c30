import { type Tx } from './rebuild-romi';
import { ATTRIBUTION_MODELS, contributionOf, creditModelsOf, creditsOfModel, splitInteger } from '@/lib/romi';
import { applyDealChange, dealBasis } from './apply-deal-change';
import { addDailyDeltas, type RowFinal } from './daily-deltas';

export { addDailyDeltas, type DailyDelta, type RowFinal } from './daily-deltas';


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
 * A new data version for the dashboard's cache, committed with the figures it stands for, taken before
 * the change reads any credit or touches any RomiDaily row: concurrent changes of one run, and a
 * rebuild (which locks this row first, rebuild-romi.ts), queue on the build row in one order, and a
 * change that waited for a rebuild reads the rebuilt credits.
 */
export async function takeAggregateTurn(tx: Tx, runId: string): Promise<void> {
  await tx.romiBuild.updateMany({ where: { runId }, data: { revision: { increment: 1 } } });
}

/**
 * Keeps a run's pre-aggregate current when one result row changes (inside the change's transaction):
 * subtracts what the row contributed before and adds what it contributes now, on the same credits
 * and with the same exact split as the build; flips its deal's "paid" count when that changed.
 */
export async function applyRomiRowChange(tx: Tx, runId: string, resultId: number, before: RowFinal, after: RowFinal): Promise<void> {
  await takeAggregateTurn(tx, runId);
  if (await dealBasis(tx, runId)) {
    await applyDealChange(tx, runId, resultId, before, after);
    return;
  }
  const credits = await tx.romiCredit.findMany({ where: { runId, kind: 'payment', ref: resultId }, orderBy: { id: 'asc' } });
  if (!credits.length) return;
  const row = await tx.runResult.findUnique({ where: { id: resultId }, select: { amountMinor: true, currency: true } });
  if (!row) return;
  const was = contributionOf({ ...before, amountMinor: row.amountMinor, currency: row.currency });
  const now = contributionOf({ ...after, amountMinor: row.amountMinor, currency: row.currency });
  const dealKey = credits[0]!.dealKey;
  for (const model of ATTRIBUTION_MODELS) {
    const cs = creditsOfModel(credits, model);
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
  const siblings = await tx.romiCredit.findMany({ where: { runId, kind: 'payment', dealKey, model: { in: creditModelsOf('last_touch') }, ref: { not: resultId } }, select: { ref: true } });
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
    const cs = creditsOfModel(dealCredits, model);
    const parts = splitInteger(1000n, cs.map((c) => c.weightPpm));
    for (let j = 0; j < cs.length; j++) {
      const n = sign * Number(parts[j]);
      await addToDaily(tx, runId, model, cs[j]!.day, cs[j]!.channel, cs[j]!.campaign, '', { ...noDelta(), paidDealsMilli: n, dealsMilli: crmWon ? 0 : n });
    }
  }
}

/**
 * applyRomiRowChange for many rows of one run in one go (inside the change's transaction): each
 * row's contribution moves on its existing credits, summed into one upsert per touched RomiDaily
 * row. A row whose change flips whether its deal is paid goes through applyRomiRowChange itself
 * (its deal's counts move too). Gives the same aggregate as calling applyRomiRowChange row by row.
 */
export async function applyRomiStateChanges(tx: Tx, runId: string, changes: readonly { resultId: number; before: RowFinal; after: RowFinal }[]): Promise<void> {
  if (!changes.length) return;
  await takeAggregateTurn(tx, runId);
  if (await dealBasis(tx, runId)) {
    for (const c of changes) await applyDealChange(tx, runId, c.resultId, c.before, c.after);
    return;
  }
  const ids = changes.map((c) => c.resultId);
  const credits = new Map<number, { model: string; day: string; channel: string; campaign: string; weightPpm: number; dealKey: string | null }[]>();
  const rows = new Map<number, { amountMinor: bigint; currency: string }>();
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    for (const c of await tx.romiCredit.findMany({ where: { runId, kind: 'payment', ref: { in: part } }, orderBy: { id: 'asc' } })) {
      credits.set(c.ref, [...(credits.get(c.ref) ?? []), c]);
    }
    for (const r of await tx.runResult.findMany({ where: { id: { in: part } }, select: { id: true, amountMinor: true, currency: true } })) rows.set(r.id, r);
  }
  if (!credits.size) return;
  const daily = new Map<string, { model: string; day: string; channel: string; campaign: string; currency: string } & Delta>();
  const flips: typeof changes[number][] = [];
  for (const change of changes) {
    const cs = credits.get(change.resultId);
    const row = rows.get(change.resultId);
    if (!cs?.length || !row) continue;
    const was = contributionOf({ ...change.before, amountMinor: row.amountMinor, currency: row.currency });
    const now = contributionOf({ ...change.after, amountMinor: row.amountMinor, currency: row.currency });
    if (cs[0]!.dealKey && was.paidTx !== now.paidTx) {
      flips.push(change);
      continue;
    }
    for (const model of ATTRIBUTION_MODELS) {
      const mine = creditsOfModel(cs, model);
      if (!mine.length) continue;
      const w = mine.map((c) => c.weightPpm);
      for (const [c, sign] of [[was, -1n], [now, 1n]] as const) {
        const rev = splitInteger(c.revenueMinor, w);
        const ref = splitInteger(c.refundMinor, w);
        const nc = splitInteger(c.notCountedMinor, w);
        mine.forEach((cr, j) => {
          const k = `${model}\u0000${cr.day}\u0000${cr.channel}\u0000${cr.campaign}\u0000${c.currency}`;
          const d = daily.get(k) ?? { model, day: cr.day, channel: cr.channel, campaign: cr.campaign, currency: c.currency, ...noDelta() };
          d.revenueMinor += sign * rev[j]!;
          d.refundMinor += sign * ref[j]!;
          d.notCountedMinor += sign * nc[j]!;
          d.paidTx += j === 0 ? Number(sign) * c.paidTx : 0;
          daily.set(k, d);
        });
      }
    }
  }
  await addDailyDeltas(tx, runId, [...daily.values()]);
  for (const f of flips) await applyRomiRowChange(tx, runId, f.resultId, f.before, f.after);
}
