/**
 * RunResult's secondary indexes set aside for a large ledger fill (lib/server/db/deferred-indexes.ts):
 * recorded in the same transaction as the DROP, so an interrupted fill loses none of them (the next
 * migration builds them again), and only a definition of the kind this app sets aside is ever executed
 * from a record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deferIndexes, hasDeferredIndexes, restoreDeferredIndexes } from '@/lib/server/db/deferred-indexes';
import { migrateDatabase } from '@/lib/server/db/migrate';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { indexDefinitions } from './index-definitions';

describe.each(DATABASE_KINDS)('indexes set aside for a fill, on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => db?.drop());

  it('keeps the unique ones, records the others and builds them again before the next migration', async () => {
    const before = await indexDefinitions(db);
    const names = await deferIndexes(db.prisma, 'RunResult');
    expect(names.length).toBe(9);
    const left = await indexDefinitions(db);
    // The primary key and the (runId, key) unique index stay: the fill reads and writes by them.
    expect(left.map((i) => i.name).sort()).toEqual(before.filter((i) => !names.includes(i.name)).map((i) => i.name).sort());
    expect(left.every((i) => /^CREATE UNIQUE INDEX/.test(i.sql))).toBe(true);
    expect(await hasDeferredIndexes(db.prisma)).toBe(true);
    // Setting aside again finds nothing more to set aside (a second fill while the first runs).
    expect(await deferIndexes(db.prisma, 'RunResult')).toEqual([]);

    // The process stops here (no restore): the next migration builds them first.
    const migrated = await migrateDatabase(db.url);
    expect(migrated.restoredIndexes.sort()).toEqual([...names].sort());
    expect(await indexDefinitions(db)).toEqual(before);
    expect(await hasDeferredIndexes(db.prisma)).toBe(false);
    expect((await migrateDatabase(db.url)).restoredIndexes).toEqual([]);
  });

  it('leaves an index that exists already as it is, and its record goes', async () => {
    const before = await indexDefinitions(db);
    const names = await deferIndexes(db.prisma, 'RunResult');
    // Someone built them again by hand (or a migration did) before the fill ended.
    for (const i of before) if (names.includes(i.name)) await db.prisma.$executeRawUnsafe(i.sql);
    expect(await restoreDeferredIndexes(db.prisma)).toHaveLength(9);
    expect(await indexDefinitions(db)).toEqual(before);
    expect(await hasDeferredIndexes(db.prisma)).toBe(false);
  });

  it('refuses to run a recorded definition that is not an index of the ledger, and runs nothing', async () => {
    const value = JSON.stringify({ table: 'RunResult', sql: 'DROP TABLE "User"' });
    await db.prisma.appSetting.create({ data: { key: 'deferred-index:evil', value } });
    await expect(restoreDeferredIndexes(db.prisma)).rejects.toThrow(/deferred-index|not one this app sets aside/);
    expect(await db.prisma.user.count()).toBeGreaterThanOrEqual(0); // the table is still there
    expect(await hasDeferredIndexes(db.prisma)).toBe(true);
    await db.prisma.appSetting.delete({ where: { key: 'deferred-index:evil' } });
  });
});
