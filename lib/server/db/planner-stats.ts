import { clientTarget, type DbClient as Client } from './client';

/** Tables whose planner statistics a ledger pass refreshes (names are constants, never input). */
export type AnalyzedTable = 'SourceRecord' | 'RunResult';

/**
 * PostgreSQL only: refreshes the planner's statistics of tables that just grew or changed a lot.
 * Autovacuum analyzes a table only after a tenth of it changed, and a plan made from statistics of a
 * nearly empty table scans where it should seek: a ledger's first fill read its entries with
 * sequential scans (100k keys: 77 s, most of it in RunResult lookups of 40 ms each), and a full pass
 * paged its keys with a sort of every remaining record (90 ms a page; 6 ms once analyzed).
 * ANALYZE samples a fixed number of rows, so it costs about the same at any size. `vacuum`: tables
 * also vacuumed (outside any transaction), which marks the pages of rows just loaded all-visible, so
 * index-only scans stop fetching every row from the table: a full pass's key pages over freshly
 * uploaded records took 35 ms each, 11 ms after VACUUM (0.3 s for 224k records; pages already
 * all-visible are skipped, so a later VACUUM costs little). SQLite's planner works from its indexes
 * without statistics: nothing to do there.
 */
export async function refreshPlannerStats(db: Client, tables: readonly AnalyzedTable[], opts: { vacuum?: readonly AnalyzedTable[] } = {}): Promise<void> {
  if (clientTarget(db).kind !== 'postgres') return;
  for (const table of tables) await db.$executeRawUnsafe(`${opts.vacuum?.includes(table) ? 'VACUUM (ANALYZE)' : 'ANALYZE'} "${table}"`);
}
