/**
 * Incremental ROMI maintenance for a ledger pass (issue 18): the entries a pass created, or whose
 * facts or classification it changed while they were still in review, move the pre-aggregate by
 * their own difference, in the pass's transaction. Nothing else is read: the payment's deal is
 * found through the deal credits' join value (RomiCredit.link, indexed), its attribution from
 * those credits, and RomiDaily gets one upsert per touched (model, day, channel, campaign, currency).
 *
 * Reopened entries join the batch unless they were a deal's Paid payment; that, and decisions (a
 * reviewer's, an automatic rule's), go through applyRomiRowChange, which also flips the deal's
 * "paid" count.
 */
import { insertCredits, type Tx, parseAttrs } from './rebuild-romi';
import { addDailyDeltas, takeAggregateTurn } from './apply-row-change';
import { ATTRIBUTION_MODELS, attribute, contributionOf, creditModelsOf, creditsOfModel, EVERY_MODEL, linkOfPayment, NO_DATE, parseJoinField, splitInteger, storedCredits, type AttributionModel, type Contribution, type CreditModel, type CreditRow, type PaymentInput } from '@/lib/romi';

/** What ROMI needs of an entry: its classification fields and review state, and its records' attributes. */
export type EntryFigures = Omit<PaymentInput, 'attrs'>;
export type EntryMove = { before: EntryFigures | null; after: EntryFigures; attrs: Record<string, string> };

type Delta = { revenueMinor: bigint; refundMinor: bigint; notCountedMinor: bigint };
type Credit = { model: CreditModel; day: string; channel: string; campaign: string; currency: string; weightPpm: number };

/**
 * Applies the moves; false when it cannot do so exactly (no aggregate yet, an aggregate from before
 * credits carried their join value, or a move that changes whether a deal is paid): the caller then
 * rebuilds the aggregate.
 */
export async function applyRomiEntries(tx: Tx, runId: string, moves: readonly EntryMove[]): Promise<boolean> {
  if (!moves.length) return true;
  // Taken first, so concurrent changes of one aggregate and a rebuild queue on this row in one order (applyRomiRowChange).
  await takeAggregateTurn(tx, runId);
  const build = await tx.romiBuild.findUnique({ where: { runId }, select: { joinField: true, creditLinks: true } });
  if (!build?.creditLinks) return false;
  const join = parseJoinField(build.joinField);
  // Revenue by deal: an entry moves its deal's figures, which the build works out (the caller rebuilds).
  if (join.basis === 'deal') return false;
  // A settled entry arriving Paid is a person's or a rule's decision, which goes through applyRomiRowChange.
  if (moves.some((m) => contributionOf(m.after).paidTx > 0)) return false;

  const daily = new Map<string, Credit & Delta & { paidTx: number }>();
  const add = (c: Credit, d: Delta & { paidTx: number }) => {
    if (!d.revenueMinor && !d.refundMinor && !d.notCountedMinor && !d.paidTx) return;
    const k = `${c.model}\u0000${c.day}\u0000${c.channel}\u0000${c.campaign}\u0000${c.currency}`;
    const row = daily.get(k) ?? { ...c, revenueMinor: 0n, refundMinor: 0n, notCountedMinor: 0n, paidTx: 0 };
    row.revenueMinor += d.revenueMinor;
    row.refundMinor += d.refundMinor;
    row.notCountedMinor += d.notCountedMinor;
    row.paidTx += d.paidTx;
    daily.set(k, row);
  };
  const spread = (credits: Credit[], c: Contribution, sign: bigint) => {
    for (const model of ATTRIBUTION_MODELS) {
      const cs = creditsOfModel(credits, model);
      if (!cs.length) continue;
      const w = cs.map((x) => x.weightPpm);
      const rev = splitInteger(c.revenueMinor, w);
      const ref = splitInteger(c.refundMinor, w);
      const nc = splitInteger(c.notCountedMinor, w);
      cs.forEach((cr, j) => add({ ...cr, model, currency: c.currency }, { revenueMinor: sign * rev[j]!, refundMinor: sign * ref[j]!, notCountedMinor: sign * nc[j]!, paidTx: j === 0 ? Number(sign) * c.paidTx : 0 }));
    }
  };

  // 1. Take out what the entries contributed, on their stored credits, and drop those credits.
  const withBefore = moves.filter((m) => m.before);
  const oldCredits = new Map<number, (Credit & { dealKey: string | null })[]>();
  for (let i = 0; i < withBefore.length; i += 500) {
    const ids = withBefore.slice(i, i + 500).map((m) => m.before!.resultId);
    const rows = await tx.romiCredit.findMany({ where: { runId, kind: 'payment', ref: { in: ids } }, orderBy: { id: 'asc' } });
    for (const r of rows) {
      const list = oldCredits.get(r.ref) ?? [];
      list.push({ model: r.model as CreditModel, day: r.day, channel: r.channel, campaign: r.campaign, currency: r.currency, weightPpm: r.weightPpm, dealKey: r.dealKey });
      oldCredits.set(r.ref, list);
    }
  }
  // A payment that was counted Paid for a deal makes that deal paid: undoing it is applyRomiRowChange's work.
  if (withBefore.some((m) => contributionOf(m.before!).paidTx > 0 && oldCredits.get(m.before!.resultId)?.[0]?.dealKey)) return false;
  for (let i = 0; i < withBefore.length; i += 500) {
    await tx.romiCredit.deleteMany({ where: { runId, kind: 'payment', ref: { in: withBefore.slice(i, i + 500).map((m) => m.before!.resultId) } } });
  }
  let linkedDelta = 0;
  for (const m of withBefore) {
    const credits = oldCredits.get(m.before!.resultId) ?? [];
    spread(credits, contributionOf(m.before!), -1n);
    if (credits[0]?.dealKey) linkedDelta--;
  }

  // 2. Find each entry's deal by its join value, attribute it as the build does, and add it back.
  // Each join value's deal (the first deal with it, as the build picks), looked up 500 values at a time.
  const dealOf = new Map<string, { dealKey: string; touches: Map<AttributionModel, Credit[]> } | null>();
  const linkOf = moves.map((m) => linkOfPayment({ attrs: m.attrs, key: m.after.key }, join.payment));
  const links = [...new Set(linkOf.filter((l): l is string => Boolean(l)))];
  for (let i = 0; i < links.length; i += 500) {
    const part = links.slice(i, i + 500);
    const firsts = await tx.romiCredit.findMany({ where: { runId, kind: 'deal', model: { in: creditModelsOf('last_touch') }, link: { in: part } }, orderBy: { id: 'asc' }, select: { link: true, dealKey: true } });
    const dealKeyOf = new Map<string, string>();
    for (const f of firsts) if (f.link && f.dealKey && !dealKeyOf.has(f.link)) dealKeyOf.set(f.link, f.dealKey);
    const dealKeys = [...new Set(dealKeyOf.values())];
    const touchesOf = new Map<string, Map<AttributionModel, Credit[]>>();
    if (dealKeys.length) {
      for (const r of await tx.romiCredit.findMany({ where: { runId, kind: 'deal', dealKey: { in: dealKeys } }, orderBy: { id: 'asc' } })) {
        const byModel = touchesOf.get(r.dealKey!) ?? new Map<AttributionModel, Credit[]>();
        for (const model of r.model === EVERY_MODEL ? ATTRIBUTION_MODELS : [r.model as AttributionModel]) {
          byModel.set(model, [...(byModel.get(model) ?? []), { model, day: '', channel: r.channel, campaign: r.campaign, currency: '', weightPpm: r.weightPpm }]);
        }
        touchesOf.set(r.dealKey!, byModel);
      }
    }
    for (const l of part) {
      const dealKey = dealKeyOf.get(l);
      dealOf.set(l, dealKey ? { dealKey, touches: touchesOf.get(dealKey) ?? new Map() } : null);
    }
  }
  const created: CreditRow[] = [];
  for (const [i, m] of moves.entries()) {
    const link = linkOf[i]!;
    const deal = link ? (dealOf.get(link) ?? null) : null;
    const day = m.after.date ?? NO_DATE;
    const c = contributionOf(m.after);
    const perModel: Credit[][] = ATTRIBUTION_MODELS.map((model) =>
      (deal?.touches.get(model) ?? attribute([], model).map((x) => ({ ...x, model, day, currency: '' }))).map((x) => ({ ...x, model, day, currency: c.currency })),
    );
    spread(perModel.flat(), c, 1n);
    if (deal) linkedDelta++;
    for (const { model, credits } of storedCredits(ATTRIBUTION_MODELS, perModel)) for (const cr of credits) created.push({ model, kind: 'payment', ref: m.after.resultId, dealKey: deal?.dealKey ?? null, day, channel: cr.channel, campaign: cr.campaign, currency: c.currency, weightPpm: cr.weightPpm, link: null });
  }
  await insertCredits(tx, runId, created);

  await addDailyDeltas(tx, runId, [...daily.values()]);
  const newPayments = moves.filter((m) => !m.before).length;
  if (linkedDelta || newPayments) await tx.romiBuild.update({ where: { runId }, data: { linkedPayments: { increment: linkedDelta }, payments: { increment: newPayments } } });
  return true;
}

/** The attributes of an entry's records (the first source that has a field wins, as in the build). */
export function entryAttrs(recordIds: readonly number[], attrsById: ReadonlyMap<number, string | null>): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const id of recordIds) for (const [k, v] of Object.entries(parseAttrs(attrsById.get(id) ?? null))) attrs[k] ??= v;
  return attrs;
}
