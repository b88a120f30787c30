/**
 * A ledger pass (docs/ledger.md): reconciles a set of keys (incremental: what an ingestion, pull or
 * webhook touched) or every key (full) of one reconciliation against its ledger, and writes only
 * what changed. Decisions stay on entries whose facts did not change; a settled entry whose facts
 * changed is reopened with the reason, its earlier decision kept in its history, its ROMI figures
 * moved in the same transaction as its audit row. Each pass is journaled (ReconciliationPass).
 */
import { availableParallelism } from 'node:os';
import { timeOrderedId } from '@/lib/server/db/row-ids';
import { clientTarget, type DbClient as Client, getPrisma } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';
import { type Actor } from '@/lib/domain/actor';
import { REVIEW_STATE_INFO, type ReviewState } from '@/lib/domain/review';
import { formatMoney } from '@/lib/domain/money';
import { entryOutcome, reopenReason, type FactChange } from '@/lib/reconcile/ledger';
import { engineFor, loadKeys } from '@/lib/features/runs/reconcile-keys';
import { resultData } from '@/lib/features/runs/result-rows';
import { type Tx } from '@/lib/features/romi/rebuild-romi';
import { RESULT_COLUMNS_WITH_IDS, resultInsertSql, resultRowsWithIds, type ResultInsertRow } from '@/lib/server/db/result-insert';
import { bulkTransaction, insertValues, reserveIds, takesCopy, takesPrepared, type RawTx } from '@/lib/server/db/sql-tx';
import { rowState, ROW_SELECT, type ReviewRow } from '@/lib/features/review/row-change';
import { applyRomiRowChange } from '@/lib/features/romi/apply-row-change';
import { applyRomiEntries, entryAttrs, type EntryFigures, type EntryMove } from '@/lib/features/romi/apply-entries';
import { autoResolveKeys, decide, recordSettlements } from '@/lib/features/review/auto-resolve';
import { literalFor, releaseSqliteWriterConnection } from '@/lib/server/db/record-insert';
import { yieldToEventLoop } from '@/lib/server/db/yield';
import { refreshPlannerStats } from '@/lib/server/db/planner-stats';
import { deferIndexes, restoreDeferredIndexes } from '@/lib/server/db/deferred-indexes';
import { attrsOfRecords, rebuildRomiAfterRun, recordIdsOf } from '@/lib/features/romi/rebuild-romi';
import { creditModelsOf } from '@/lib/romi';
import { factsOf } from './facts';
import { keyBounds, largestSource, rangesOf, WHOLE_RANGE, type KeyRange } from '@/lib/server/db/key-bounds';
import { updateEntries } from './bulk-update';
import { ledgerInputs } from './inputs';
import { sidesOfSources } from '@/lib/features/runs/engine-members';
import { countMove, ledgerSummary, moveLedgerCounts, type CountMoves } from './summary';
import { PhaseClock, type PassPhases } from './phase-clock';
import { IMPLIED_FACTS } from './created-facts';
import { loggerFor } from '@/lib/server/observability/logger';
import { runScript } from '@/lib/server/core/script-process';

/** Keys a statement reads or writes by list (SQLite takes at most 999 bound values a statement). */
export const PASS_CHUNK = 500;
/**
 * Keys reconciled and written per transaction: short transactions keep SQLite's write lock brief,
 * while each commit writes every index page its rows touched (RunResult has ten indexes), so fewer,
 * larger commits write less (a fill of 53k entries: 237 commits of 500 keys took 11 s).
 */
const TRANSACTION_KEYS = 2000;
/**
 * Keys per transaction when a full pass fills an empty ledger on SQLite. SQLite writes every page a
 * transaction dirtied at its commit, and new entries land at random places in nine of RunResult's
 * indexes: 10,000 keys a transaction dirty fewer pages per key (a 1M-key fill's commits 219 -> 122 s,
 * the pass 547 -> 424 s; a larger page cache made no difference), holding the write lock about 3 s at
 * 1M entries (other writers wait up to SQLITE_BUSY_TIMEOUT_MS). PostgreSQL logs rows, not pages.
 */
const SQLITE_FILL_TRANSACTION_KEYS = 10_000;
/**
 * A full pass on an empty ledger of at least this many keys (its largest source's records) sets
 * RunResult's secondary indexes aside and builds them once at the end (lib/server/db/deferred-indexes.ts),
 * unless the table holds more than DEFER_MAX_EXISTING_RATIO times as many rows already (building the
 * indexes again covers every run's rows). A 1M-key fill, two variants side by side: on SQLite entries
 * 135 -> 54 s and commits 132 -> 29 s, the nine indexes built in 28 s (the pass 457 -> about 318 s);
 * on PostgreSQL entries 198 -> 97 s, the indexes 35 s (461 -> 404 s). While they are built, writes to
 * RunResult wait (a few seconds an index at 1M rows); reads go on.
 */
const DEFER_INDEXES_MIN_KEYS = 50_000;
const DEFER_MAX_EXISTING_RATIO = 4;

export type PassTrigger = 'ingestion' | 'webhook' | 'pull' | 'rules' | 'person' | 'upgrade';
export type PassCounts = { keysRead: number; created: number; changed: number; reopened: number; unchanged: number; autoResolved: number };
/** `phases`: where the pass spent its time (ms by phase, lib/features/ledger/phase-clock.ts); `rssMiB`: the process's resident set at the end of each phase, largest seen. */
export type PassResult = PassCounts & { passId: string; durationMs: number; phases: PassPhases; rssMiB: PassPhases; workers: number };
/** What a worker of a split full pass did: its counts, and where its time went. */
export type PartitionResult = { counts: PassCounts; phases: PassPhases; rssMiB: PassPhases };

function addCounts(to: PassCounts, from: PassCounts): void {
  for (const k of Object.keys(to) as (keyof PassCounts)[]) to[k] += from[k];
}

const CLASSIFICATION = ['cls', 'reasons', 'severity', 'severityRank', 'action', 'actionLabel', 'ruleId', 'missingIn', 'duplicateIn', 'statuses', 'amountMinor', 'currency', 'date', 'amountDiffMinor'] as const;

type Entry = ReviewRow & { resolvedAt: Date | null } & Record<(typeof CLASSIFICATION)[number], unknown>;

function sameClassification(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return CLASSIFICATION.every((k) => String(a[k] ?? '') === String(b[k] ?? ''));
}

const amountText = (minor: string, currency: string | null) => (currency ? formatMoney(BigInt(minor), currency, { cents: true }) : minor);

/**
 * Every distinct key of the member sources, in pages of PASS_CHUNK (a full pass). Each source's next
 * keys come from its (sourceId, key) index; the page is the smallest keys of their union. (Prisma's
 * `distinct` dedups in memory after reading every row past the cursor: quadratic over a full pass.)
 */
async function* allKeys(db: Client, sourceIds: string[], size: number, range: KeyRange = WHOLE_RANGE): AsyncGenerator<string[]> {
  const { kind } = clientTarget(db as object);
  let after: string | null = range.after;
  for (;;) {
    const params: string[] = [];
    const param = (v: string) => (params.push(v), kind === 'postgres' ? `$${params.length}` : '?');
    const parts = sourceIds.map(
      (id, i) =>
        `SELECT "key" FROM (SELECT DISTINCT "key" FROM "SourceRecord" WHERE "sourceId" = ${param(id)}${after === null ? '' : ` AND "key" > ${param(after)}`}${range.upTo === null ? '' : ` AND "key" <= ${param(range.upTo)}`} ORDER BY "key" LIMIT ${size}) s${i}`,
    );
    const rows: { key: string }[] = await db.$queryRawUnsafe(`SELECT "key" FROM (${parts.join(' UNION ')}) u ORDER BY "key" LIMIT ${size}`, ...params);
    if (!rows.length) return;
    yield rows.map((r) => r.key);
    if (rows.length < size) return;
    after = rows[rows.length - 1]!.key;
  }
}

/**
 * A fill splits between the default number of workers only from this many keys (its largest source's
 * records): a worker process takes a second or two to start, more than a small fill takes.
 */
const SPLIT_MIN_KEYS = 50_000;

/**
 * Worker processes a fill splits its keys between (PAIDLINE_LEDGER_WORKERS; default 2 where the machine
 * has two cores or more, else 1). At 1M keys on the 2-core machine two workers fill 1.5x as fast as one
 * on SQLite (they take turns at the write lock, one reconciling while the other writes) and 1.46x on
 * PostgreSQL (docs/data-plane.md).
 */
export function ledgerWorkers(setting = process.env.PAIDLINE_LEDGER_WORKERS): number {
  setting = setting?.trim() || String(Math.min(2, availableParallelism()));
  const n = Number(setting);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new Error(`PAIDLINE_LEDGER_WORKERS="${setting}" is not a whole number from 1 to 16.`);
  return n;
}

/**
 * Runs one pass and journals it. `keys`: the keys to reconcile (incremental), or null for every key
 * of the member sources (full). Returns what it did.
 */
export async function runLedgerPass(
  reconciliationId: string,
  opts: {
    keys: readonly string[] | null;
    trigger: PassTrigger;
    triggerRef?: string | null;
    actor?: Actor | null;
    /** The person who asked, when queued on their behalf. */
    actorEmail?: string | null;
    db?: Client;
    /** false: new entries are inserted open and settled afterwards, never inserted settled (the equivalence test compares both). */
    presettle?: boolean;
    /** Whether a full pass on an empty ledger sets RunResult's secondary indexes aside (default: when it is large, DEFER_INDEXES_MIN_KEYS). */
    deferIndexes?: boolean;
    /**
     * Processes a fill (a full pass on an empty ledger) splits its keys between (default: ledgerWorkers() from
     * SPLIT_MIN_KEYS keys, else 1). On
     * SQLite the workers take turns at the one write lock: one reads and reconciles its next chunk while the
     * other writes.
     */
    workers?: number;
  },
): Promise<PassResult> {
  const db = opts.db ?? getPrisma();
  const started = Date.now();
  const clock = new PhaseClock();
  const scope = await db.reconciliation.findUniqueOrThrow({ where: { id: reconciliationId } });
  const pass = await db.reconciliationPass.create({
    data: {
      reconciliationId,
      trigger: opts.trigger,
      triggerRef: opts.triggerRef ?? null,
      actorEmail: opts.actor?.email ?? opts.actorEmail ?? null,
      scope: opts.keys ? 'incremental' : 'full',
      status: 'running',
      startedAt: new Date(started),
    },
  });
  const counts: PassCounts = { keysRead: 0, created: 0, changed: 0, reopened: 0, unchanged: 0, autoResolved: 0 };
  try {
    const { inputs, ruleSet } = await ledgerInputs(scope, db);
    // With no aggregate that entries can move (none yet, or built before credits carried their join
    // value), the pass does not compute moves: the aggregate is built once at the end.
    const build = await db.romiBuild.findUnique({ where: { runId: scope.ledgerRunId }, select: { creditLinks: true } });
    const romi = { rebuild: !build?.creditLinks, presettle: opts.presettle ?? true };
    // PostgreSQL plans from statistics: a full pass starts from fresh ones (the records vacuumed too, so
    // its key pages are read from the index alone), and a pass that keeps creating entries refreshes
    // them each time the count it created doubles (from 10,000).
    if (!opts.keys) await refreshPlannerStats(db, ['SourceRecord', 'RunResult'], { vacuum: ['SourceRecord'] });
    let analyzeAt = 10_000;
    const { kind } = clientTarget(db);
    const sourceIds = inputs.sources.map((s) => s.sourceId);
    const empty = !opts.keys && !(await db.runResult.findFirst({ where: { runId: scope.ledgerRunId }, select: { id: true } }));
    const fill = empty && kind === 'sqlite';
    const largest = empty ? await largestSource(db, sourceIds) : null;
    const deferred = largest && (opts.deferIndexes ?? (await largeFill(db, largest.n))) ? await deferIndexes(db, 'RunResult') : [];
    // A fill split between workers: each takes a range of keys, this process the first. A fill's chunks
    // only insert (and upsert the ledger's counts, in one order), so they commit concurrently without
    // contention (SQLite: one at a time, while the others read and reconcile); the ROMI aggregate is
    // built at the end. A pass over existing entries is not split:
    // its chunks settle, reopen and move the aggregate, rows that workers would contend for.
    const bounds = largest ? await keyBounds(db, largest, opts.workers ?? (largest.n >= SPLIT_MIN_KEYS ? ledgerWorkers() : 1)) : [];
    if (bounds.length) romi.rebuild = true;
    const ranges = rangesOf(bounds);
    clock.lap('totals');
    try {
      const others = ranges.slice(1).map((range) => runPartitionInChild({ reconciliationId, passId: pass.id, range, romi, url: clientTarget(db).url }));
      const chunks = opts.keys ? chunked([...new Set(opts.keys)], TRANSACTION_KEYS) : allKeys(db, sourceIds, fill ? SQLITE_FILL_TRANSACTION_KEYS : TRANSACTION_KEYS, ranges[0]);
      const mine = reconcileChunks(db, { ledgerRunId: scope.ledgerRunId, inputs, ruleSet, passId: pass.id, counts, romi, clock }, chunks, !!opts.keys, async () => {
        if (counts.created < analyzeAt) return;
        await refreshPlannerStats(db, ['RunResult']);
        analyzeAt = counts.created * 2;
        clock.lap('totals');
      });
      // Every worker ends (done or failed) before the pass does: a failed one fails the pass.
      const [own, workers] = await Promise.all([Promise.allSettled([mine]), Promise.allSettled(others)]);
      for (const w of workers) if (w.status === 'fulfilled') addCounts(counts, w.value.counts);
      const failed = [...own, ...workers].find((w) => w.status === 'rejected');
      if (failed) throw failed.reason;
      clock.lap('totals');
      for (const w of workers) if (w.status === 'fulfilled') clock.addWorker(w.value.phases, w.value.rssMiB);
    } finally {
      // Built again even when the fill failed (an interrupted process: before the next migration).
      if (deferred.length) {
        await restoreDeferredIndexes(db, 'RunResult');
        await refreshPlannerStats(db, ['RunResult']);
        clock.lap('indexes');
      }
    }
    releaseSqliteWriterConnection(db); // its page cache, before the ROMI build
    const wrote = counts.created + counts.changed + counts.reopened + counts.autoResolved > 0;
    if (wrote) await refreshLedgerTotals(db, scope.ledgerRunId, sidesOfSources(inputs));
    const durationMs = Date.now() - started;
    await db.$transaction(async (tx) => {
      await tx.reconciliationPass.update({ where: { id: pass.id }, data: { status: 'completed', finishedAt: new Date(), durationMs, ...counts } });
      await tx.reconciliation.update({ where: { id: reconciliationId }, data: { lastPassAt: new Date(), ...(wrote ? { ledgerVersion: { increment: 1 } } : {}) } });
      await writeAudit(tx, { actor: opts.actor ?? null, action: 'ledger.pass', entityType: 'Reconciliation', entityId: reconciliationId, after: { passId: pass.id, trigger: opts.trigger, triggerRef: opts.triggerRef ?? null, scope: opts.keys ? 'incremental' : 'full', ...counts } });
    });
    // ROMI follows the ledger: every entry moved it in its chunk's transaction (applyRomiEntries,
    // applyRomiRowChange). Only an aggregate that could not be moved exactly (none yet, one built before
    // credits carried their join value, a settled entry reclassified) is rebuilt, atomically.
    clock.lap('totals');
    if (wrote && romi.rebuild) await rebuildRomiAfterRun(scope.ledgerRunId, db);
    clock.lap('romi');
    const phases = clock.rounded();
    const rssMiB = clock.peaks();
    loggerFor('ledger', { reconciliationId, passId: pass.id }).info({ ...counts, durationMs, phases, rssMiB }, 'ledger pass completed');
    return { passId: pass.id, durationMs, phases, rssMiB, workers: ranges.length, ...counts };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await db.reconciliationPass.update({ where: { id: pass.id }, data: { status: 'failed', finishedAt: new Date(), durationMs: Date.now() - started, message: message.slice(0, 2000), ...counts } });
    throw error;
  }
}

/** A worker's range of a split full pass, in a process of its own (scripts/ledger-pass.ts). */
function runPartitionInChild(request: PartitionRequest & { url: string }): Promise<PartitionResult> {
  const { url, ...rest } = request;
  return runScript<PartitionResult>('ledger-pass.ts', { partition: rest }, { DATABASE_URL: url }, { describe: (why) => `A ledger pass worker failed: ${why}` });
}

export type PartitionRequest = { reconciliationId: string; passId: string; range: KeyRange; romi: { rebuild: boolean; presettle: boolean } };

/**
 * A worker's part of a split full pass (the pass itself journals, totals and builds ROMI): every key
 * of its range reconciled and written, chunk by chunk, as the pass's own range is.
 */
export async function runPassPartition(request: PartitionRequest, db: Client): Promise<PartitionResult> {
  const clock = new PhaseClock();
  const scope = await db.reconciliation.findUniqueOrThrow({ where: { id: request.reconciliationId } });
  const { inputs, ruleSet } = await ledgerInputs(scope, db);
  const counts: PassCounts = { keysRead: 0, created: 0, changed: 0, reopened: 0, unchanged: 0, autoResolved: 0 };
  const romi = { ...request.romi, rebuild: true };
  clock.lap('totals');
  // A split pass is always a fill: on SQLite, its chunks are a fill's.
  const chunks = allKeys(db, inputs.sources.map((s) => s.sourceId), clientTarget(db).kind === 'sqlite' ? SQLITE_FILL_TRANSACTION_KEYS : TRANSACTION_KEYS, request.range);
  await reconcileChunks(db, { ledgerRunId: scope.ledgerRunId, inputs, ruleSet, passId: request.passId, counts, romi, clock }, chunks, false);
  releaseSqliteWriterConnection(db);
  return { counts, phases: clock.rounded(), rssMiB: clock.peaks() };
}

/** Whether a fill of about `keys` keys is large enough to set the ledger's indexes aside, against the rows RunResult holds already. */
async function largeFill(db: Client, keys: number): Promise<boolean> {
  if (keys < DEFER_INDEXES_MIN_KEYS) return false;
  return (await db.runResult.count()) <= keys * DEFER_MAX_EXISTING_RATIO;
}

type ChunkContext = {
  ledgerRunId: string;
  inputs: Awaited<ReturnType<typeof ledgerInputs>>['inputs'];
  ruleSet: Awaited<ReturnType<typeof ledgerInputs>>['ruleSet'];
  passId: string;
  counts: PassCounts;
  romi: { rebuild: boolean; presettle: boolean };
  clock: PhaseClock;
};

/**
 * Reconciles and writes chunk after chunk. `byKeys`: each chunk is a key list (incremental); otherwise
 * it is every key between its first and last (allKeys pages in key order), read as a range.
 */
async function reconcileChunks(db: Client, c: ChunkContext, chunks: AsyncIterable<string[]>, byKeys: boolean, afterChunk?: () => Promise<void>): Promise<void> {
  for await (const keys of chunks) {
    c.clock.lap('keys');
    await reconcileChunk(db, c.ledgerRunId, c.inputs, c.ruleSet, byKeys ? keys : { first: keys[0]!, last: keys[keys.length - 1]! }, c.passId, c.counts, c.romi, c.clock);
    await yieldToEventLoop(); // frees the chunk's statements, and lets the rest of the process in
    await afterChunk?.();
  }
}

async function* chunked<T>(items: readonly T[], size: number): AsyncGenerator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/**
 * Reconciles one chunk of keys and writes its changes in one transaction: new, changed and reopened
 * entries with their history, the ledger's counts, the ROMI moves, and the automatic rules'
 * decisions on those entries (each with its resolution and audit row).
 */
async function reconcileChunk(
  db: Client,
  ledgerRunId: string,
  inputs: Awaited<ReturnType<typeof ledgerInputs>>['inputs'],
  ruleSet: Awaited<ReturnType<typeof ledgerInputs>>['ruleSet'],
  keys: string[] | { first: string; last: string },
  passId: string,
  counts: PassCounts,
  romi: { rebuild: boolean; presettle: boolean },
  clock: PhaseClock,
): Promise<void> {
  const engine = engineFor(inputs, ruleSet);
  const { sides, violations } = await loadKeys(db, inputs, engine, { keys });
  clock.lap('records');
  const fresh = [...engine.rows()].map((row) => resultData(ledgerRunId, row, inputs, sides, violations));
  clock.lap('engine');
  counts.keysRead += fresh.length;
  if (!fresh.length) return;
  const select = { ...ROW_SELECT, resolvedAt: true, reasons: true, severity: true, severityRank: true, missingIn: true, duplicateIn: true, statuses: true, amountMinor: true, date: true, amountDiffMinor: true } as const;
  const stored: Entry[] = [];
  if (!Array.isArray(keys)) stored.push(...((await db.runResult.findMany({ where: { runId: ledgerRunId, key: { gte: keys.first, lte: keys.last } }, select })) as Entry[]));
  else {
    for (let i = 0; i < fresh.length; i += PASS_CHUNK) {
      stored.push(...((await db.runResult.findMany({ where: { runId: ledgerRunId, key: { in: fresh.slice(i, i + PASS_CHUNK).map((f) => f.key) } }, select })) as Entry[]));
    }
  }
  const byKey = new Map(stored.map((e) => [e.key, e]));
  clock.lap('entries-read');
  const now = new Date();
  const touched: string[] = [];
  const creates: typeof fresh = [];
  const updates: { entry: Entry; data: (typeof fresh)[number]; changes: FactChange[] | null; reopen: boolean }[] = [];
  for (const data of fresh) {
    const entry = byKey.get(data.key) ?? null;
    // The same detail text says the same facts: most keys of a full pass, decided without parsing it.
    const outcome = entry && entry.detail === data.detail ? ({ kind: 'unchanged' } as const) : entryOutcome(entry ? { facts: factsOf(entry.detail), state: entry.state } : null, factsOf(data.detail));
    if (outcome.kind === 'created') creates.push(data);
    else if (outcome.kind === 'unchanged') {
      // Same facts: the decision stands. A rule-set change may still classify the key differently.
      if (sameClassification(entry as Record<string, unknown>, data as Record<string, unknown>)) counts.unchanged++;
      else updates.push({ entry: entry!, data, changes: null, reopen: false });
    } else updates.push({ entry: entry!, data, changes: outcome.changes, reopen: outcome.kind === 'reopened' });
  }
  if (!creates.length && !updates.length) return;

  // What the moved entries' records say beyond the facts (the payment-to-deal join value).
  const attrIds = romi.rebuild ? [] : [...new Set([...creates, ...updates.map((u) => u.data)].flatMap((d) => recordIdsOf(d.detail)))];
  const attrsById: Map<number, string | null> = await attrsOfRecords(db, attrIds);
  const figures = (resultId: number, d: { key: string; date: string | null; amountMinor: unknown; currency: unknown }, review: Pick<ReviewRow, 'state' | 'finalStatus' | 'finalAmountMinor' | 'finalCurrency'>): EntryFigures => ({
    resultId,
    key: d.key,
    date: d.date,
    amountMinor: BigInt(d.amountMinor as bigint),
    currency: String(d.currency),
    state: review.state,
    finalStatus: review.finalStatus,
    finalAmountMinor: review.finalAmountMinor,
    finalCurrency: review.finalCurrency,
  });
  const moves: EntryMove[] = [];
  const reopened: Reopen[] = [];
  const counted: CountMoves = new Map();

  // A chunk that only creates entries while ROMI waits for its build at the end (a fill, or new keys
  // before any aggregate) is written in a transaction of the bulk writer's own: by COPY on PostgreSQL,
  // by prepared row inserts on a connection of its own on SQLite. Anything else goes in Prisma's
  // interactive transaction, by multi-row INSERTs. The same rows either way
  // (test/integration/ledger-fill.test.ts).
  const created = (tx: RawTx) => writeCreated(tx, { ledgerRunId, passId, ruleSet, creates, now, romi, counts, counted, touched, moves, figures, attrsById, clock });
  if (romi.rebuild && romi.presettle && !updates.length) {
    await bulkTransaction(db, async (tx) => {
      await created(tx);
      await moveLedgerCounts(tx, ledgerRunId, counted);
      clock.lap('updates');
      // The automatic rules already decided every new entry they cover (presettled): nothing is left to settle.
    });
    clock.lap('commit');
    return;
  }
  await db.$transaction(async (tx) => {
    await created(tx);
    const classificationOf = (data: ResultInsertRow): Record<string, string | number | bigint | null> => ({
      ...Object.fromEntries(CLASSIFICATION.map((k) => [k, (data[k as keyof typeof data] ?? null) as string | number | bigint | null])),
      detail: data.detail,
    });
    // Entries in review (or classified again by a new rule set): new facts and classification, same decision.
    const plain = updates.filter((u) => !u.reopen);
    const changedRows = plain.filter((u) => u.changes);
    await updateEntries(tx, changedRows.map((u) => ({ id: u.entry.id, set: classificationOf(u.data) })), { updatedAt: now, changedAt: now }, { checkVersion: false });
    await updateEntries(tx, plain.filter((u) => !u.changes).map((u) => ({ id: u.entry.id, set: classificationOf(u.data) })), { updatedAt: now }, { checkVersion: false });
    for (const { entry, data } of plain) {
      countMove(counted, entry, data);
      const before = figures(entry.id, entry as unknown as { key: string; date: string | null; amountMinor: bigint; currency: string }, entry);
      const after = figures(entry.id, data, entry);
      if (!romi.rebuild && (before.amountMinor !== after.amountMinor || before.currency !== after.currency || before.date !== after.date)) {
        moves.push({ before, after, attrs: entryAttrs(recordIdsOf(data.detail), attrsById) });
      }
    }
    if (changedRows.length) {
      await insertHistory(tx, changedRows.map(({ entry, data }) => ({ resultId: entry.id, passId, change: 'changed', factsBefore: JSON.stringify(factsOf(entry.detail)), factsAfter: JSON.stringify(factsOf(data.detail)), reason: null, at: now })));
      counts.changed += changedRows.length;
      touched.push(...changedRows.map((u) => u.entry.key));
    }
    counts.unchanged += plain.length - changedRows.length;
    // Classified again with the same facts (new matching or rules): an entry still open that an automatic
    // rule now covers is settled like a new one (a bank booking two days later matches under a window).
    touched.push(...plain.filter((u) => !u.changes && u.entry.state === 'open').map((u) => u.entry.key));

    // Settled entries with new facts: reopened with the reason, only if nobody changed them since they
    // were read (otherwise the next pass sees the new state).
    const reopening = updates
      .filter((u) => u.reopen)
      .map(({ entry, data, changes }) => ({
        entry,
        data,
        reason: reopenReason(changes ?? [], { label: REVIEW_STATE_INFO[entry.state as ReviewState]?.label ?? entry.state, at: entry.resolvedAt ?? now, finalStatus: entry.finalStatus }, { formatAmount: amountText }),
      }));
    const reopenedIds = await updateEntries(
      tx,
      reopening.map(({ entry, data, reason }) => ({ id: entry.id, version: entry.version, set: { ...classificationOf(data), version: entry.version + 1, reopenReason: reason } })),
      { state: 'open', finalStatus: null, finalAmountMinor: null, finalCurrency: null, resolvedAt: null, updatedAt: now, changedAt: now, reopenedAt: now },
      { checkVersion: true },
    );
    for (const { entry, data, reason } of reopening) {
      if (!reopenedIds.has(entry.id)) continue;
      const before = rowState(entry);
      const after = { ...before, state: 'open' as const, finalStatus: null, finalAmountMinor: null, version: entry.version + 1 };
      reopened.push({ entry, data, reason, before, after });
      countMove(counted, entry, data);
      counts.reopened++;
      touched.push(entry.key);
    }
    if (reopened.length) await writeReopens(tx, ledgerRunId, passId, now, reopened, moves, (e, d) => entryAttrs(recordIdsOf(d.detail), attrsById), figures);
    await moveLedgerCounts(tx, ledgerRunId, counted);
    if (!romi.rebuild && !(await applyRomiEntries(tx, ledgerRunId, moves))) romi.rebuild = true;
    // Automatic rules settle the new, changed and reopened entries only, after their ROMI moves.
    counts.autoResolved += await autoResolveKeys(tx, ledgerRunId, ruleSet.autoRules, touched);
    clock.lap('updates');
  }, { timeout: 120_000 });
  clock.lap('commit');
}

type CreateContext = {
  ledgerRunId: string;
  passId: string;
  ruleSet: Awaited<ReturnType<typeof ledgerInputs>>['ruleSet'];
  creates: ResultInsertRow[];
  now: Date;
  romi: { rebuild: boolean; presettle: boolean };
  counts: PassCounts;
  counted: CountMoves;
  touched: string[];
  moves: EntryMove[];
  figures: (resultId: number, d: { key: string; date: string | null; amountMinor: unknown; currency: unknown }, review: Pick<ReviewRow, 'state' | 'finalStatus' | 'finalAmountMinor' | 'finalCurrency'>) => EntryFigures;
  attrsById: ReadonlyMap<number, string | null>;
  clock: PhaseClock;
};

/** Writes a chunk's new entries (settled already where the automatic rules decide them), with their resolutions, audit and history rows. */
async function writeCreated(tx: RawTx, c: CreateContext): Promise<void> {
  const { ledgerRunId, passId, ruleSet, creates, now, romi, counts } = c;
  if (!creates.length) return;
  const { kind } = clientTarget(tx);
  // With no aggregate to move (a fill: ROMI is built once at the end), the automatic rules decide the
  // new entries before they are written: each is inserted settled, instead of inserted open, read
  // back and updated (an UPDATE that moved five of RunResult's indexes per entry). The same rows,
  // resolutions and audit rows as settling them after the insert (test/integration/ledger-fill.test.ts).
  const autoRules = new Set(ruleSet.autoRules);
  const presettled = romi.rebuild && romi.presettle && autoRules.size ? decide(creates.filter((x) => x.ruleId !== null && autoRules.has(x.ruleId)).map((x) => openRow(ledgerRunId, x))) : [];
  const settledByKey = new Map(presettled.map((d) => [d.row.key, d.final]));
  const rows = settledByKey.size ? creates.map((x) => (settledByKey.has(x.key) ? { ...x, state: 'resolved' } : x)) : creates;
  const createdByKey = new Map(creates.map((x) => [x.key, x]));
  const ids: { id: number; key: string }[] = [];
  if (takesCopy(tx) || takesPrepared(tx)) {
    // COPY returns nothing: the ids are reserved first (from the sequence; on SQLite under the write lock).
    const reserved = await reserveIds(tx, 'RunResult', rows.length);
    rows.forEach((r, i) => ids.push({ id: reserved[i]!, key: r.key }));
    await insertValues(tx, 'RunResult', RESULT_COLUMNS_WITH_IDS, resultRowsWithIds(rows, reserved, now, settledByKey));
  } else {
    // One multi-row INSERT with literal values per 1,000 entries (Prisma's createMany spends most of its
    // time building the query), returning the new ids (reading them back by key cost a query per 500).
    for (let i = 0; i < rows.length; i += 1000) {
      const made: { id: number | bigint; key: string }[] = await tx.$queryRawUnsafe(`${resultInsertSql(kind, rows.slice(i, i + 1000), now, settledByKey.size ? settledByKey : undefined)} RETURNING "id", "key"`);
      for (const r of made) ids.push({ id: Number(r.id), key: r.key });
    }
  }
  c.clock.lap('entries');
  if (presettled.length) {
    const idOf = new Map(ids.map((r) => [r.key, r.id]));
    await recordSettlements(tx, presettled.map((d) => ({ ...d, row: { ...d.row, id: idOf.get(d.row.key)! } })), now);
    counts.autoResolved += presettled.length;
    c.clock.lap('settlements');
  }
  if (!romi.rebuild) {
    for (const r of ids) {
      const x = createdByKey.get(r.key)!;
      c.moves.push({ before: null, after: c.figures(r.id, x, { state: x.state ?? 'open', finalStatus: null, finalAmountMinor: null, finalCurrency: null }), attrs: entryAttrs(recordIdsOf(x.detail), c.attrsById) });
    }
  }
  // The facts a new entry was created with are its detail's: the history row implies them (./created-facts.ts).
  await insertHistory(tx, ids.map((r) => ({ resultId: r.id, passId, change: 'created', factsBefore: null, factsAfter: IMPLIED_FACTS, reason: null, at: now })));
  c.clock.lap('history');
  for (const x of creates) countMove(c.counted, null, x);
  counts.created += creates.length;
  c.touched.push(...creates.filter((x) => !settledByKey.has(x.key)).map((x) => x.key));
}

/** A new entry as the automatic rules read an open one (nothing decided, version 0). */
function openRow(runId: string, c: ResultInsertRow): ReviewRow {
  return { id: 0, runId, key: c.key, cls: c.cls, state: 'open', assigneeId: null, finalStatus: null, finalAmountMinor: null, finalCurrency: null, version: 0, detail: c.detail, ruleId: c.ruleId, action: c.action, actionLabel: c.actionLabel, currency: c.currency };
}

type HistoryRow = { resultId: number; passId: string; change: 'created' | 'changed' | 'reopened'; factsBefore: string | null; factsAfter: string; reason: string | null; at: Date };

/** History rows: literal multi-row INSERTs, or COPY (Prisma's createMany builds a parameter per value: 3.6 s of a 53k-entry fill). */
async function insertHistory(tx: RawTx, rows: readonly HistoryRow[]): Promise<void> {
  await insertValues(tx, 'EntryHistory', ['resultId', 'passId', 'change', 'factsBefore', 'factsAfter', 'reason', 'at'], rows.map((r) => [r.resultId, r.passId, r.change, r.factsBefore, r.factsAfter, r.reason, r.at]));
}

/** The ledger's Run row carries the totals and the summary the Runs, discrepancy and quality pages show. */
async function refreshLedgerTotals(db: Client, ledgerRunId: string, sources: { sourceId: string; name: string }[]): Promise<void> {
  const summary = await ledgerSummary(db, ledgerRunId, sources);
  const autoResolved = await db.resolution.count({ where: { runId: ledgerRunId, action: 'auto', undoneAt: null } });
  await db.run.update({
    where: { id: ledgerRunId },
    data: {
      totalKeys: summary.total,
      matched: summary.classes.matched,
      mismatched: summary.classes.mismatched,
      missing: summary.classes.missing,
      duplicate: summary.classes.duplicate,
      critical: summary.severity.critical,
      autoResolved,
      progress: summary.total,
      progressTotal: summary.total,
      summary: JSON.stringify(summary),
    },
  });
}

type Reopen = { entry: Entry; data: ResultInsertRow; reason: string; before: ReturnType<typeof rowState>; after: ReturnType<typeof rowState> & { version: number } };

/**
 * The reopened entries of a chunk, written together: their resolution rows ("reopen", the earlier
 * decision kept for history and undo), history rows and audit rows in bulk, and their ROMI moves.
 * An entry linked to a deal goes through applyRomiRowChange (it may change whether the deal is
 * paid); the others join the chunk's batched moves.
 */
async function writeReopens(
  tx: Tx,
  ledgerRunId: string,
  passId: string,
  now: Date,
  reopened: Reopen[],
  moves: EntryMove[],
  attrsOf: (entry: Entry, data: ResultInsertRow) => Record<string, string>,
  figures: (resultId: number, d: { key: string; date: string | null; amountMinor: unknown; currency: unknown }, review: Pick<ReviewRow, 'state' | 'finalStatus' | 'finalAmountMinor' | 'finalCurrency'>) => EntryFigures,
): Promise<void> {
  const ids = reopened.map((r) => r.entry.id);
  const linked = new Set<number>();
  for (let i = 0; i < ids.length; i += PASS_CHUNK) {
    for (const c of await tx.romiCredit.findMany({ where: { runId: ledgerRunId, kind: 'payment', model: { in: creditModelsOf('last_touch') }, ref: { in: ids.slice(i, i + PASS_CHUNK) }, dealKey: { not: null } }, select: { ref: true } })) linked.add(c.ref);
  }
  const open = { state: 'open', finalStatus: null, finalAmountMinor: null, finalCurrency: null };
  for (const r of reopened) {
    if (linked.has(r.entry.id)) await applyRomiRowChange(tx, ledgerRunId, r.entry.id, r.entry, open);
    else moves.push({ before: figures(r.entry.id, r.entry as unknown as { key: string; date: string | null; amountMinor: bigint; currency: string }, r.entry), after: figures(r.entry.id, r.data, open), attrs: attrsOf(r.entry, r.data) });
  }
  await insertHistory(tx, reopened.map((r) => ({ resultId: r.entry.id, passId, change: 'reopened', factsBefore: JSON.stringify(factsOf(r.entry.detail)), factsAfter: JSON.stringify(factsOf(r.data.detail)), reason: r.reason, at: now })));
  // Resolution and audit rows as multi-row INSERTs with literal values, as the automatic rules write theirs.
  const lit = literalFor(clientTarget(tx as object).kind);
  const resolutionOf = new Map(reopened.map((r) => [r.entry.id, timeOrderedId()]));
  for (let i = 0; i < reopened.length; i += 500) {
    const part = reopened.slice(i, i + 500);
    const resolutions = part.map((r) => `(${[resolutionOf.get(r.entry.id)!, r.entry.id, ledgerRunId, 'reopen', r.reason, true, JSON.stringify(r.before), JSON.stringify(r.after), r.after.version, now].map(lit).join(', ')})`);
    await tx.$executeRawUnsafe(`INSERT INTO "Resolution" ("id", "resultId", "runId", "action", "reason", "auto", "before", "after", "version", "createdAt") VALUES ${resolutions.join(', ')}`);
    const audits = part.map(
      (r) =>
        `(${[timeOrderedId(), now, null, null, 'discrepancy.reopen', 'RunResult', String(r.entry.id), JSON.stringify(r.before), JSON.stringify({ ...r.after, key: r.entry.key, runId: ledgerRunId, reason: r.reason, passId, resolutionId: resolutionOf.get(r.entry.id) })].map(lit).join(', ')})`,
    );
    await tx.$executeRawUnsafe(`INSERT INTO "AuditLog" ("id", "createdAt", "actorId", "actorEmail", "action", "entityType", "entityId", "before", "after") VALUES ${audits.join(', ')}`);
  }
}
