/**
 * A reconciliation's ROMI settings (./settings.ts) as analysts set them on its page: the fields to
 * choose from, a live preview of the join before saving ("52 of 60 won deals link to a reconciled
 * payment; 8 do not"), and the save, audited, after which the figures are rebuilt.
 */
import { profileDataset } from '@/lib/domain/records';
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';
import { recordCountsBySource } from '@/lib/server/db/source-records';
import { assertCan } from '@/lib/server/authorize';
import { InvalidRequestError } from '@/lib/server/core/app-error';
import { type Actor } from '@/lib/domain/actor';
import { linkOfDeal, linkOfPayment, meetsConditions } from '@/lib/romi';
import { parseAttrs } from './attrs';
import { currentDeals, paymentBatches } from './rebuild-romi';
import { parseRomiSettings, RomiSettingsSchema, type RomiSettings, type RomiSettingsInput } from './settings';

type SourceChoice = { id: string; name: string; dataset: string; rows: number };

export type RomiChoices = {
  dealSources: SourceChoice[];
  spendSources: SourceChoice[];
  /** Fields a payment can join by: its key and the fields its member sources map. */
  paymentFields: string[];
  /** Fields a deal can join by, or be conditioned on: its id and the fields its sources map. */
  dealFields: string[];
};


function attributeNames(profile: string | undefined): string[] {
  try {
    return Object.keys((JSON.parse(profile ?? '{}') as { attributes?: Record<string, string> }).attributes ?? {});
  } catch {
    return [];
  }
}

/** What the settings form offers: the deal and spend sources, and the fields on each side (the payment side's from the member sources). */
export async function romiChoices(memberSourceIds: readonly string[], db: Client = getPrisma()): Promise<RomiChoices> {
  const memberIds = new Set(memberSourceIds);
  const sources = await db.source.findMany({
    where: { archivedAt: null },
    orderBy: { name: 'asc' },
    select: { id: true, name: true, versions: { orderBy: { version: 'desc' }, take: 1, select: { profile: true } } },
  });
  const rowsOf = await recordCountsBySource(db, sources.map((s) => s.id));
  const choice = (s: (typeof sources)[number]): SourceChoice => ({ id: s.id, name: s.name, dataset: profileDataset(s.versions[0]?.profile) ?? '', rows: rowsOf.get(s.id) ?? 0 });
  const deals = sources.filter((s) => profileDataset(s.versions[0]?.profile) === 'deals');
  const spend = sources.filter((s) => profileDataset(s.versions[0]?.profile) === 'spend');
  const payments = sources.filter((s) => memberIds.has(s.id));
  const uniq = (xs: string[]) => [...new Set(xs)].sort((a, b) => a.localeCompare(b));
  return {
    dealSources: deals.map(choice),
    spendSources: spend.map(choice),
    paymentFields: ['key', ...uniq(payments.flatMap((s) => attributeNames(s.versions[0]?.profile))).filter((f) => f !== 'key')],
    dealFields: ['id', ...uniq(deals.flatMap((s) => attributeNames(s.versions[0]?.profile))).filter((f) => f !== 'id')],
  };
}

export type JoinPreview = {
  wonDeals: number;
  /** Won deals whose join value matches a ledger entry. */
  linked: number;
  /** ...whose entry is reconciled Paid (at the deal's amount, when asked). */
  paid: number;
  /** ...which then count (conditions met): the deal-basis revenue. */
  counted: number;
  countedMinor: { currency: string; amountMinor: string }[];
  refunded: number;
  /** Won deals that do not count (not refunded): their amount waits as not yet counted. */
  waiting: number;
  waitingMinor: { currency: string; amountMinor: string }[];
  /** Ledger entries that link to a deal, of all entries. */
  paymentsLinked: number;
  payments: number;
  /** The first won deals that link to no entry, with the value they were looked up by. */
  unlinked: { dealId: string; link: string | null; amountMinor: string; currency: string; date: string | null }[];
  /** The values of each condition's field among won deals, with counts (to choose from). */
  fieldValues: Record<string, { value: string; deals: number }[]>;
};

const add = (m: Map<string, bigint>, currency: string, amount: bigint) => m.set(currency, (m.get(currency) ?? 0n) + amount);
const sums = (m: Map<string, bigint>) => [...m].map(([currency, v]) => ({ currency, amountMinor: v.toString() }));

/**
 * What these settings would count, before they are saved: how many won deals link to a ledger entry,
 * to a reconciled Paid one, and count; the first ones that link to nothing. Reads the ledger's entries
 * in batches, as the build does.
 */
export async function previewRomiJoin(reconciliationId: string, raw: RomiSettingsInput, db: Client = getPrisma(), opts: { valuesOf?: string[] } = {}): Promise<JoinPreview> {
  const settings = RomiSettingsSchema.parse(raw);
  const rec = await db.reconciliation.findUniqueOrThrow({ where: { id: reconciliationId }, select: { ledgerRunId: true } });
  const entries = new Map<string, { paid: boolean; refunded: boolean; amountMinor: bigint | null; currency: string }>();
  let payments = 0;
  for await (const batch of paymentBatches(db, rec.ledgerRunId, settings.join)) {
    for (const p of batch) {
      payments++;
      const link = linkOfPayment(p, settings.join.payment);
      if (!link) continue;
      const paid = p.state === 'resolved' && p.finalStatus === 'Paid' && (p.finalAmountMinor ?? 0n) > 0n;
      const refunded = p.state === 'resolved' && p.finalStatus === 'Refunded';
      const was = entries.get(link);
      if (!was || (paid && !was.paid)) entries.set(link, { paid, refunded: refunded || (was?.refunded ?? false), amountMinor: p.finalAmountMinor ?? p.amountMinor, currency: p.finalCurrency ?? p.currency });
    }
  }
  const deals = (await currentDeals(db, settings.dealSourceIds)).map((r) => ({ ...r, attrs: parseAttrs(r.attrs) }));
  const won = deals.filter((d) => d.status === 'Paid');
  const counted = new Map<string, bigint>();
  const waiting = new Map<string, bigint>();
  const out: JoinPreview = { wonDeals: won.length, linked: 0, paid: 0, counted: 0, countedMinor: [], refunded: 0, waiting: 0, waitingMinor: [], paymentsLinked: 0, payments, unlinked: [], fieldValues: {} };
  const dealLinks = new Set<string>();
  for (const d of deals) {
    const l = linkOfDeal(d, settings.join.deal);
    if (l) dealLinks.add(l);
  }
  for (const d of won) {
    const link = linkOfDeal(d, settings.join.deal);
    const e = link ? entries.get(link) : undefined;
    if (!e) {
      if (out.unlinked.length < 50) out.unlinked.push({ dealId: d.txId, link, amountMinor: d.amountMinor.toString(), currency: d.currency, date: d.date });
    } else out.linked++;
    const paid = !!e?.paid && (!settings.sameAmount || settings.basis !== 'deal' || (e.amountMinor === d.amountMinor && e.currency === d.currency));
    if (paid) out.paid++;
    const counts = paid && (settings.basis !== 'deal' || meetsConditions(d.attrs, settings.dealConditions));
    if (counts) {
      out.counted++;
      add(counted, d.currency, d.amountMinor);
    } else if (e?.refunded) out.refunded++;
    else {
      out.waiting++;
      add(waiting, d.currency, d.amountMinor);
    }
  }
  out.countedMinor = sums(counted);
  out.waitingMinor = sums(waiting);
  for (const link of entries.keys()) if (dealLinks.has(link)) out.paymentsLinked++;
  for (const field of new Set([...(opts.valuesOf ?? []), ...settings.dealConditions.map((c) => c.field)])) {
    const n = new Map<string, number>();
    for (const d of won) {
      const v = (d.attrs[field] ?? '').trim();
      n.set(v, (n.get(v) ?? 0) + 1);
    }
    out.fieldValues[field] = [...n].map(([value, deals]) => ({ value, deals })).sort((a, b) => b.deals - a.deals).slice(0, 50);
  }
  return out;
}

/** Saves a reconciliation's ROMI settings, audited; returns whether they changed (the caller rebuilds the figures). */
export async function saveRomiSettings(reconciliationId: string, raw: RomiSettingsInput, actor: Actor | null, db: Client = getPrisma()): Promise<{ changed: boolean; settings: RomiSettings }> {
  if (actor) assertCan(actor, 'reconciliations:manage');
  const settings = RomiSettingsSchema.parse(raw);
  const ids = [...(settings.dealSourceIds ?? []), ...(settings.spendSourceIds ?? [])];
  if (ids.length && (await db.source.count({ where: { id: { in: ids }, archivedAt: null } })) !== new Set(ids).size) {
    throw new InvalidRequestError('One of the chosen deal or spend sources no longer exists. Reload the page.');
  }
  return db.$transaction(async (tx) => {
    const rec = await tx.reconciliation.findUnique({ where: { id: reconciliationId }, select: { romi: true, archivedAt: true } });
    if (!rec || rec.archivedAt) throw new InvalidRequestError('This reconciliation no longer exists or was archived. Reload the page.');
    const before = parseRomiSettings(rec.romi);
    if (JSON.stringify(before) === JSON.stringify(settings)) return { changed: false, settings };
    await tx.reconciliation.update({ where: { id: reconciliationId }, data: { romi: JSON.stringify(settings) } });
    await writeAudit(tx, { actor, action: 'reconciliation.romi', entityType: 'Reconciliation', entityId: reconciliationId, before, after: settings });
    return { changed: true, settings };
  });
}

/**
 * The upgrade from PAIDLINE_ROMI_JOIN (the join used to be an environment variable): reconciliations
 * with no ROMI settings yet get the join it named, once, audited. Afterwards the variable is not read:
 * the join lives on each reconciliation's page. Returns how many were carried over.
 */
export async function carryOverRomiJoinVariable(value: string | undefined, db: Client = getPrisma()): Promise<number> {
  const field = value?.trim();
  if (!field || !['dealId', 'invoiceId', 'paymentRef', 'email'].includes(field)) return 0;
  const bare = await db.reconciliation.findMany({ where: { romi: '{}' }, select: { id: true } });
  for (const r of bare) {
    const settings = RomiSettingsSchema.parse({ join: { payment: field, deal: field } });
    await db.$transaction(async (tx) => {
      const n = await tx.reconciliation.updateMany({ where: { id: r.id, romi: '{}' }, data: { romi: JSON.stringify(settings) } });
      if (n.count) await writeAudit(tx, { actor: null, action: 'reconciliation.romi', entityType: 'Reconciliation', entityId: r.id, after: { ...settings, carriedOverFrom: 'PAIDLINE_ROMI_JOIN' } });
    });
  }
  return bare.length;
}
