import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { SupersededError, heartbeat, touch, type Lease } from './lease';
import { type ResolvedInputs } from './start-run';
import { jobQueue, type JobQueue } from '@/lib/server/jobs';
import { keyBounds, largestSource, rangesOf } from '@/lib/server/db/key-bounds';
import { RUN_JOBS, deleteTimeoutMs, sendRunJob } from './settings';
import { getRuleSet } from './rulesets';
import { reconcileKeys } from './reconcile-keys';
import { onAttemptError } from './recover-runs';
import { mergeSummaries, type SourceKind as EngineKind, type Summary } from '@/lib/reconcile';
import { ENGINE_KINDS } from './result-rows';
import { finishRun } from './finish-run';

/**
 * Splits a claimed run into key partitions (RunPartition rows, each a range of keys at equal steps
 * of the largest input source's records) and queues one job per partition. Fewer than `requested`
 * when the sources have fewer distinct keys.
 */
export async function planPartitions(db: Client, lease: Lease, inputs: ResolvedInputs, requested: number, queue: JobQueue): Promise<void> {
  await db.run.updateMany({ where: { id: lease.runId, attempt: lease.attempt, status: 'running' }, data: { phase: 'bucketing', heartbeatAt: new Date() } });
  const sourceIds = inputs.sources.map((s) => s.sourceId);
  const ranges = rangesOf(sourceIds.length ? await keyBounds(db, await largestSource(db, sourceIds), requested) : []);
  const count = ranges.length;
  const stale = await db.runResult.count({ where: { runId: lease.runId } });
  await db.$transaction(async (tx) => {
    await touch(tx, lease);
    await tx.runResult.deleteMany({ where: { runId: lease.runId } });
    await tx.runPartition.deleteMany({ where: { runId: lease.runId } });
    await tx.runPartition.createMany({ data: ranges.map((r, index) => ({ runId: lease.runId, index, count, status: 'queued', keyAfter: r.after, keyUpTo: r.upTo })) });
    await tx.run.update({ where: { id: lease.runId }, data: { partitions: count, phase: 'partitions', progress: 0, progressTotal: count, heartbeatAt: null } });
  }, { timeout: deleteTimeoutMs(stale) });
  for (let index = 0; index < count; index++) await sendRunJob(queue, RUN_JOBS.partition, { runId: lease.runId, index }, `${lease.runId}:${index}:0`, db);
}

/** Works one partition: its range of keys only, its own claim and heartbeat. */
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
    // Every partition of a split has a bound: one with none was planned by a version that split by hash buckets.
    if (part.count > 1 && part.keyAfter === null && part.keyUpTo === null) throw new Error('This run was split into partitions by an earlier version of Paidline; start it again.');
    const { written, summary } = await reconcileKeys(db, lease, inputs, ruleSet, beat, { after: part.keyAfter, upTo: part.keyUpTo });
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
