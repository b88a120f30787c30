export * from './reconciliations';
export { runLedgerPass, type PassResult, type PassTrigger } from './pass';
export { registerLedgerJobs, ledgerPassesForIngestion, ledgerPassesForKeys, ledgerPassesForWebhook, requestFullPass, requestRomiRebuild, requestRomiRebuilds, LEDGER_JOB, LEDGER_ROMI_JOB } from './jobs';
export * from './queries';
export { withCreatedFacts } from './created-facts';
export { declarePassCompleted, type PassCompleted } from './pass-completed';
