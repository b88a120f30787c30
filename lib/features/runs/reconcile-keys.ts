import { type ResolvedInputs } from './start-run';
import { engineMembers } from './engine-members';
import { getRuleSet } from './rulesets';
import { combineAttempts } from '@/lib/reconcile/attempts';
import { Reconciler, checkProgression, type NormalizedRecord, type ProgressionEvent, type ProgressionViolation, type SourceKind as EngineKind, type Summary } from '@/lib/reconcile';
import { ENGINE_KINDS, resultData, type SideInfo } from './result-rows';
import { type Prisma } from '@/lib/generated/sqlite/client';
import { type DbClient as Client } from '@/lib/server/db/client';
import { SupersededError, touch, type Lease } from './lease';
import { keyGroups, type KeyScope } from './read-records';
import { type KeyRange } from '@/lib/server/db/key-bounds';
import { insertResults, type ResultInsertRow } from '@/lib/server/db/result-insert';
import { resultBatchSettings } from './settings';

export function engineFor(inputs: ResolvedInputs, ruleSet: NonNullable<Awaited<ReturnType<typeof getRuleSet>>>) {
  return new Reconciler(
    engineMembers(inputs).map((s) => ({ name: s.name, kind: (ENGINE_KINDS.has(s.kind as EngineKind) ? s.kind : 'other') as EngineKind })),
    { rules: ruleSet.definition, match: inputs.match },
  );
}

export function inputRecordsWhere(inputs: ResolvedInputs): Prisma.SourceRecordWhereInput {
  return {
    OR: inputs.sources.flatMap((s) => [
      ...(s.ingestionIds.length ? [{ ingestionId: { in: s.ingestionIds } }] : []),
      ...(s.webhookMaxRecordId !== null ? [{ sourceId: s.sourceId, ingestionId: null, id: { lte: s.webhookMaxRecordId } }] : []),
    ]),
  };
}

/** A list of keys is read 500 at a time: SQLite takes at most 999 bound values a statement. */
async function* keyBatches<T>(keys: KeyScope, read: (keys: KeyScope) => AsyncGenerator<T>): AsyncGenerator<T> {
  if (keys === null || !Array.isArray(keys)) {
    yield* read(keys);
    return;
  }
  for (let i = 0; i < keys.length; i += 500) yield* read(keys.slice(i, i + 500));
}

export type LoadedKeys = { sides: Map<string, SideInfo>[]; violations: Map<string, ProgressionViolation[]>; read: number };

/**
 * Reads the latest snapshot of every key of every input source into the engine (a partition's
 * key range, or a list of keys, when given); the older snapshots feed the status-progression check.
 * `progress` is called about every 10,000 records read.
 */
export async function loadKeys(
  db: Client,
  inputs: ResolvedInputs,
  engine: Reconciler,
  scope: { keys?: KeyScope },
  progress?: (read: number) => Promise<void>,
): Promise<LoadedKeys> {
  let read = 0;
  const sides: Map<string, SideInfo>[] = [];
  const violations = new Map<string, ProgressionViolation[]>();
  for (const member of engineMembers(inputs)) {
    const m = sides.length;
    const info = new Map<string, SideInfo>();
    sides.push(info);
    // A side of one source streams straight into the engine; a group's sources (or a source whose rows
    // of one key are attempts of one payment) are gathered per key first (a ledger pass reads a chunk of keys).
    const gather = member.sourceIndexes.length > 1 || member.attempts;
    const gathered = new Map<string, { records: { id: number; rec: NormalizedRecord; sourceIndex: number }[]; snapshots: number }>();
    for (const i of member.sourceIndexes) {
      const src = inputs.sources[i]!;
      for await (const group of keyBatches(scope.keys ?? null, (keys) => keyGroups(db, src, inputs, keys))) {
        const latest = group.snapshots[group.snapshots.length - 1]!;
        if (gather) {
          let g = gathered.get(group.key);
          if (!g) gathered.set(group.key, (g = { records: [], snapshots: 0 }));
          for (const r of latest.records) g.records.push({ ...r, sourceIndex: i });
          g.snapshots += group.snapshots.length - 1;
        } else {
          for (const r of latest.records) engine.add(m, r.rec);
          info.set(group.key, { recordId: latest.records[0]!.id, snapshots: group.snapshots.length - 1 });
        }
        if (group.snapshots.length > 1) {
          const events: ProgressionEvent[] = group.snapshots.map((s) => ({ key: group.key, status: s.records[0]!.rec.status, at: s.at, ...(s.records[0]!.rec.line ? { line: s.records[0]!.rec.line } : {}) }));
          const found = checkProgression(events);
          if (found.length) violations.set(group.key, (violations.get(group.key) ?? []).concat(found.map((v) => ({ ...v, reason: `${src.name}: ${v.reason}` }))));
        }
        read += group.snapshots.reduce((n, s) => n + s.records.length, 0);
        if (progress && read % 10_000 < latest.records.length) await progress(read);
      }
    }
    for (const [key, g] of gathered) {
      const kept = member.attempts ? combineAttempts(g.records.map((r) => r.rec)) : { records: g.records.map((r) => r.rec), combined: 0 };
      for (const rec of kept.records) engine.add(m, rec);
      const first = g.records.find((r) => r.rec === kept.records[0]) ?? g.records[0]!;
      info.set(key, { recordId: first.id, snapshots: g.snapshots, sourceIndex: first.sourceIndex, ...(kept.combined ? { combined: kept.combined } : {}) });
    }
  }
  return { sides, violations, read };
}

/**
 * Reads the run's records (a partition's key range only, when given) into the engine and writes one
 * result row per key in batches, each batch in a transaction with the attempt's conditional
 * heartbeat: a superseded attempt's batch never commits.
 */
export async function reconcileKeys(
  db: Client,
  lease: Lease,
  inputs: ResolvedInputs,
  ruleSet: NonNullable<Awaited<ReturnType<typeof getRuleSet>>>,
  beat: { check(): void },
  keys: KeyRange | null,
): Promise<{ written: number; summary: Summary }> {
  const runId = lease.runId;
  const engine = engineFor(inputs, ruleSet);
  const { sides, violations } = await loadKeys(db, inputs, engine, { keys }, async (read) => {
    beat.check();
    if (!lease.partition) await touch(db, lease, { progress: read });
  });
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
