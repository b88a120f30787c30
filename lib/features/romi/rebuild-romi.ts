import { clientTarget, getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { literalFor } from '@/lib/server/db/record-insert';
import { bulkTransaction, insertValues, type RawTx } from '@/lib/server/db/sql-tx';
import { committedOrigins } from '@/lib/server/db/source-records';
import { AggregateBuilder, linkOfPayment, type CreditRow, type DealInput, type Join, type PaymentInput, type RevenueBasis, type SpendInput } from '@/lib/romi';
import { DEFAULT_ROMI_SETTINGS, parseRomiSettings, type RomiSettings } from './settings';
import { type ResultDetail } from '@/lib/reconcile/result-detail';
import { loggerFor } from '@/lib/server/observability/logger';
import { yieldToEventLoop } from '@/lib/server/db/yield';
import { deferIndexes, holdsAtMost, restoreDeferredIndexes } from '@/lib/server/db/deferred-indexes';
import { idWindows } from '@/lib/server/db/id-windows';
import { loadChannelMap } from './channel-map';
import { parseAttrs } from './attrs';
import { insertUnlinkedCredits, unlinkedTotals, type UnlinkedRange } from './unlinked-payments';

export { parseAttrs };

export type Tx = Parameters<Parameters<Client['$transaction']>[0]>[0];

const WRITE_BATCH = 2000;

/** What a run's ROMI counts: its reconciliation's settings (a ledger), or the defaults (a one-off run). */
export async function romiSettingsOf(runId: string, db: Client | Tx): Promise<RomiSettings> {
  const rec = await db.reconciliation.findUnique({ where: { ledgerRunId: runId }, select: { romi: true } });
  return rec ? parseRomiSettings(rec.romi) : DEFAULT_ROMI_SETTINGS;
}

export function revenueBasisOf(settings: RomiSettings): RevenueBasis {
  return settings.basis === 'deal' ? { basis: 'deal', conditions: settings.dealConditions, sameAmount: settings.sameAmount } : { basis: 'payment' };
}

/** RomiBuild.joinField: the join and the basis, as JSON (parseJoinField reads it and older field names). */
export function joinFieldOf(settings: RomiSettings): string {
  return JSON.stringify({ payment: settings.join.payment, deal: settings.join.deal, basis: settings.basis });
}

const CREDIT_COLUMNS = ['runId', 'model', 'kind', 'ref', 'dealKey', 'day', 'channel', 'campaign', 'currency', 'weightPpm', 'link'];

/**
 * Writes credits inside the caller's transaction: multi-row INSERTs with literal values (Prisma's
 * createMany spends most of its time building the query, and through libSQL keeps each statement's
 * memory), or COPY in a PostgreSQL transaction of the bulk writer's own.
 */
export async function insertCredits(tx: RawTx, runId: string, credits: readonly CreditRow[]): Promise<void> {
  await insertValues(tx, 'RomiCredit', CREDIT_COLUMNS, credits.map((c) => [runId, c.model, c.kind, c.ref, c.dealKey, c.day, c.channel, c.campaign, c.currency, c.weightPpm, c.link]));
}

const DAILY_COLUMNS = ['runId', 'model', 'day', 'channel', 'campaign', 'currency', 'revenueMinor', 'refundMinor', 'notCountedMinor', 'spendMinor', 'leadsMilli', 'dealsMilli', 'paidDealsMilli', 'paidTx'];

type CommittedRecord = { id: number; sourceId: string; ingestionId: string | null; key: string; txId: string; date: string | null; amountMinor: bigint; currency: string; status: string; attrs: string | null; sourceName: string };

/**
 * Records of a dataset from committed ingestions or webhook events, oldest first (of these sources only,
 * when given), a window of ids at a time (lib/server/db/id-windows.ts) rather than one result: a 10k-deal read in one result raised the process's
 * RSS by 107 MiB on SQLite (83 MiB paged), memory the allocator keeps after the rows are gone.
 */
async function* committedRecords(db: Client, dataset: 'deals' | 'spend', sourceIds: string[] | null = null): AsyncGenerator<CommittedRecord> {
  const origins = await committedOrigins(db, sourceIds);
  if (!origins.sourceIds.length) return;
  const where = { dataset, sourceId: { in: origins.sourceIds }, OR: [{ ingestionId: null }, { ingestionId: { in: origins.ingestionIds } }] };
  const bounds = await db.sourceRecord.aggregate({ where, _min: { id: true }, _max: { id: true } });
  const windows = idWindows({ min: bounds._min.id, max: bounds._max.id }, (after, upTo) =>
    db.sourceRecord.findMany({
      where: { ...where, id: { gt: after, lte: upTo } },
      orderBy: { id: 'asc' },
      select: { id: true, sourceId: true, ingestionId: true, key: true, txId: true, date: true, amountMinor: true, currency: true, status: true, attrs: true },
    }),
  );
  for await (const rows of windows) for (const r of rows) yield { ...r, sourceName: origins.names.get(r.sourceId) ?? '' };
}

/** Deals that count: the latest record per (source, key) (a deal's newest stage and amount), each as `as` makes it. */
async function latestDeals<T>(db: Client, sourceIds: string[] | null, as: (r: CommittedRecord) => T): Promise<T[]> {
  const latest = new Map<string, T>();
  for await (const r of committedRecords(db, 'deals', sourceIds)) latest.set(`${r.sourceId}\u0000${r.key}`, as(r));
  return [...latest.values()];
}

/** Deals that count, whole (raw attributes). */
export function currentDeals(db: Client, sourceIds: string[] | null = null): Promise<CommittedRecord[]> {
  return latestDeals(db, sourceIds, (r) => r);
}

/**
 * Every committed deal record, oldest first, as the build reads it (the builder keeps one per key, the
 * latest, and of it only what it reads): none is held here (a 1M-deal build held every deal twice).
 */
async function* dealRecords(db: Client, sourceIds: string[] | null): AsyncGenerator<DealInput> {
  for await (const r of committedRecords(db, 'deals', sourceIds)) {
    yield { recordId: r.id, key: r.key, txId: r.txId, date: r.date, status: r.status, attrs: parseAttrs(r.attrs), amountMinor: r.amountMinor, currency: r.currency, sourceId: r.sourceId };
  }
}

/**
 * Spend that counts. Every row of a file counts (a report segmented by device or ad set has several rows
 * for one day and campaign: they add up); a later delivery that reports a day, channel and campaign
 * again (a re-export overlapping an earlier one) replaces what earlier deliveries said for it, never
 * doubles it. A delivery is an ingestion; a webhook event or a manual entry is its own.
 */
export function currentSpendOf<R extends { id: number; sourceId: string; ingestionId: string | null; date: string | null; channel: string; campaign: string }>(rows: readonly R[]): R[] {
  const group = (r: R) => `${r.sourceId}\u0000${r.date ?? ''}\u0000${r.channel}\u0000${r.campaign}`;
  const delivery = (r: R) => r.ingestionId ?? `record:${r.id}`;
  // Rows come oldest first (by id): the last delivery seen for a group is its newest.
  const newest = new Map<string, string>();
  for (const r of rows) newest.set(group(r), delivery(r));
  return rows.filter((r) => newest.get(group(r)) === delivery(r));
}

async function currentSpend(db: Client, sourceIds: string[] | null = null): Promise<SpendInput[]> {
  const rows = [];
  for await (const r of committedRecords(db, 'spend', sourceIds)) {
    const attrs = parseAttrs(r.attrs);
    // The channel as the data names it (a channel column, else the source's name); the channel list maps it.
    rows.push({ ...r, channel: attrs.channel?.trim() || r.sourceName, campaign: attrs.campaign ?? r.txId });
  }
  return currentSpendOf(rows).map((r) => ({ recordId: r.id, date: r.date, channel: r.channel, campaign: r.campaign, amountMinor: r.amountMinor, currency: r.currency }));
}

type EntryRow = {
  id: number | bigint;
  key: string;
  date: string | null;
  state: string;
  amountMinor: number | bigint | string;
  currency: string;
  finalStatus: string | null;
  finalAmountMinor: number | bigint | string | null;
  finalCurrency: string | null;
  detail?: string;
};

/** The record ids an entry's detail names (one per present source). */
export function recordIdsOf(detail: string): number[] {
  return (JSON.parse(detail) as ResultDetail).sources.map((s) => s.recordId).filter((x): x is number => typeof x === 'number');
}

/** Attributes of records by id (only those that have any), `size` ids a statement as literal integers. */
export async function attrsOfRecords(db: RawTx, ids: readonly number[], size = 5000): Promise<Map<number, string>> {
  const attrs = new Map<number, string>();
  for (let i = 0; i < ids.length; i += size) {
    const part = ids.slice(i, i + size).filter((id) => Number.isSafeInteger(id));
    if (!part.length) continue;
    const rows: { id: number | bigint; attrs: string }[] = await db.$queryRawUnsafe(`SELECT "id", "attrs" FROM "SourceRecord" WHERE "id" IN (${part.join(',')}) AND "attrs" IS NOT NULL`);
    for (const r of rows) attrs.set(Number(r.id), r.attrs);
  }
  return attrs;
}

const ENTRY_COLUMNS = `"id", "key", "date", "state", "amountMinor", "currency", "finalStatus", "finalAmountMinor", "finalCurrency"`;

/**
 * A run's entries in pages of `size`, in key order (the (runId, key) index: paging by id made SQLite
 * scan and sort the whole run's rows for every page), `columns` of each.
 */
async function* entryPages<R extends { key: string }>(db: RawTx, runId: string, columns: string, size: number): AsyncGenerator<R[]> {
  const { kind } = clientTarget(db as object);
  const param = (n: number) => (kind === 'postgres' ? `$${n}` : `?${n}`);
  let lastKey: string | null = null;
  for (;;) {
    const rows: R[] = await db.$queryRawUnsafe(
      `SELECT ${columns} FROM "RunResult" WHERE "runId" = ${param(1)}${lastKey === null ? '' : ` AND "key" > ${param(2)}`} ORDER BY "key" LIMIT ${size}`,
      ...(lastKey === null ? [runId] : [runId, lastKey]),
    );
    if (!rows.length) return;
    yield rows;
    if (rows.length < size) return;
    lastKey = rows[rows.length - 1]!.key;
  }
}

/** Each entry's attributes for the join (its records' attributes, the first source that has a field wins). */
async function attrsOfEntries(db: RawTx, rows: readonly { detail?: string }[]): Promise<Record<string, string>[]> {
  const recordIds = rows.map((r) => recordIdsOf(r.detail!));
  const attrsById = await attrsOfRecords(db, [...new Set(recordIds.flat())]);
  const parsed = new Map<number, Record<string, string>>();
  const attrsOf = (id: number) => {
    let a = parsed.get(id);
    if (!a) parsed.set(id, (a = parseAttrs(attrsById.get(id) ?? null)));
    return a;
  };
  return recordIds.map((ids) => {
    const attrs: Record<string, string> = {};
    for (const id of ids) if (attrsById.has(id)) for (const [k, v] of Object.entries(attrsOf(id))) attrs[k] ??= v;
    return attrs;
  });
}

function paymentOf(r: EntryRow, attrs: Record<string, string>): PaymentInput {
  return {
    resultId: Number(r.id),
    key: r.key,
    date: r.date,
    state: r.state,
    amountMinor: BigInt(r.amountMinor),
    currency: r.currency,
    finalStatus: r.finalStatus,
    finalAmountMinor: r.finalAmountMinor === null ? null : BigInt(r.finalAmountMinor),
    finalCurrency: r.finalCurrency,
    attrs,
  };
}

/**
 * A run's or ledger's entries as the aggregate's payments, in batches in key order, with their
 * records' attributes (for the join; none read when the join is on the key, which needs none).
 */
export async function* paymentBatches(db: RawTx, runId: string, join: { payment: string }): AsyncGenerator<PaymentInput[]> {
  const withAttrs = join.payment !== 'key';
  for await (const rows of entryPages<EntryRow>(db, runId, `${ENTRY_COLUMNS}${withAttrs ? ', "detail"' : ''}`, WRITE_BATCH)) {
    const attrs = withAttrs ? await attrsOfEntries(db, rows) : null;
    yield rows.map((r, i) => paymentOf(r, attrs?.[i] ?? {}));
  }
}

/** Keys (and details, for a join on another field) read a statement while looking for the entries that link to a deal. */
const LINK_PAGE = 10_000;

/**
 * A run's entries a key range at a time, with those of the range that link to a deal (`dealOf` their
 * join value) as the aggregate's payments: the join values are read first (only the key, or the
 * detail and the records' attributes when the join is on another field), then the linked entries
 * whole. The range's other entries are built in SQL (./unlinked-payments.ts).
 */
export async function* linkedPaymentRanges(db: RawTx, runId: string, join: { payment: string }, dealOf: (link: string | null) => string | null, rangeKeys = LINK_PAGE): AsyncGenerator<UnlinkedRange & { linked: PaymentInput[] }> {
  const withAttrs = join.payment !== 'key';
  for await (const rows of entryPages<{ id: number | bigint; key: string; detail?: string }>(db, runId, `"id", "key"${withAttrs ? ', "detail"' : ''}`, rangeKeys)) {
    const attrs = withAttrs ? await attrsOfEntries(db, rows) : null;
    const attrsOf = new Map<number, Record<string, string>>();
    rows.forEach((r, i) => {
      const a = attrs?.[i] ?? {};
      if (dealOf(linkOfPayment({ key: r.key, attrs: a }, join.payment))) attrsOf.set(Number(r.id), a);
    });
    const linkedIds = [...attrsOf.keys()];
    const linked: PaymentInput[] = [];
    for (let i = 0; i < linkedIds.length; i += WRITE_BATCH) {
      const part: EntryRow[] = await db.$queryRawUnsafe(`SELECT ${ENTRY_COLUMNS} FROM "RunResult" WHERE "id" IN (${linkedIds.slice(i, i + WRITE_BATCH).join(',')}) ORDER BY "key"`);
      for (const r of part) linked.push(paymentOf(r, attrsOf.get(Number(r.id))!));
    }
    yield { first: rows[0]!.key, last: rows[rows.length - 1]!.key, linkedIds, linked };
  }
}

/**
 * Rebuilds the pre-aggregate of a completed run (or a ledger). The new rows replace the old ones and
 * the build marker in one transaction, so a reader sees the old figures or the new ones, never a
 * half-built aggregate (a ledger is rebuilt while people read its dashboard). The entries that link
 * to a deal stream through the process in batches, each batch's credits written as it goes; the
 * others are summed and credited in SQL (./unlinked-payments.ts): only the deals, the spend and the
 * daily rows are held in memory (every entry and its credits at once took 2.3 GiB for 100k keys).
 * `everyPaymentInProcess`: every entry through the process, as before (the equivalence tests' peer);
 * `rangeKeys`: entries a key range (tests take small ranges).
 */
export async function rebuildRomi(
  runId: string,
  /** deferIndexes: whether the credit table's secondary indexes are set aside while it is written (default: for a large build, largeBuild). */
  opts: { db?: Client; join?: Join; everyPaymentInProcess?: boolean; rangeKeys?: number; deferIndexes?: boolean } = {},
): Promise<{ daily: number; credits: number; linkedPayments: number }> {
  const db = opts.db ?? getPrisma();
  const stored = await romiSettingsOf(runId, db);
  const settings = opts.join ? { ...stored, join: opts.join } : stored;
  const started = Date.now();

  const spend = await currentSpend(db, settings.spendSourceIds);
  const builder = new AggregateBuilder({ deals: [], spend, join: settings.join, revenue: revenueBasisOf(settings), channelOf: await loadChannelMap(db) });
  for await (const deal of dealRecords(db, settings.dealSourceIds)) builder.addDeal(deal);
  const dealCount = builder.dealCount;
  let credits = 0;
  const kind = clientTarget(db).kind;
  const run = literalFor(kind)(runId);
  // One transaction of the bulk writer's own: a reader sees the old aggregate or the new one. On
  // PostgreSQL the rows go by COPY; on SQLite by prepared row inserts on the writer's connection (in
  // Prisma's transaction its adapter kept every statement's memory: a 1M-key rebuild peaked at 890
  // MiB, 681 MiB this way). Either way SQLite's write lock is held for the whole rebuild.
  const write = async (tx: RawTx): Promise<number> => {
    await lockRunAggregate(tx, kind, run);
    await tx.$executeRawUnsafe(`DELETE FROM "RomiDaily" WHERE "runId" = ${run}`);
    await tx.$executeRawUnsafe(`DELETE FROM "RomiCredit" WHERE "runId" = ${run}`);
    // The payments that link to a deal go through the process (attribution by the deal's touches); the
    // others, most of them, are summed and credited in SQL once the linked ones have their credits.
    if (opts.everyPaymentInProcess) {
      for await (const batch of paymentBatches(tx, runId, settings.join)) {
        const paymentCredits = builder.addPayments(batch);
        await insertCredits(tx, runId, paymentCredits);
        credits += paymentCredits.length;
        await yieldToEventLoop(); // frees the batch's statements
      }
    } else {
      const unlinked = builder.unlinkedCredit();
      for await (const range of linkedPaymentRanges(tx, runId, settings.join, (link) => builder.dealOfLink(link), opts.rangeKeys)) {
        const paymentCredits = builder.addPayments(range.linked);
        await insertCredits(tx, runId, paymentCredits);
        credits += paymentCredits.length;
        builder.addUnlinked(await unlinkedTotals(tx, runId, range));
        credits += await insertUnlinkedCredits(tx, runId, range, unlinked);
        await yieldToEventLoop(); // frees the range's statements
      }
    }
    // The deals' and spend's credits a batch at a time (100k deals: several hundred thousand rows).
    for (const batch of builder.closingCredits(WRITE_BATCH)) {
      await insertCredits(tx, runId, batch);
      credits += batch.length;
    }
    const daily = builder.dailyRows();
    await insertValues(tx, 'RomiDaily', DAILY_COLUMNS, daily.map((d) => [runId, d.model, d.day, d.channel, d.campaign, d.currency, d.revenueMinor, d.refundMinor, d.notCountedMinor, d.spendMinor, d.leadsMilli, d.dealsMilli, d.paidDealsMilli, d.paidTx]));
    const build = { builtAt: new Date(), joinField: joinFieldOf(settings), creditLinks: true, linkedPayments: builder.linkedPayments, payments: builder.payments, deals: dealCount, spendRows: spend.length, durationMs: Date.now() - started, revision: 0 };
    // Updated in place: a change waiting on the row (lockRunAggregate) then moves the new build's revision.
    const lit = literalFor(kind);
    const set = Object.entries(build).map(([column, value]) => `"${column}" = ${lit(value)}`).join(', ');
    if (!(await tx.$executeRawUnsafe(`UPDATE "RomiBuild" SET ${set} WHERE "runId" = ${run}`))) {
      await insertValues(tx, 'RomiBuild', ['runId', ...Object.keys(build)], [[runId, ...Object.values(build)]]);
    }
    return daily.length;
  };
  const deferred = (opts.deferIndexes ?? (await largeBuild(db, runId))) ? await deferIndexes(db, 'RomiCredit') : [];
  try {
    const daily = await bulkTransaction(db, write);
    return { daily, credits, linkedPayments: builder.linkedPayments };
  } finally {
    // Built again even when the build failed (an interrupted process: by the next build or migration).
    if (deferred.length) await restoreDeferredIndexes(db, 'RomiCredit');
  }
}

/** The first key of PostgreSQL's two-key advisory locks that stand for a run's ROMI aggregate. */
const AGGREGATE_LOCK_CLASS = 0x524f4d49; // 'ROMI'

/**
 * Rebuilds of one run take turns, and wait for the changes that move its aggregate in place. On
 * PostgreSQL a transaction-scoped advisory lock on the run queues rebuilds (two at once both deleted
 * the old rows and then inserted the same daily rows: a duplicate key, or a deadlock), and the build
 * row is locked before any daily row or credit, in the order the incremental changes take them
 * (apply-row-change.ts, apply-entries.ts), so a decision made during a rebuild waits for it instead
 * of deadlocking with it. On SQLite the write lock, taken at BEGIN, does all of this.
 */
async function lockRunAggregate(tx: RawTx, kind: 'sqlite' | 'postgres', run: string): Promise<void> {
  if (kind !== 'postgres') return;
  await tx.$queryRawUnsafe(`SELECT 1 AS "locked" FROM (SELECT pg_advisory_xact_lock(${AGGREGATE_LOCK_CLASS}, hashtext(${run}))) l`);
  await tx.$queryRawUnsafe(`SELECT 1 AS "locked" FROM "RomiBuild" WHERE "runId" = ${run} FOR UPDATE`);
}

/**
 * A build of at least DEFER_MIN_ENTRIES entries, into a credit table holding at most
 * DEFER_MAX_EXISTING_RATIO times as many rows, sets the table's four secondary indexes aside while
 * it writes and builds them once at the end (lib/server/db/deferred-indexes.ts): a row written into
 * them lands at a random place in each, and at 3M keys those index pages were 30 s of an 88-s build.
 * Reads of other runs' credits answer meanwhile, without the indexes.
 */
const DEFER_MIN_ENTRIES = 50_000;
const DEFER_MAX_EXISTING_RATIO = 4;

async function largeBuild(db: Client, runId: string): Promise<boolean> {
  const entries = await db.runResult.count({ where: { runId } });
  if (entries < DEFER_MIN_ENTRIES) return false;
  return holdsAtMost(db, 'RomiCredit', entries * DEFER_MAX_EXISTING_RATIO);
}

/** Called when a run completes: a failed rebuild is logged and leaves the run completed (the dashboard says it is missing). */
export async function rebuildRomiAfterRun(runId: string, db: Client): Promise<void> {
  try {
    await rebuildRomi(runId, { db });
  } catch (error) {
    loggerFor('romi', { runId }).error({ err: error }, 'ROMI pre-aggregate failed; the run stays completed and the dashboard says the figures are missing');
  }
}
