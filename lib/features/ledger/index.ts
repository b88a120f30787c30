export * from './reconciliations';
export { runLedgerPass, type PassResult, type PassTrigger } from './pass';
export { registerLedgerJobs, ledgerPassesForIngestion, ledgerPassesForWebhook, requestFullPass, LEDGER_JOB } from './jobs';
export * from './queries';
