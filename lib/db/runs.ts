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
} from '@/lib/reconcile';
import type { Prisma } from '../generated/sqlite/client';
import { getPrisma } from './client';
import { writeAudit } from './audit';
import { getRuleSet, ensureDefaultRuleSet } from './rulesets';
import { jobQueue, registerJobHandler } from '@/lib/review/jobs';
import { assertCan, NotFoundError, ReviewError, type ResultDetail, type ReviewActor, type SourceSide } from '@/lib/review/types';
import { autoResolveRun } from '@/lib/review/auto-resolve';
import { rebuildRomiAfterRun } from './romi';
import { alertRunFailed, alertsForCompletedRun } from '@/lib/alerts/checks';
import { autoEscalateAfterRun } from './escalations';

type Client = ReturnType<typeof getPrisma>;

const RESULT_BATCH = 1000;
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
  opts: { db?: Client; wait?: boolean } = {},
): Promise<{ id: string }> {
  assertCan(actor, 'runs:start');
  const input = startRunSchema.parse(rawInput);
  const db = opts.db ?? getPrisma();
  const inputs = await resolveInputs(input, db);
  const inputsHash = createHash('sha256').update(canonical(inputs)).digest('hex');
  const run = await db.$transaction(async (tx) => {
    const row = await tx.run.create({
      data: { status: 'queued', ruleSetId: inputs.ruleSet.id, inputs: JSON.stringify(inputs), inputsHash, createdById: actor.id, createdByEmail: actor.email },
    });
    await writeAudit(tx, { actor, action: 'run.start', entityType: 'Run', entityId: row.id, after: { inputsHash, sources: inputs.sources.map((s) => s.name), ruleSet: inputs.ruleSet } });
    return row;
  });
  const job = enqueueRun(run.id, db);
  if (opts.wait) await job;
  return { id: run.id };
}

// The job handler needs a client: the app's by default; tests register their own per run id.
const clients = new Map<string, Client>();
registerJobHandler('run.execute', async (payload) => {
  const runId = String(payload.runId);
  const db = clients.get(runId) ?? getPrisma();
  try {
    await executeRun(runId, db);
  } finally {
    clients.delete(runId);
  }
});

function enqueueRun(runId: string, db: Client): Promise<void> {
  clients.set(runId, db);
  return jobQueue().enqueue('run.execute', { runId });
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
  let lastKey: string | null = null;
  let lastId = 0;
  let current: { key: string; byOrigin: Map<string, Snapshot> } | null = null;
  const finish = (g: { key: string; byOrigin: Map<string, Snapshot> }) => ({
    key: g.key,
    snapshots: [...g.byOrigin.values()].sort((a, b) => a.at - b.at || a.records[0]!.id - b.records[0]!.id),
  });
  for (;;) {
    const where: Prisma.SourceRecordWhereInput =
      lastKey === null ? base : { AND: [base, { OR: [{ key: { gt: lastKey } }, { key: lastKey, id: { gt: lastId } }] }] };
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
): Prisma.RunResultCreateManyInput {
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
    ruleId: row.ruleId,
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

/**
 * Executes a queued run: streams each source's records into the engine, writes one result row per
 * key in batches, stores the summary, then lets automatic rules resolve their rows. Any failure
 * marks the run failed and deletes its partial results: nothing half-written remains.
 */
export async function executeRun(runId: string, db: Client = getPrisma()): Promise<void> {
  const started = Date.now();
  const run = await db.run.findUnique({ where: { id: runId } });
  if (!run || run.status !== 'queued') return;
  await db.run.update({ where: { id: runId }, data: { status: 'running', phase: 'reading', startedAt: new Date(started) } });
  try {
    const inputs = JSON.parse(run.inputs) as ResolvedInputs;
    const ruleSet = await getRuleSet(run.ruleSetId, db);
    if (!ruleSet) throw new Error('The rule set of this run was deleted.');
    const engine = new Reconciler(
      inputs.sources.map((s) => ({ name: s.name, kind: (ENGINE_KINDS.has(s.kind as EngineKind) ? s.kind : 'other') as EngineKind })),
      { rules: ruleSet.definition },
    );
    const progressTotal = await db.sourceRecord.count({
      where: { OR: inputs.sources.flatMap((s) => [
        ...(s.ingestionIds.length ? [{ ingestionId: { in: s.ingestionIds } }] : []),
        ...(s.webhookMaxRecordId !== null ? [{ sourceId: s.sourceId, ingestionId: null, id: { lte: s.webhookMaxRecordId } }] : []),
      ]) },
    });
    await db.run.update({ where: { id: runId }, data: { progressTotal } });
    let read = 0;
    const sides: Map<string, SideInfo>[] = [];
    const violations = new Map<string, ProgressionViolation[]>();
    for (let i = 0; i < inputs.sources.length; i++) {
      const src = inputs.sources[i]!;
      const info = new Map<string, SideInfo>();
      sides.push(info);
      for await (const group of keyGroups(db, src, inputs)) {
        const latest = group.snapshots[group.snapshots.length - 1]!;
        for (const r of latest.records) engine.add(i, r.rec);
        info.set(group.key, { recordId: latest.records[0]!.id, snapshots: group.snapshots.length - 1 });
        if (group.snapshots.length > 1) {
          const events: ProgressionEvent[] = group.snapshots.map((s) => ({ key: group.key, status: s.records[0]!.rec.status, at: s.at, ...(s.records[0]!.rec.line ? { line: s.records[0]!.rec.line } : {}) }));
          const found = checkProgression(events);
          if (found.length) violations.set(group.key, (violations.get(group.key) ?? []).concat(found.map((v) => ({ ...v, reason: `${src.name}: ${v.reason}` }))));
        }
        read += group.snapshots.reduce((n, s) => n + s.records.length, 0);
        if (read % 10_000 < latest.records.length) await db.run.update({ where: { id: runId }, data: { progress: read } });
      }
    }
    const keys = new Set<string>();
    for (const m of sides) for (const k of m.keys()) keys.add(k);
    const keyCount = keys.size;
    keys.clear();
    await db.run.update({ where: { id: runId }, data: { phase: 'writing', progress: 0, progressTotal: keyCount } });

    let batch: Prisma.RunResultCreateManyInput[] = [];
    let written = 0;
    const flush = async () => {
      if (!batch.length) return;
      await db.runResult.createMany({ data: batch });
      written += batch.length;
      batch = [];
      await db.run.update({ where: { id: runId }, data: { progress: written } });
    };
    for (const row of engine.rows()) {
      batch.push(resultData(runId, row, inputs, sides, violations));
      if (batch.length >= RESULT_BATCH) await flush();
    }
    await flush();
    const summaryAfter: Summary = engine.summary();

    await db.run.update({ where: { id: runId }, data: { phase: 'auto-resolving' } });
    const autoResolved = await autoResolveRun(runId, ruleSet.autoRules, db);

    const alerts = await db.$transaction(async (tx) => {
      await tx.run.update({
        where: { id: runId },
        data: {
          status: 'completed',
          phase: 'done',
          finishedAt: new Date(),
          durationMs: Date.now() - started,
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
      await writeAudit(tx, { actor: null, action: 'run.complete', entityType: 'Run', entityId: runId, after: { keys: summaryAfter.total, classes: summaryAfter.classes, autoResolved } });
      // Critical-discrepancy and discrepancy-rate alerts commit with the completion (outbox).
      return alertsForCompletedRun(tx, { id: runId, totalKeys: summaryAfter.total, matched: summaryAfter.classes.matched });
    });
    await rebuildRomiAfterRun(runId, db);
    await autoEscalateAfterRun(runId, alerts.critical, db);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`Run ${runId} failed:`, message);
    await failRun(runId, `The run failed: ${message}`, db);
    throw error;
  }
}

/** Deletes the run's partial results (resolutions and comments cascade) and marks it failed. */
async function failRun(runId: string, message: string, db: Client): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.runResult.deleteMany({ where: { runId } });
    await tx.run.update({ where: { id: runId }, data: { status: 'failed', phase: null, message, finishedAt: new Date(), autoResolved: 0 } });
    await writeAudit(tx, { actor: null, action: 'run.failed', entityType: 'Run', entityId: runId, after: { message } });
    await alertRunFailed(tx, runId, message);
  });
}

/** Called at start-up: a run interrupted by a restart is failed and its partial rows removed. */
export async function recoverInterruptedRuns(db: Client = getPrisma()): Promise<number> {
  const stuck = await db.run.findMany({ where: { status: { in: ['queued', 'running'] } }, select: { id: true } });
  for (const { id } of stuck) await failRun(id, 'Interrupted by a server restart; nothing was kept. Start the run again.', db);
  return stuck.length;
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
