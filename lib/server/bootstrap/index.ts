/**
 * The composition root: the one place that wires features together for a process. It registers
 * the job handlers and declares what follows a run's completion; features never import each other
 * for that. Every entry point calls bootstrap() once before it works jobs: the Next.js server
 * (instrumentation.ts), `npm run worker`, `npm run demo`, the benches and the integration tests.
 */
import { registerRunJobs, declareRunCompletionSteps } from '@/lib/features/runs';
import { registerPullJobs } from '@/lib/features/ingestion/connectors/pull-jobs';
import { autoResolveRun } from '@/lib/features/review/auto-resolve';
import { autoEscalateAfterRun } from '@/lib/features/escalation/escalations';
import { alertRunFailed, alertsForCompletedRun } from '@/lib/features/alerts/checks';
import { rebuildRomiAfterRun } from '@/lib/features/romi/rebuild-romi';
import { processSlot } from '@/lib/server/core/process-state';
import { limitHeapGrowth } from '@/lib/server/core/heap';
import { declareDataArrival } from '@/lib/features/ingestion/data-arrived';
import { declarePassCompleted, ledgerPassesForIngestion, ledgerPassesForKeys, ledgerPassesForWebhook, registerLedgerJobs } from '@/lib/features/ledger';
import { emitPassEvents } from '@/lib/features/alerts/outgoing/pass-events';
import { kickWebhookDeliveries } from '@/lib/features/alerts/outgoing/deliver';


const booted = processSlot<true>('bootstrapped');

/** Registers job handlers and run-completion steps (idempotent). */
export function bootstrap(): void {
  if (booted.get()) return;
  booted.set(true);
  limitHeapGrowth();
  registerRunJobs();
  registerPullJobs();
  registerLedgerJobs();
  // New data of a source reconciles into every ledger it belongs to, in the background.
  declareDataArrival((arrival, db) =>
    arrival.kind === 'webhook'
      ? ledgerPassesForWebhook(arrival.sourceId, arrival.key, arrival.eventId, { db })
      : arrival.kind === 'reprocess'
        ? ledgerPassesForKeys(arrival.sourceId, arrival.keys, arrival.ingestionId, arrival.romi, { db })
        : ledgerPassesForIngestion(arrival.sourceId, arrival.ingestionId, arrival.kind, { db }),
  );
  // A ledger pass tells the company's webhook subscribers what it did (lib/features/alerts/outgoing).
  declarePassCompleted(async (pass, db) => {
    await emitPassEvents(pass, db);
    kickWebhookDeliveries(db);
  });
  declareRunCompletionSteps({
    settle: (runId, autoRules, db) => autoResolveRun(runId, autoRules, db),
    inCompletion: (tx, run) => alertsForCompletedRun(tx, run),
    after: [
      { name: 'rebuild ROMI', run: (runId, _outcome, db) => rebuildRomiAfterRun(runId, db) },
      { name: 'escalate critical rows', run: (runId, outcome, db) => autoEscalateAfterRun(runId, outcome.critical, db) },
    ],
    onFailed: (tx, runId, message) => alertRunFailed(tx, runId, message),
  });
}
