/**
 * Runs: a reconciliation pass over chosen inputs. Start one (start-run), work it on a job queue
 * (execute-run, partitions for large runs, finish-run), recover dead attempts (recover-runs), and
 * read runs back (queries, compare-runs). Job handlers are registered by lib/server/bootstrap.ts.
 */
export * from './start-run';
export * from './execute-run';
export * from './partitions';
export * from './recover-runs';
export * from './queries';
export * from './compare-runs';
export * from './rulesets';
export { RUN_JOBS, MAX_PARTITIONS, runSettings, sendRunJob, partitionsFor } from './settings';
export { SupersededError } from './lease';
export { registerRunJobs } from './jobs';
export { declareRunCompletionSteps, type RunCompletionSteps } from './completion-steps';
