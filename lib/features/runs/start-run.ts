import type { EngineMember } from './engine-members';
import type { MatchOptions } from '@/lib/reconcile';
import { z } from 'zod';
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { ensureDefaultRuleSet, getRuleSet } from './rulesets';
import { NotFoundError, InvalidRequestError as ReviewError } from '@/lib/server/core/app-error';
import { assertCan } from '@/lib/server/authorize';
import { type Actor as ReviewActor } from '@/lib/domain/actor';
import { InProcessQueue, jobQueue, type JobQueue } from '@/lib/server/jobs';
import { MAX_PARTITIONS, RUN_JOBS, sendRunJob } from './settings';
import { createHash } from 'node:crypto';
import { writeAudit } from '@/lib/server/db/audit';
import { executeRun } from './execute-run';

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
  /** How records match (amount tolerances, date windows); absent: exact amounts, the same day. */
  match?: Partial<MatchOptions>;
  /**
   * The engine's sides when they are not one per source (a ledger whose processors play one role):
   * each names the sources (indexes into `sources`) whose records it holds. Absent: one side per source.
   */
  members?: EngineMember[];
};

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
