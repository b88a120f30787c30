import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  checkProgression,
  Reconciler,
  SEVERITIES,
  type NormalizedRecord,
  type ProgressionEvent,
  type ProgressionViolation,
  type ResultRow,
  type SourceKind as EngineKind,
  type Status,
  type Summary,
  mergeSummaries,
} from '@/lib/reconcile';
import type { Prisma } from '@/lib/generated/sqlite/client';
import { getPrisma } from '@/lib/server/db/client';
import { insertResults, type ResultInsertRow } from '@/lib/server/db/result-insert';
import { writeAudit } from '@/lib/server/db/audit';
import { getRuleSet, ensureDefaultRuleSet } from './rulesets';
import { InProcessQueue, jobQueue, registerJobHandler, stableJobId, type JobQueue } from '@/lib/server/jobs';
import { backfillKeyBuckets, partitionBuckets } from '@/lib/server/db/key-buckets';
import { assertCan, NotFoundError, ReviewError, type ResultDetail, type ReviewActor, type SourceSide } from '@/lib/features/review/types';
import { autoResolveRun } from '@/lib/features/review/auto-resolve';
import { rebuildRomiAfterRun } from '../romi/romi';
import { alertRunFailed, alertsForCompletedRun } from '@/lib/features/alerts/checks';
import { autoEscalateAfterRun } from '../review/escalations';
import { loggerFor } from '@/lib/server/observability/logger';

type Client = ReturnType<typeof getPrisma>;

/** Result rows per bulk write (COPY on PostgreSQL, one multi-row INSERT on SQLite), each checked against the lease. */
const RESULT_BATCH = 5000;

/**
 * Fault-injection knobs for the crash tests (never set in production): a smaller result batch and
 * a pause after each one keep a run in its writing phase long enough to be killed there.
 */
function resultBatchSettings(): { size: number; pauseMs: number } {
  const size = Number(process.env.PAIDLINE_TEST_RESULT_BATCH);
  const pause = Number(process.env.PAIDLINE_TEST_RESULT_PAUSE_MS);
  return {
    size: Number.isInteger(size) && size > 0 ? size : RESULT_BATCH,
    pauseMs: Number.isFinite(pause) && pause > 0 ? pause : 0,
  };
}
const READ_BATCH = 2000;

export const startRunSchema = z
  .object({
    sources: z
      .array(
        z.object({
          sourceId: z.string().min(1),
          /** Committed ingestions to use; empty or absent: every committed ingestion of the source. */
          ingestionIds: z.array(z.string().min(1)).optional(),
          /** Count webhook records (ingestion null) received up to the start of the run. */
          webhooks: z.boolean().default(true),
        }),
      )
      .min(2, 'Choose at least two sources to compare.')
      .max(30, 'At most 30 sources in one run.'),
    ruleSetId: z.string().min(1).optional(),
    dateFrom: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Dates are YYYY-MM-DD.').optional(),
    dateTo: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Dates are YYYY-MM-DD.').optional(),
  })
  .refine((v) => new Set(v.sources.map((s) => s.sourceId)).size === v.sources.length, { message: 'Choose each source once.' })
  .refine((v) => !v.dateFrom || !v.dateTo || v.dateFrom <= v.dateTo, { message: 'The start date must not be after the end date.' });
export type StartRunInput = z.input<typeof startRunSchema>;

/** Inputs resolved to concrete rows at start: re-running them gives the same result. */
export type ResolvedInputs = {
  sources: {
    sourceId: string;
    name: string;
    kind: string;
    ingestionIds: string[];
    profileVersions: { id: string; version: number }[];
    /** Webhook records with an id up to this one count (null: none). */
    webhookMaxRecordId: number | null;
  }[];
  dateFrom: string | null;
  dateTo: string | null;
  ruleSet: { id: string; name: string; version: number };
};

export type RunRow = Awaited<ReturnType<typeof listRuns>>[number];

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

async function resolveInputs(input: z.output<typeof startRunSchema>, db: Client): Promise<ResolvedInputs> {
  const ruleSet = input.ruleSetId ? await getRuleSet(input.ruleSetId, db) : await ensureDefaultRuleSet(db);
  if (!ruleSet) throw new ReviewError('That rule set no longer exists. Pick another one.');
  const sources: ResolvedInputs['sources'] = [];
  for (const spec of input.sources) {
    const source = await db.source.findUnique({ where: { id: spec.sourceId }, select: { id: true, name: true, kind: true, archivedAt: true } });
    if (!source || source.archivedAt) throw new ReviewError('One of the chosen sources no longer exists. Reload the page.');
    const committed = await db.ingestion.findMany({
      where: { sourceId: source.id, status: 'committed', ...(spec.ingestionIds?.length ? { id: { in: spec.ingestionIds } } : {}) },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: { id: true, profileVersionId: true },
    });
    if (spec.ingestionIds?.length && committed.length !== new Set(spec.ingestionIds).size) {
      throw new ReviewError(`Some chosen ingestions of ${source.name} are not committed (failed, aborted or still processing). Choose committed ones.`);
    }
    const webhook = spec.webhooks
      ? await db.sourceRecord.findFirst({ where: { sourceId: source.id, ingestionId: null }, orderBy: { id: 'desc' }, select: { id: true } })
      : null;
    if (!committed.length && !webhook) throw new ReviewError(`${source.name} has no committed data yet. Upload an export first.`);
    const versionIds = [...new Set(committed.map((c) => c.profileVersionId).filter((v): v is string => Boolean(v)))];
    const versions = await db.sourceProfileVersion.findMany({ where: { id: { in: versionIds } }, select: { id: true, version: true }, orderBy: { version: 'asc' } });
    sources.push({
      sourceId: source.id,
      name: source.name,
      kind: source.kind,
      ingestionIds: committed.map((c) => c.id),
      profileVersions: versions,
      webhookMaxRecordId: webhook?.id ?? null,
    });
  }
  return { sources, dateFrom: input.dateFrom ?? null, dateTo: input.dateTo ?? null, ruleSet: { id: ruleSet.id, name: ruleSet.name, version: ruleSet.version } };
}

/**
 * Stores a queued run and hands it to the job queue: the request returns at once, the run
 * executes in the background. `wait` (tests, CLI) awaits the job's end.
 */
export async function startRun(
  rawInput: StartRunInput,
  actor: ReviewActor,
  opts: { db?: Client; wait?: boolean; /** Split into this many key partitions (default: by size). */ partitions?: number; queue?: JobQueue } = {},
): Promise<{ id: string }> {
  assertCan(actor, 'runs:start');
  if (opts.partitions !== undefined && (!Number.isInteger(opts.partitions) || opts.partitions < 1 || opts.partitions > MAX_PARTITIONS)) {
    throw new ReviewError(`Partitions must be a whole number from 1 to ${MAX_PARTITIONS}.`);
  }
  const input = startRunSchema.parse(rawInput);
  const db = opts.db ?? getPrisma();
  const inputs = await resolveInputs(input, db);
  const inputsHash = createHash('sha256').update(canonical(inputs)).digest('hex');
  const run = await db.$transaction(async (tx) => {
    const row = await tx.run.create({
      data: { status: 'queued', ruleSetId: inputs.ruleSet.id, inputs: JSON.stringify(inputs), inputsHash, createdById: actor.id, createdByEmail: actor.email, partitions: opts.partitions ?? 1 },
    });
    await writeAudit(tx, { actor, action: 'run.start', entityType: 'Run', entityId: row.id, after: { inputsHash, sources: inputs.sources.map((s) => s.name), ruleSet: inputs.ruleSet } });
    return row;
  });
  const queue = opts.queue ?? jobQueue();
  // Stored in the queue before answering: with pg-boss the run survives this process.
  await sendRunJob(queue, RUN_JOBS.execute, { runId: run.id }, `${run.id}:0`, db);
  if (opts.wait) {
    // A CLI or seed waiting on the shared queue may have no worker: it runs the run itself (the
    // claim keeps a worker that picks the job up at the same time from running it too).
    if (queue.kind === 'pg-boss' && !opts.queue) await executeRun(run.id, db, { queue: new InProcessQueue(db) }).catch(() => undefined);
    await waitForRun(run.id, db);
  }
  return { id: run.id };
}

/** Waits until a run completed or failed (tests, CLI); throws after timeoutMs. */
export async function waitForRun(runId: string, db: Client = getPrisma(), timeoutMs = 10 * 60_000): Promise<{ status: string; message: string | null }> {
  const until = Date.now() + timeoutMs;
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    const run = await db.run.findUnique({ where: { id: runId }, select: { status: true, phase: true, message: true } });
    if (!run) throw new NotFoundError('That run no longer exists.');
    if ((run.status === 'completed' && run.phase !== 'finishing') || run.status === 'failed') return { status: run.status, message: run.message };
    if (Date.now() > until) throw new Error(`Run ${runId} still ${run.status} after ${timeoutMs} ms.`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

// ------------------------------------------------------------ jobs and settings

/** Job names: a run's first job plans it (or runs it whole), partitions run apart, finalize merges. */
export const RUN_JOBS = { execute: 'run.execute', partition: 'run.partition', finalize: 'run.finalize' } as const;
export const MAX_PARTITIONS = 64;

function envInt(name: string, fallback: number, min: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v >= min ? Math.floor(v) : fallback;
}

/** Run execution settings, read from the environment each time (tests change them). */
export function runSettings() {
  const staleMs = envInt('PAIDLINE_RUN_STALE_SECONDS', 60, 1) * 1000;
  return {
    /** A running attempt whose heartbeat is older than this is taken as dead. */
    staleMs,
    heartbeatMs: Math.max(200, Math.min(5000, Math.floor(staleMs / 4))),
    /** Attempts (crashes and transient errors) before a run or partition is failed for good. */
    maxAttempts: envInt('PAIDLINE_RUN_ATTEMPTS', 3, 1),
    /**
     * Input records above which a run is split into key partitions, and about the most a partition
     * gets: a partition's records are held in its worker's memory (about 750 MB per million).
     */
    partitionRows: envInt('PAIDLINE_RUN_PARTITION_ROWS', 1_000_000, 1),
    /** The fewest partitions a split run gets (about the number of workers). */
    partitions: Math.min(MAX_PARTITIONS, envInt('PAIDLINE_RUN_PARTITIONS', 2, 2)),
  };
}

const RUN_JOB_POLICY = { heavy: true, retryLimit: 3, retryDelay: 5, retryBackoff: true, expireInSeconds: 6 * 3600 } as const;
registerJobHandler(RUN_JOBS.execute, async (payload, ctx) => executeRun(String(payload.runId), ctx.db, { queue: ctx.queue }), RUN_JOB_POLICY);
registerJobHandler(RUN_JOBS.partition, async (payload, ctx) => executePartition(String(payload.runId), Number(payload.index), ctx.db, { queue: ctx.queue }), RUN_JOB_POLICY);
registerJobHandler(RUN_JOBS.finalize, async (payload, ctx) => finalizePartitionedRun(String(payload.runId), ctx.db), RUN_JOB_POLICY);

/** Sends a run job with a stable id (run, step, attempt): sending it again is a no-op. */
export function sendRunJob(queue: JobQueue, name: string, payload: Record<string, unknown>, idParts: string, db: Client): Promise<string | null> {
  return queue.send(name, payload, { id: stableJobId(`${name}:${idParts}`), db });
}

type Snapshot = { at: number; records: { id: number; rec: NormalizedRecord }[] };

/**
 * Streams one source's records per key in key order, from the run's committed ingestions and
 * webhook records. Per key the latest snapshot (by ingestion time or webhook event time) is
 * what the engine sees; the older ones feed the status-progression check.
 */
async function* keyGroups(
  db: Client,
  src: ResolvedInputs['sources'][number],
  range: { dateFrom: string | null; dateTo: string | null },
  /** A partition's key buckets (null: every key). */
  buckets: number[] | null = null,
): AsyncGenerator<{ key: string; snapshots: Snapshot[] }> {
  const ingestions = await db.ingestion.findMany({ where: { id: { in: src.ingestionIds } }, select: { id: true, createdAt: true } });
  const ingestionAt = new Map(ingestions.map((i) => [i.id, i.createdAt.getTime()]));
  const eventAt = new Map<string, number>();
  if (src.webhookMaxRecordId !== null) {
    const events = await db.webhookEvent.findMany({ where: { sourceId: src.sourceId }, select: { eventId: true, eventAt: true } });
    for (const e of events) eventAt.set(e.eventId, e.eventAt.getTime());
  }
  const origin: Prisma.SourceRecordWhereInput[] = [];
  if (src.ingestionIds.length) origin.push({ ingestionId: { in: src.ingestionIds } });
  if (src.webhookMaxRecordId !== null) origin.push({ ingestionId: null, id: { lte: src.webhookMaxRecordId } });
  if (!origin.length) return;
  const base: Prisma.SourceRecordWhereInput = {
    sourceId: src.sourceId,
    OR: origin,
    ...(range.dateFrom || range.dateTo ? { date: { ...(range.dateFrom ? { gte: range.dateFrom } : {}), ...(range.dateTo ? { lte: range.dateTo } : {}) } } : {}),
  };
  let current: { key: string; byOrigin: Map<string, Snapshot> } | null = null;
  const finish = (g: { key: string; byOrigin: Map<string, Snapshot> }) => ({
    key: g.key,
    snapshots: [...g.byOrigin.values()].sort((a, b) => a.at - b.at || a.records[0]!.id - b.records[0]!.id),
  });
  // A partition reads its buckets one at a time, in order, keys in order within each (the
  // (sourceId, keyBucket, key) index): the same order as (keyBucket, key, id) over all of them.
  // With `keyBucket IN (...)` and a keyset on the bucket instead, PostgreSQL's index condition was
  // only `keyBucket >= last`: every page walked the other partitions' buckets too, fetching each
  // of their rows from the table to test it (a 20-partition run of 20M records: 3 minutes a
  // partition, most of it in PostgreSQL).
  for (const bucket of buckets ? [...buckets].sort((a, b) => a - b) : [null]) {
    const where0: Prisma.SourceRecordWhereInput = bucket === null ? base : { AND: [base, { keyBucket: bucket }] };
    let lastKey: string | null = null;
    let lastId = 0;
    for (;;) {
      // The keyset's leading column also goes in as a plain lower bound (key >= last): PostgreSQL
      // makes that an index condition, whereas under the OR alone it scanned the source's index
      // from the start on every page (quadratic: 5.5 s a page at 900k of 1M keys).
      const where: Prisma.SourceRecordWhereInput =
        lastKey === null ? where0 : { AND: [where0, { key: { gte: lastKey } }, { OR: [{ key: { gt: lastKey } }, { id: { gt: lastId } }] }] };
      const rows = await db.sourceRecord.findMany({
        where,
        orderBy: [{ key: 'asc' }, { id: 'asc' }],
        take: READ_BATCH,
        select: { id: true, ingestionId: true, eventId: true, key: true, line: true, occurredAt: true, date: true, amountMinor: true, currency: true, status: true, code: true },
      });
      for (const r of rows) {
        if (!current || current.key !== r.key) {
          if (current) yield finish(current);
          current = { key: r.key, byOrigin: new Map() };
        }
        const originId = r.ingestionId ?? `event:${r.eventId ?? r.id}`;
        const at = r.ingestionId ? (ingestionAt.get(r.ingestionId) ?? 0) : (eventAt.get(r.eventId ?? '') ?? r.occurredAt?.getTime() ?? 0);
        let snap = current.byOrigin.get(originId);
        if (!snap) current.byOrigin.set(originId, (snap = { at, records: [] }));
        snap.records.push({
          id: r.id,
          rec: {
            key: r.key,
            ...(r.line ? { line: r.line } : {}),
            at: r.occurredAt ? r.occurredAt.getTime() : null,
            date: r.date,
            amount: Number(r.amountMinor),
            currency: r.currency,
            status: r.status as Status,
            code: r.code,
          },
        });
      }
      if (rows.length < READ_BATCH) break;
      const last = rows[rows.length - 1]!;
      lastKey = last.key;
      lastId = last.id;
    }
  }
  if (current) yield finish(current);
}

const ENGINE_KINDS = new Set<EngineKind>(['gateway', 'bank', 'crm', 'erp', 'other']);
const SEVERITY_RANK = Object.fromEntries(SEVERITIES.map((s, i) => [s, i])) as Record<string, number>;

function joined(values: readonly string[]): string {
  return values.length ? `;${values.join(';')};` : '';
}

type SideInfo = { recordId: number; snapshots: number };

function resultData(
  runId: string,
  row: ResultRow,
  inputs: ResolvedInputs,
  sides: Map<string, SideInfo>[],
  violations: Map<string, ProgressionViolation[]>,
): ResultInsertRow {
  const present = row.records.map((r) => r !== null);
  const refIndex = present.indexOf(true);
  const ref = row.records[refIndex]!;
  let min = Infinity;
  let max = -Infinity;
  for (const r of row.records) {
    if (!r) continue;
    min = Math.min(min, r.amount);
    max = Math.max(max, r.amount);
  }
  const sources: SourceSide[] = inputs.sources.map((s, i) => {
    const r = row.records[i] ?? null;
    const info = sides[i]!.get(row.key);
    return {
      sourceId: s.sourceId,
      name: s.name,
      kind: s.kind,
      present: r !== null,
      count: row.counts[i] ?? 0,
      recordId: info?.recordId ?? null,
      status: r?.status ?? null,
      code: r?.code ?? null,
      amountMinor: r ? String(r.amount) : null,
      currency: r?.currency ?? null,
      date: r?.date ?? null,
      line: r?.line ?? null,
      snapshots: info?.snapshots ?? 0,
    };
  });
  const detail: ResultDetail = { sources, corrections: row.corrections, violations: violations.get(row.key) ?? [] };
  // An impossible status progression (Paid then Pending...) needs a person: at least a warning.
  const severity = detail.violations.length && row.severity === 'info' ? 'warning' : row.severity;
  return {
    runId,
    key: row.key,
    cls: row.class,
    reasons: joined(row.reasons),
    severity,
    severityRank: SEVERITY_RANK[severity] ?? 0,
    action: row.action,
    actionLabel: row.actionLabel,
    ruleId: row.ruleId ?? null,
    missingIn: joined(row.missingIn),
    duplicateIn: joined(row.duplicateIn),
    statuses: joined(inputs.sources.map((s, i) => `${s.name}:${row.records[i]?.status ?? '-'}`)),
    amountMinor: BigInt(ref.amount),
    currency: ref.currency,
    date: ref.date,
    amountDiffMinor: BigInt(max - min),
    detail: JSON.stringify(detail),
    state: 'open',
  };
}

// ------------------------------------------------------------ execution

/** An attempt lost its claim (a newer attempt or a failure took the run): it stops writing. */
export class SupersededError extends Error {
  override name = 'SupersededError';
}

/** What an attempt holds: every write it makes is conditional on it. */
type Lease = { runId: string; attempt: number; partition?: { id: string; index: number; count: number; attempt: number } };

/** Writes the lease's heartbeat (and more) if the attempt still owns its run or partition. */
async function touch(db: Client | Prisma.TransactionClient, lease: Lease, data: { progress?: number; rows?: number } = {}): Promise<void> {
  const now = new Date();
  if (lease.partition) {
    const n = await db.runPartition.updateMany({
      where: { id: lease.partition.id, attempt: lease.partition.attempt, status: 'running' },
      data: { heartbeatAt: now, ...(data.rows !== undefined ? { rows: data.rows } : {}) },
    });
    const run = n.count ? await db.run.count({ where: { id: lease.runId, status: 'running', attempt: lease.attempt } }) : 0;
    if (!n.count || !run) throw new SupersededError(`Partition ${lease.partition.index} of run ${lease.runId} was taken over or stopped.`);
    return;
  }
  const n = await db.run.updateMany({
    where: { id: lease.runId, attempt: lease.attempt, status: 'running' },
    data: { heartbeatAt: now, ...(data.progress !== undefined ? { progress: data.progress } : {}) },
  });
  if (!n.count) throw new SupersededError(`Run ${lease.runId} was taken over or stopped (attempt ${lease.attempt}).`);
}

/** Heartbeats in the background; a lost lease is reported at the attempt's next write. */
function heartbeat(db: Client, lease: Lease) {
  let lost: unknown = null;
  let busy = false;
  const timer = setInterval(() => {
    if (busy || lost) return;
    busy = true;
    touch(db, lease)
      .catch((e: unknown) => {
        if (e instanceof SupersededError) lost = e;
      })
      .finally(() => (busy = false));
  }, runSettings().heartbeatMs);
  timer.unref?.();
  return {
    check() {
      if (lost) throw lost;
    },
    stop: () => clearInterval(timer),
  };
}

/** Errors worth another attempt: the database went away or a transaction lost a race. */
function isTransient(error: unknown): boolean {
  const e = error as { code?: string; message?: string; cause?: { code?: string } } | null;
  const code = String(e?.code ?? e?.cause?.code ?? '');
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '40001', '40P01', '08006', '08003', '08001', 'SQLITE_BUSY', 'P1001', 'P1017', 'P2028', 'P2034'].includes(code)) return true;
  return /connection (terminated|refused|reset)|Connection terminated|database is locked|SQLITE_BUSY|server closed the connection/i.test(String(e?.message ?? ''));
}

/** Claims a queued run: queued -> running with attempt + 1. Null when another worker has it or it is done. */
async function claimRun(db: Client, runId: string): Promise<Lease | null> {
  // One conditional statement (no interactive transaction: SQLite would hold its write lock across
  // round trips). Reading the attempt back is safe: only a stale heartbeat lets it change again.
  const now = new Date();
  const n = await db.run.updateMany({
    where: { id: runId, status: 'queued' },
    data: { status: 'running', phase: 'reading', attempt: { increment: 1 }, heartbeatAt: now, startedAt: now, progress: 0, progressTotal: 0, message: null },
  });
  if (!n.count) return null;
  const run = await db.run.findUniqueOrThrow({ where: { id: runId }, select: { attempt: true } });
  return { runId, attempt: run.attempt };
}

function engineFor(inputs: ResolvedInputs, ruleSet: NonNullable<Awaited<ReturnType<typeof getRuleSet>>>) {
  return new Reconciler(
    inputs.sources.map((s) => ({ name: s.name, kind: (ENGINE_KINDS.has(s.kind as EngineKind) ? s.kind : 'other') as EngineKind })),
    { rules: ruleSet.definition },
  );
}

function inputRecordsWhere(inputs: ResolvedInputs): Prisma.SourceRecordWhereInput {
  return {
    OR: inputs.sources.flatMap((s) => [
      ...(s.ingestionIds.length ? [{ ingestionId: { in: s.ingestionIds } }] : []),
      ...(s.webhookMaxRecordId !== null ? [{ sourceId: s.sourceId, ingestionId: null, id: { lte: s.webhookMaxRecordId } }] : []),
    ]),
  };
}

/**
 * Reads the run's records (a partition's buckets only, when given) into the engine and writes one
 * result row per key in batches, each batch in a transaction with the attempt's conditional
 * heartbeat: a superseded attempt's batch never commits.
 */
async function reconcileKeys(
  db: Client,
  lease: Lease,
  inputs: ResolvedInputs,
  ruleSet: NonNullable<Awaited<ReturnType<typeof getRuleSet>>>,
  beat: { check(): void },
  buckets: number[] | null,
): Promise<{ written: number; summary: Summary }> {
  const runId = lease.runId;
  const engine = engineFor(inputs, ruleSet);
  let read = 0;
  const sides: Map<string, SideInfo>[] = [];
  const violations = new Map<string, ProgressionViolation[]>();
  for (let i = 0; i < inputs.sources.length; i++) {
    const src = inputs.sources[i]!;
    const info = new Map<string, SideInfo>();
    sides.push(info);
    for await (const group of keyGroups(db, src, inputs, buckets)) {
      const latest = group.snapshots[group.snapshots.length - 1]!;
      for (const r of latest.records) engine.add(i, r.rec);
      info.set(group.key, { recordId: latest.records[0]!.id, snapshots: group.snapshots.length - 1 });
      if (group.snapshots.length > 1) {
        const events: ProgressionEvent[] = group.snapshots.map((s) => ({ key: group.key, status: s.records[0]!.rec.status, at: s.at, ...(s.records[0]!.rec.line ? { line: s.records[0]!.rec.line } : {}) }));
        const found = checkProgression(events);
        if (found.length) violations.set(group.key, (violations.get(group.key) ?? []).concat(found.map((v) => ({ ...v, reason: `${src.name}: ${v.reason}` }))));
      }
      read += group.snapshots.reduce((n, s) => n + s.records.length, 0);
      if (read % 10_000 < latest.records.length) {
        beat.check();
        if (!lease.partition) await touch(db, lease, { progress: read });
      }
    }
  }
  beat.check();
  if (!lease.partition) {
    const keys = new Set<string>();
    for (const m of sides) for (const k of m.keys()) keys.add(k);
    const n = await db.run.updateMany({ where: { id: runId, attempt: lease.attempt, status: 'running' }, data: { phase: 'writing', progress: 0, progressTotal: keys.size, heartbeatAt: new Date() } });
    if (!n.count) throw new SupersededError(`Run ${runId} was taken over or stopped.`);
  }

  let batch: ResultInsertRow[] = [];
  let written = 0;
  const flush = async () => {
    if (!batch.length) return;
    beat.check();
    const data = batch;
    // The batch and the lease's heartbeat commit together, or not at all once the lease is lost.
    const total = written + data.length;
    const held = await insertResults(
      db,
      lease.partition
        ? { runId, attempt: lease.attempt, partition: { id: lease.partition.id, attempt: lease.partition.attempt }, rows: total }
        : { runId, attempt: lease.attempt, progress: total },
      data,
    );
    if (!held) throw new SupersededError(lease.partition ? `Partition ${lease.partition.index} of run ${runId} was taken over or stopped.` : `Run ${runId} was taken over or stopped (attempt ${lease.attempt}).`);
    written = total;
    batch = [];
  };
  const batching = resultBatchSettings();
  for (const row of engine.rows()) {
    const data = resultData(runId, row, inputs, sides, violations);
    if (lease.partition) data.partition = lease.partition.index;
    batch.push(data);
    if (batch.length >= batching.size) {
      await flush();
      if (batching.pauseMs) await new Promise((r) => setTimeout(r, batching.pauseMs));
    }
  }
  await flush();
  return { written, summary: engine.summary() };
}

/**
 * Executes a queued run. It claims the run (queued -> running, attempt + 1: no run executes twice),
 * heartbeats while it works and makes every write conditional on its attempt. A small run is
 * reconciled here whole; a large one (or one asked to) is split into key partitions worked as
 * separate jobs, the last of which queues the merge. A thrown error fails the run and deletes its
 * partial results (a transient database error puts it back in the queue while attempts remain).
 */
export async function executeRun(runId: string, db: Client = getPrisma(), opts: { queue?: JobQueue } = {}): Promise<void> {
  const lease = await claimRun(db, runId);
  if (!lease) return;
  const beat = heartbeat(db, lease);
  const settings = runSettings();
  try {
    const run = await db.run.findUniqueOrThrow({ where: { id: runId } });
    const inputs = JSON.parse(run.inputs) as ResolvedInputs;
    const ruleSet = await getRuleSet(run.ruleSetId, db);
    if (!ruleSet) throw new Error('The rule set of this run was deleted.');
    engineFor(inputs, ruleSet); // fails fast on inputs the engine refuses
    const progressTotal = await db.sourceRecord.count({ where: inputRecordsWhere(inputs) });
    const partitions = run.partitions > 1 ? run.partitions : partitionsFor(progressTotal, settings);
    if (partitions > 1) {
      await planPartitions(db, lease, inputs, partitions, opts.queue ?? jobQueue());
      return;
    }
    await touch(db, lease);
    await db.run.updateMany({ where: { id: runId, attempt: lease.attempt }, data: { progressTotal } });
    const { written, summary } = await reconcileKeys(db, lease, inputs, ruleSet, beat, null);
    await finishRun(db, lease, ruleSet.autoRules, summary, written, run.startedAt ?? new Date());
  } catch (error) {
    await onAttemptError(db, lease, error);
    if (!(error instanceof SupersededError)) throw error;
  } finally {
    beat.stop();
  }
}

/**
 * How many key partitions a run of `records` input records gets when not asked: one up to
 * partitionRows; above, enough that each holds about partitionRows (bounded memory per worker),
 * at least `partitions` (spread over the workers), at most MAX_PARTITIONS.
 */
export function partitionsFor(records: number, settings: { partitionRows: number; partitions: number }): number {
  if (records <= settings.partitionRows) return 1;
  return Math.min(MAX_PARTITIONS, Math.max(settings.partitions, Math.ceil(records / settings.partitionRows)));
}

/**
 * The time allowed to a transaction that deletes a run's result rows (resolutions and comments
 * cascade): a minute, plus 0.1 ms a row (10M rows: about 17 minutes). Prisma's default 5 s rolled
 * back the delete of a large run's rows, leaving a dead run neither requeued nor failed.
 */
function deleteTimeoutMs(rows: number): number {
  return 60_000 + Math.ceil(rows / 10);
}

/** After a failed attempt: superseded attempts just stop; transient errors requeue; others fail the run. */
async function onAttemptError(db: Client, lease: Lease, error: unknown): Promise<void> {
  if (error instanceof SupersededError) return;
  const message = error instanceof Error ? error.message : String(error);
  loggerFor('runs', { runId: lease.runId, partition: lease.partition?.index ?? null, attempt: lease.partition?.attempt ?? lease.attempt }).error({ err: error }, 'Run attempt failed');
  const attempt = lease.partition?.attempt ?? lease.attempt;
  if (isTransient(error) && attempt < runSettings().maxAttempts) {
    // The queue retries the job with backoff; the next attempt starts this work over.
    if (lease.partition) await requeuePartition(db, lease.runId, lease.partition.index, lease.partition.attempt, null).catch(() => undefined);
    else await requeueRun(db, lease.runId, lease.attempt, null).catch(() => undefined);
    return;
  }
  await failRun(lease.runId, `The run failed: ${message}`, db, lease.attempt);
}

/** Splits a claimed run into key partitions (RunPartition rows) and queues one job per partition. */
async function planPartitions(db: Client, lease: Lease, inputs: ResolvedInputs, count: number, queue: JobQueue): Promise<void> {
  await db.run.updateMany({ where: { id: lease.runId, attempt: lease.attempt, status: 'running' }, data: { phase: 'bucketing', heartbeatAt: new Date() } });
  // Rows written before key buckets existed get theirs now (idempotent, batched).
  await backfillKeyBuckets(db, inputs.sources.map((s) => s.sourceId));
  const stale = await db.runResult.count({ where: { runId: lease.runId } });
  await db.$transaction(async (tx) => {
    await touch(tx, lease);
    await tx.runResult.deleteMany({ where: { runId: lease.runId } });
    await tx.runPartition.deleteMany({ where: { runId: lease.runId } });
    await tx.runPartition.createMany({ data: Array.from({ length: count }, (_, index) => ({ runId: lease.runId, index, count, status: 'queued' })) });
    await tx.run.update({ where: { id: lease.runId }, data: { partitions: count, phase: 'partitions', progress: 0, progressTotal: count, heartbeatAt: null } });
  }, { timeout: deleteTimeoutMs(stale) });
  for (let index = 0; index < count; index++) await sendRunJob(queue, RUN_JOBS.partition, { runId: lease.runId, index }, `${lease.runId}:${index}:0`, db);
}

/** Works one partition: its keys only (keyBucket % count == index), its own claim and heartbeat. */
export async function executePartition(runId: string, index: number, db: Client = getPrisma(), opts: { queue?: JobQueue } = {}): Promise<void> {
  const run = await db.run.findUnique({ where: { id: runId } });
  if (!run || run.status !== 'running' || run.phase !== 'partitions') return;
  const now = new Date();
  const claimed = await db.runPartition.updateMany({
    where: { runId, index, status: 'queued' },
    data: { status: 'running', attempt: { increment: 1 }, heartbeatAt: now, startedAt: now, rows: 0, message: null },
  });
  const part = claimed.count ? await db.runPartition.findUnique({ where: { runId_index: { runId, index } } }) : null;
  if (!part) return;
  const lease: Lease = { runId, attempt: run.attempt, partition: { id: part.id, index, count: part.count, attempt: part.attempt } };
  const beat = heartbeat(db, lease);
  try {
    const inputs = JSON.parse(run.inputs) as ResolvedInputs;
    const ruleSet = await getRuleSet(run.ruleSetId, db);
    if (!ruleSet) throw new Error('The rule set of this run was deleted.');
    await backfillKeyBuckets(db, inputs.sources.map((s) => s.sourceId));
    const { written, summary } = await reconcileKeys(db, lease, inputs, ruleSet, beat, partitionBuckets(index, part.count));
    const last = await db.$transaction(async (tx) => {
      // The run row first: it serialises the partitions' completions, so exactly one sees the others done.
      const r = await tx.run.updateMany({ where: { id: runId, status: 'running', attempt: run.attempt, phase: 'partitions' }, data: { progress: { increment: 1 } } });
      const p = await tx.runPartition.updateMany({
        where: { id: part.id, attempt: part.attempt, status: 'running' },
        data: { status: 'completed', rows: written, summary: JSON.stringify(summary), finishedAt: new Date(), heartbeatAt: new Date() },
      });
      if (!r.count || !p.count) throw new SupersededError(`Partition ${index} of run ${runId} was taken over or stopped.`);
      return (await tx.runPartition.count({ where: { runId, status: { not: 'completed' } } })) === 0;
    });
    if (last) await sendRunJob(opts.queue ?? jobQueue(), RUN_JOBS.finalize, { runId }, `${runId}:${run.attempt}`, db);
  } catch (error) {
    await onAttemptError(db, lease, error);
    if (!(error instanceof SupersededError)) throw error;
  } finally {
    beat.stop();
  }
}

/** Merges the completed partitions of a run and completes it (once: claimed like a run). */
export async function finalizePartitionedRun(runId: string, db: Client = getPrisma()): Promise<void> {
  const current = await db.run.findUnique({ where: { id: runId }, select: { status: true, phase: true, attempt: true } });
  if (!current || current.status !== 'running' || current.phase !== 'partitions') return;
  // Partitions only ever move to completed while the run is in this phase and attempt.
  if (await db.runPartition.count({ where: { runId, status: { not: 'completed' } } })) return;
  const claimed = await db.run.updateMany({
    where: { id: runId, status: 'running', phase: 'partitions', attempt: current.attempt },
    data: { phase: 'merging', attempt: { increment: 1 }, heartbeatAt: new Date() },
  });
  if (!claimed.count) return;
  const lease: Lease = { runId, attempt: current.attempt + 1 };
  const beat = heartbeat(db, lease);
  try {
    const run = await db.run.findUniqueOrThrow({ where: { id: runId } });
    const inputs = JSON.parse(run.inputs) as ResolvedInputs;
    const ruleSet = await getRuleSet(run.ruleSetId, db);
    if (!ruleSet) throw new Error('The rule set of this run was deleted.');
    const parts = await db.runPartition.findMany({ where: { runId }, orderBy: { index: 'asc' } });
    const summary = mergeSummaries(
      parts.map((p) => JSON.parse(p.summary ?? 'null') as Summary),
      inputs.sources.map((s) => ({ name: s.name, kind: (ENGINE_KINDS.has(s.kind as EngineKind) ? s.kind : 'other') as EngineKind })),
    );
    const written = parts.reduce((n, p) => n + p.rows, 0);
    beat.check();
    await finishRun(db, lease, ruleSet.autoRules, summary, written, run.startedAt ?? new Date());
  } catch (error) {
    await onAttemptError(db, lease, error);
    if (!(error instanceof SupersededError)) throw error;
  } finally {
    beat.stop();
  }
}

/** How long the completion transaction may take: a minute, plus 0.1 ms a key (10M keys: about 17 minutes). */
function finishTimeoutMs(keys: number): number {
  return 60_000 + Math.ceil(keys / 10);
}

/** Auto-resolves, completes the run with its alerts in one transaction, then rebuilds ROMI and escalates. */
async function finishRun(db: Client, lease: Lease, autoRules: readonly string[], summaryAfter: Summary, written: number, started: Date): Promise<void> {
  const runId = lease.runId;
  const n = await db.run.updateMany({ where: { id: runId, attempt: lease.attempt, status: 'running' }, data: { phase: 'auto-resolving', heartbeatAt: new Date() } });
  if (!n.count) throw new SupersededError(`Run ${runId} was taken over or stopped.`);
  await autoResolveRun(runId, autoRules, db);
  // Counted rather than returned: a retried merge resolves only what the previous attempt left open.
  const autoResolved = await db.resolution.count({ where: { runId, action: 'auto', undoneAt: null } });
  const alerts = await db.$transaction(async (tx) => {
    const done = await tx.run.updateMany({
      where: { id: runId, attempt: lease.attempt, status: 'running' },
      data: {
        status: 'completed',
        // 'done' once ROMI is rebuilt and critical rows escalated (recovery finishes it otherwise).
        phase: 'finishing',
        finishedAt: new Date(),
        heartbeatAt: new Date(),
        durationMs: Date.now() - started.getTime(),
        progress: written,
        progressTotal: written,
        totalKeys: summaryAfter.total,
        matched: summaryAfter.classes.matched,
        mismatched: summaryAfter.classes.mismatched,
        missing: summaryAfter.classes.missing,
        duplicate: summaryAfter.classes.duplicate,
        critical: summaryAfter.severity.critical,
        autoResolved,
        summary: JSON.stringify(summaryAfter),
      },
    });
    if (!done.count) throw new SupersededError(`Run ${runId} was taken over or stopped.`);
    await writeAudit(tx, { actor: null, action: 'run.complete', entityType: 'Run', entityId: runId, after: { keys: summaryAfter.total, classes: summaryAfter.classes, autoResolved } });
    // Critical-discrepancy and discrepancy-rate alerts commit with the completion (outbox).
    return alertsForCompletedRun(tx, { id: runId, totalKeys: summaryAfter.total, matched: summaryAfter.classes.matched });
    // The critical-row check reads every critical row (98k of 1M keys in bench/runs.ts): far beyond
    // Prisma's default 5 s, after which the completion rolled back and the run hung in auto-resolving.
  }, { timeout: finishTimeoutMs(summaryAfter.total), maxWait: 30_000 });
  await rebuildRomiAfterRun(runId, db);
  await autoEscalateAfterRun(runId, alerts.critical, db);
  await db.run.updateMany({ where: { id: runId, attempt: lease.attempt, status: 'completed' }, data: { phase: 'done' } });
}

/**
 * Deletes the run's partial results (resolutions and comments cascade) and marks it failed, unless
 * it already ended or (with `attempt`) a newer attempt owns it.
 */
async function failRun(runId: string, message: string, db: Client, attempt?: number): Promise<boolean> {
  const rows = await db.runResult.count({ where: { runId } });
  return db.$transaction(async (tx) => {
    const n = await tx.run.updateMany({
      where: { id: runId, status: { in: ['queued', 'running'] }, ...(attempt !== undefined ? { attempt } : {}) },
      data: { status: 'failed', phase: null, message, finishedAt: new Date(), autoResolved: 0, heartbeatAt: null },
    });
    if (!n.count) return false;
    await tx.runResult.deleteMany({ where: { runId } });
    await tx.runPartition.updateMany({ where: { runId, status: { not: 'completed' } }, data: { status: 'failed', heartbeatAt: null } });
    await writeAudit(tx, { actor: null, action: 'run.failed', entityType: 'Run', entityId: runId, after: { message } });
    await alertRunFailed(tx, runId, message);
    return true;
  }, { timeout: deleteTimeoutMs(rows) });
}

/** Puts a dead or errored attempt's run back in the queue, its partial rows deleted (one transaction). */
async function requeueRun(db: Client, runId: string, attempt: number, staleBefore: Date | null): Promise<boolean> {
  const rows = await db.runResult.count({ where: { runId } });
  return db.$transaction(async (tx) => {
    const n = await tx.run.updateMany({
      where: { id: runId, attempt, status: 'running', ...(staleBefore ? { heartbeatAt: { lt: staleBefore } } : {}) },
      data: { status: 'queued', phase: null, progress: 0, progressTotal: 0, heartbeatAt: null, partitions: 1 },
    });
    if (!n.count) return false;
    await tx.runResult.deleteMany({ where: { runId } });
    await tx.runPartition.deleteMany({ where: { runId } });
    return true;
  }, { timeout: deleteTimeoutMs(rows) });
}

/**
 * Puts a dead or errored partition back in the queue, its partial rows deleted: the rows it wrote
 * carry its index. (Before, its rows were found by hashing every result key of the run, read
 * through Prisma inside a 2-minute transaction: too slow at millions of keys.)
 */
async function requeuePartition(db: Client, runId: string, index: number, attempt: number, staleBefore: Date | null): Promise<boolean> {
  const rows = await db.runResult.count({ where: { runId, partition: index } });
  return db.$transaction(
    async (tx) => {
      const n = await tx.runPartition.updateMany({
        where: { runId, index, attempt, status: 'running', ...(staleBefore ? { heartbeatAt: { lt: staleBefore } } : {}) },
        data: { status: 'queued', heartbeatAt: null, rows: 0 },
      });
      if (!n.count) return false;
      await tx.runResult.deleteMany({ where: { runId, partition: index } });
      return true;
    },
    { timeout: deleteTimeoutMs(rows) },
  );
}

export type RecoveryReport = { requeued: number; failed: number; resent: number };

/**
 * Heartbeat-based recovery, safe on every instance at once (each change is conditional on what was
 * read): a run or partition whose heartbeat is older than PAIDLINE_RUN_STALE_SECONDS lost its
 * worker; it is put back in the queue with its partial rows deleted, or failed with a clear message
 * once PAIDLINE_RUN_ATTEMPTS are used up. Queued work whose job may be lost (in-process queue after
 * a restart, a crash between commit and send) is sent again under the same job id (a no-op when the
 * job exists). Runs started before heartbeats existed are failed as before.
 */
export async function recoverStaleRuns(db: Client = getPrisma(), opts: { queue?: JobQueue; now?: Date } = {}): Promise<RecoveryReport> {
  const queue = opts.queue ?? jobQueue();
  const settings = runSettings();
  const now = opts.now ?? new Date();
  const staleBefore = new Date(now.getTime() - settings.staleMs);
  const report: RecoveryReport = { requeued: 0, failed: 0, resent: 0 };

  const stale = await db.run.findMany({
    where: { status: 'running', AND: [{ OR: [{ phase: null }, { phase: { not: 'partitions' } }] }, { OR: [{ heartbeatAt: null }, { heartbeatAt: { lt: staleBefore } }] }] },
    select: { id: true, attempt: true, heartbeatAt: true, phase: true },
  });
  for (const run of stale) {
    if (!run.heartbeatAt) {
      if (await failRun(run.id, 'Interrupted by a server restart; nothing was kept. Start the run again.', db, run.attempt)) report.failed++;
    } else if (run.phase === 'merging') {
      // The merge died: partitions are kept; the merge is queued again (or the run failed).
      if (run.attempt >= settings.maxAttempts * 2) {
        if (await failRun(run.id, `The run's merge stopped ${settings.maxAttempts} times (its worker died); nothing was kept. Start the run again.`, db, run.attempt)) report.failed++;
      } else {
        const n = await db.run.updateMany({ where: { id: run.id, attempt: run.attempt, status: 'running', phase: 'merging', heartbeatAt: { lt: staleBefore } }, data: { phase: 'partitions', heartbeatAt: null } });
        if (n.count) report.requeued++;
      }
    } else if (run.attempt >= settings.maxAttempts) {
      const message = `The worker running this run stopped ${run.attempt} times (killed or restarted); nothing was kept. Start the run again.`;
      if (await failRun(run.id, message, db, run.attempt)) report.failed++;
    } else if (await requeueRun(db, run.id, run.attempt, staleBefore)) {
      report.requeued++;
    }
  }

  const parts = await db.runPartition.findMany({
    where: { status: 'running', heartbeatAt: { lt: staleBefore }, run: { status: 'running', phase: 'partitions' } },
    select: { runId: true, index: true, attempt: true },
  });
  for (const p of parts) {
    if (p.attempt >= settings.maxAttempts) {
      const message = `Partition ${p.index + 1} of this run stopped ${p.attempt} times (its worker was killed or restarted); nothing was kept. Start the run again.`;
      if (await failRun(p.runId, message, db)) report.failed++;
    } else if (await requeuePartition(db, p.runId, p.index, p.attempt, staleBefore)) {
      report.requeued++;
    }
  }

  // A completed run whose worker died before rebuilding ROMI gets it rebuilt.
  for (const r of await db.run.findMany({ where: { status: 'completed', phase: 'finishing', heartbeatAt: { lt: staleBefore } }, select: { id: true } })) {
    await rebuildRomiAfterRun(r.id, db);
    await db.run.updateMany({ where: { id: r.id, phase: 'finishing' }, data: { phase: 'done' } });
  }

  // Send (again) what is queued: job ids are stable, so a job that exists is not duplicated.
  for (const r of await db.run.findMany({ where: { status: 'queued' }, select: { id: true, attempt: true } })) {
    if (await sendRunJob(queue, RUN_JOBS.execute, { runId: r.id }, `${r.id}:${r.attempt}`, db)) report.resent++;
  }
  for (const p of await db.runPartition.findMany({ where: { status: 'queued', run: { status: 'running', phase: 'partitions' } }, select: { runId: true, index: true, attempt: true } })) {
    if (await sendRunJob(queue, RUN_JOBS.partition, { runId: p.runId, index: p.index }, `${p.runId}:${p.index}:${p.attempt}`, db)) report.resent++;
  }
  for (const r of await db.run.findMany({ where: { status: 'running', phase: 'partitions', parts: { none: { status: { not: 'completed' } } } }, select: { id: true, attempt: true } })) {
    if (await sendRunJob(queue, RUN_JOBS.finalize, { runId: r.id }, `${r.id}:${r.attempt}`, db)) report.resent++;
  }
  return report;
}

/** Start-up recovery (instrumentation.ts, workers): see recoverStaleRuns. Returns runs failed or requeued. */
export async function recoverInterruptedRuns(db: Client = getPrisma(), opts: { queue?: JobQueue } = {}): Promise<number> {
  const r = await recoverStaleRuns(db, opts);
  return r.failed + r.requeued;
}

export async function listRuns(db: Client = getPrisma(), opts: { take?: number } = {}) {
  const rows = await db.run.findMany({
    orderBy: { createdAt: 'desc' },
    take: opts.take ?? 50,
    include: { ruleSet: { select: { name: true, version: true } } },
  });
  return rows.map((r) => ({ ...r, sourceNames: (JSON.parse(r.inputs) as ResolvedInputs).sources.map((s) => s.name) }));
}

export async function getRun(id: string, db: Client = getPrisma()) {
  const run = await db.run.findUnique({ where: { id }, include: { ruleSet: { select: { id: true, name: true, version: true } } } });
  if (!run) return null;
  return { ...run, inputsParsed: JSON.parse(run.inputs) as ResolvedInputs, summaryParsed: run.summary ? (JSON.parse(run.summary) as Summary) : null };
}

/** The newest completed run: what the discrepancy table shows by default. */
export async function latestCompletedRun(db: Client = getPrisma()) {
  return db.run.findFirst({ where: { status: 'completed' }, orderBy: { createdAt: 'desc' }, select: { id: true, createdAt: true } });
}

/** Per run: open rows, and the sum of reconciled Paid amounts per currency. */
export async function runReviewCounts(runId: string, db: Client = getPrisma()) {
  const byState = await db.runResult.groupBy({ by: ['state'], where: { runId }, _count: { _all: true } });
  return Object.fromEntries(byState.map((s) => [s.state, s._count._all])) as Record<string, number>;
}

export type RunChange = {
  key: string;
  kind: 'new' | 'gone' | 'changed';
  before: { cls: string; severity: string; action: string; state: string } | null;
  after: { cls: string; severity: string; action: string; state: string } | null;
  fields: string[];
};

/**
 * What changed between two runs, key by key (merge join in key order over the (runId, key) index):
 * keys new in `to`, gone from `from`, and keys whose class, severity, action or state changed.
 */
export async function compareRuns(fromId: string, toId: string, opts: { db?: Client; limit?: number } = {}) {
  const db = opts.db ?? getPrisma();
  const limit = opts.limit ?? 500;
  const [a, b] = await Promise.all([db.run.findUnique({ where: { id: fromId } }), db.run.findUnique({ where: { id: toId } })]);
  if (!a || !b) throw new NotFoundError('One of the runs to compare does not exist.');
  const select = { key: true, cls: true, severity: true, action: true, state: true } as const;
  type Row = { key: string; cls: string; severity: string; action: string; state: string };
  async function* stream(runId: string): AsyncGenerator<Row> {
    let last: string | null = null;
    for (;;) {
      const rows: Row[] = await db.runResult.findMany({ where: { runId, ...(last !== null ? { key: { gt: last } } : {}) }, orderBy: { key: 'asc' }, take: 5000, select });
      yield* rows;
      if (rows.length < 5000) return;
      last = rows[rows.length - 1]!.key;
    }
  }
  const counts = { new: 0, gone: 0, changed: 0, unchanged: 0 };
  const changes: RunChange[] = [];
  const push = (c: RunChange) => {
    counts[c.kind]++;
    if (changes.length < limit) changes.push(c);
  };
  const pick = (r: Row) => ({ cls: r.cls, severity: r.severity, action: r.action, state: r.state });
  const ia = stream(fromId);
  const ib = stream(toId);
  let ra = await ia.next();
  let rb = await ib.next();
  // Keys compare in the database's order; JS compares code units, the same as SQLite and PostgreSQL's C collation for ASCII keys.
  while (!ra.done || !rb.done) {
    if (rb.done || (!ra.done && ra.value.key < rb.value.key)) {
      push({ key: ra.value!.key, kind: 'gone', before: pick(ra.value!), after: null, fields: [] });
      ra = await ia.next();
    } else if (ra.done || rb.value.key < ra.value.key) {
      push({ key: rb.value.key, kind: 'new', before: null, after: pick(rb.value), fields: [] });
      rb = await ib.next();
    } else {
      const fields = (['cls', 'severity', 'action', 'state'] as const).filter((f) => ra.value![f] !== rb.value![f]);
      if (fields.length) push({ key: rb.value.key, kind: 'changed', before: pick(ra.value), after: pick(rb.value), fields });
      else counts.unchanged++;
      ra = await ia.next();
      rb = await ib.next();
    }
  }
  return { from: { id: a.id, createdAt: a.createdAt, inputsHash: a.inputsHash }, to: { id: b.id, createdAt: b.createdAt, inputsHash: b.inputsHash }, counts, changes, truncated: changes.length < counts.new + counts.gone + counts.changed };
}
