/**
 * Paidline reconciliation engine. Pure TypeScript: no I/O, no framework.
 * Takes records and profiles, returns results. The CLI's speed machinery
 * (byte-level CSV ingest, column recording, shared-memory threads) lives in
 * tools/reconcile-cli and is not exported here.
 */
export * from './glossary';
export * from './schemas';
export * from './money';
export * from './dates';
export * from './normalize';
export * from './rules';
export * from './engine';
export * from './summary';
export * from './partition';
export * from './progression';
export * from './csv';
