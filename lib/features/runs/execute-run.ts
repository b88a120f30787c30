import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { jobQueue, type JobQueue } from '@/lib/server/jobs';
import { SupersededError, claimRun, heartbeat, touch } from './lease';
import { partitionsFor, runSettings } from './settings';
import { type ResolvedInputs } from './start-run';
import { getRuleSet } from './rulesets';
import { engineFor, inputRecordsWhere, reconcileKeys } from './reconcile-keys';
import { planPartitions } from './partitions';
import { finishRun } from './finish-run';
import { onAttemptError } from './recover-runs';

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
