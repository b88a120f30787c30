/**
 * Secondary indexes set aside while a bulk fill writes a table (a ledger's first fill, a ROMI build, a
 * large upload on SQLite), and built again once, from sorted keys, when it is done. A row inserted into an indexed table lands at a random place in each of its
 * secondary indexes: at 1M ledger entries most of a fill's time went to those index pages (read,
 * split and written again at every commit), while CREATE INDEX sorts the rows once and writes each
 * index page once.
 *
 * What was set aside is recorded in the same transaction as the DROP (an AppSetting row per index,
 * holding its definition as the database printed it), so an interrupted fill loses nothing: the
 * indexes are built again by the fill when it ends (even when it fails), by the next ledger pass, and
 * before any migration (lib/server/db/migrate.ts), whichever comes first. Each index is built and its
 * record removed in one transaction. Unique indexes are never set aside (they enforce constraints,
 * and the fill's own upserts read by them). While they are away, queries still answer, from the
 * table's remaining indexes.
 */
import { clientTarget, type DbClient as Client } from './client';

const PREFIX = 'deferred-index:';

/** Tables whose secondary indexes a fill may set aside (names are constants, never input). */
export type DeferrableTable = 'RunResult' | 'RomiCredit' | 'SourceRecord';

type IndexDef = { name: string; sql: string };

/** A definition this module recorded: a plain (not unique) index of a deferrable table. */
const RESTORABLE = /^CREATE INDEX "?([A-Za-z0-9_]+)"? ON (?:[A-Za-z0-9_"]+\.)?"?(RunResult|RomiCredit|SourceRecord)"? ?(?:USING btree )?\(/;

/** The table's secondary indexes as the database prints them (unique ones excluded). */
/** Every index of a table with the statement that creates it (unique ones and PostgreSQL's primary key included). */
export function tableIndexes(db: Pick<Client, '$queryRawUnsafe'>, kind: 'sqlite' | 'postgres', table: string): Promise<IndexDef[]> {
  return kind === 'sqlite'
    ? db.$queryRawUnsafe(`SELECT "name", "sql" FROM sqlite_master WHERE "type" = 'index' AND "tbl_name" = ? AND "sql" IS NOT NULL`, table)
    : db.$queryRawUnsafe(`SELECT indexname AS "name", indexdef AS "sql" FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1`, table);
}

async function secondaryIndexes(db: Pick<Client, '$queryRawUnsafe'>, kind: 'sqlite' | 'postgres', table: DeferrableTable): Promise<IndexDef[]> {
  return (await tableIndexes(db, kind, table)).filter((r) => RESTORABLE.test(r.sql));
}

/**
 * Drops the table's secondary indexes (those named in `only`, when given), recording each; returns their names. Call
 * restoreDeferredIndexes when the fill is done (in a finally).
 */
export async function deferIndexes(db: Client, table: DeferrableTable, opts: { only?: readonly string[] } = {}): Promise<string[]> {
  const { kind } = clientTarget(db);
  return db.$transaction(async (tx) => {
    const defs = (await secondaryIndexes(tx, kind, table)).filter((d) => !opts.only || opts.only.includes(d.name));
    for (const d of defs) {
      const value = JSON.stringify({ table, sql: d.sql });
      await tx.appSetting.upsert({ where: { key: PREFIX + d.name }, create: { key: PREFIX + d.name, value }, update: { value } });
      await tx.$executeRawUnsafe(`DROP INDEX "${d.name}"`);
    }
    return defs.map((d) => d.name);
  });
}

/**
 * Builds again every index a fill set aside (of `table` only, when given) and removes its record, one
 * index a transaction; returns their names. Safe at any time: an index that exists already is left as it is.
 */
export async function restoreDeferredIndexes(db: Client, table?: DeferrableTable): Promise<string[]> {
  const pending = await db.appSetting.findMany({ where: { key: { startsWith: PREFIX } }, orderBy: { key: 'asc' } });
  const built: string[] = [];
  for (const p of pending) {
    const { sql } = JSON.parse(p.value) as { sql: string };
    const m = RESTORABLE.exec(sql);
    if (!m) throw new Error(`The recorded definition of index ${p.key.slice(PREFIX.length)} is not one this app sets aside: ${sql.slice(0, 200)}`);
    if (table && m[2] !== table) continue;
    await db.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe(sql.replace(/^CREATE INDEX /, 'CREATE INDEX IF NOT EXISTS '));
        await tx.appSetting.delete({ where: { key: p.key } });
      },
      { timeout: 30 * 60_000 },
    );
    built.push(m[1]!);
  }
  return built;
}

/**
 * Whether the table holds at most `bound` rows, counted up to the bound only (a table much larger than
 * the work at hand is not read through): the check before setting indexes aside, whose build sorts
 * every row of the table.
 */
export async function holdsAtMost(db: Pick<Client, '$queryRawUnsafe'>, table: DeferrableTable, bound: number): Promise<boolean> {
  const [row] = await db.$queryRawUnsafe<{ n: number | bigint }[]>(`SELECT COUNT(*) AS "n" FROM (SELECT 1 FROM "${table}" LIMIT ${Math.floor(bound) + 1}) t`);
  return Number(row?.n ?? 0) <= bound;
}

/** Whether any index is set aside now (a fill running, or one interrupted). */
export async function hasDeferredIndexes(db: Client): Promise<boolean> {
  return (await db.appSetting.count({ where: { key: { startsWith: PREFIX } } })) > 0;
}
