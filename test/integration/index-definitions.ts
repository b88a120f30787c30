import type { TestDatabase } from './databases';

/** A table's indexes (RunResult's by default) as the database prints them, by name. */
export async function indexDefinitions(db: TestDatabase, table: 'RunResult' | 'SourceRecord' = 'RunResult'): Promise<{ name: string; sql: string }[]> {
  return db.kind === 'sqlite'
    ? db.prisma.$queryRawUnsafe(`SELECT "name", "sql" FROM sqlite_master WHERE "type" = 'index' AND "tbl_name" = '${table}' ORDER BY "name"`)
    : db.prisma.$queryRawUnsafe(`SELECT indexname AS "name", indexdef AS "sql" FROM pg_indexes WHERE schemaname = current_schema() AND tablename = '${table}' ORDER BY indexname`);
}
