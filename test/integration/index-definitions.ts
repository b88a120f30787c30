import type { TestDatabase } from './databases';

/** RunResult's indexes as the database prints them, by name. */
export async function indexDefinitions(db: TestDatabase): Promise<{ name: string; sql: string }[]> {
  return db.kind === 'sqlite'
    ? db.prisma.$queryRawUnsafe(`SELECT "name", "sql" FROM sqlite_master WHERE "type" = 'index' AND "tbl_name" = 'RunResult' ORDER BY "name"`)
    : db.prisma.$queryRawUnsafe(`SELECT indexname AS "name", indexdef AS "sql" FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'RunResult' ORDER BY indexname`);
}
