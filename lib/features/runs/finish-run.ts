import { type DbClient as Client } from '@/lib/server/db/client';
import { SupersededError, type Lease } from './lease';
import { type Summary } from '@/lib/reconcile';
import { writeAudit } from '@/lib/server/db/audit';
import { runCompletionSteps } from './completion-steps';
import { deleteTimeoutMs, finishTimeoutMs } from './settings';

/**
 * Settles rows by the automatic rules, completes the run with its alerts in one transaction, then
 * runs the declared after-completion steps (ROMI rebuild, escalation: see completion-steps.ts).
 */
export async function finishRun(db: Client, lease: Lease, autoRules: readonly string[], summaryAfter: Summary, written: number, started: Date): Promise<void> {
  const runId = lease.runId;
  const n = await db.run.updateMany({ where: { id: runId, attempt: lease.attempt, status: 'running' }, data: { phase: 'auto-resolving', heartbeatAt: new Date() } });
  if (!n.count) throw new SupersededError(`Run ${runId} was taken over or stopped.`);
  const steps = runCompletionSteps();
  await steps.settle(runId, autoRules, db);
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
    return steps.inCompletion(tx, { id: runId, totalKeys: summaryAfter.total, matched: summaryAfter.classes.matched, critical: summaryAfter.severity.critical });
    // The critical-row check reads every critical row (98k of 1M keys in bench/runs.ts): far beyond
    // Prisma's default 5 s, after which the completion rolled back and the run hung in auto-resolving.
  }, { timeout: finishTimeoutMs(summaryAfter.total), maxWait: 30_000 });
  for (const step of steps.after) await step.run(runId, alerts, db);
  await db.run.updateMany({ where: { id: runId, attempt: lease.attempt, status: 'completed' }, data: { phase: 'done' } });
}

/**
 * Deletes the run's partial results (resolutions and comments cascade) and marks it failed, unless
 * it already ended or (with `attempt`) a newer attempt owns it.
 */
export async function failRun(runId: string, message: string, db: Client, attempt?: number): Promise<boolean> {
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
    await runCompletionSteps().onFailed(tx, runId, message);
    return true;
  }, { timeout: deleteTimeoutMs(rows) });
}
