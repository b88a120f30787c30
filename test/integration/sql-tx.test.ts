import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBulkWriters } from '@/lib/server/db/record-insert';
import { insertValues, pgTransaction, reserveIds, type RawTx } from '@/lib/server/db/sql-tx';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

const HOSTILE = ['', ' ', '"', '""', "'", "''); DROP TABLE \"AuditLog\"; --", 'a,b', 'line\nbreak', 'cr\r\nlf', 'tab\there', '\\N', '\\', 'nul\u0000inside', 'ünïcødé €', '😀', 'x'.repeat(70_000)];
const COLUMNS = ['id', 'createdAt', 'actorId', 'actorEmail', 'action', 'entityType', 'entityId', 'before', 'after'];

/**
 * On PostgreSQL the ledger's fill writes by COPY in a transaction of its own (lib/server/db/sql-tx.ts):
 * the same values must arrive as through literal INSERTs in Prisma's transaction (SQLite's only path),
 * hostile text included, and nothing of a failed transaction may stay.
 */
describe.each(DATABASE_KINDS)('raw writers on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  /** The fill's transaction on this database: the bulk writer's own with COPY (PostgreSQL), else Prisma's. */
  const fillTransaction = <T>(fn: (tx: RawTx) => Promise<T>): Promise<T> => (kind === 'postgres' ? pgTransaction(db.prisma, fn) : db.prisma.$transaction(fn));
  afterAll(async () => {
    await closeBulkWriters();
    await db?.drop();
  });

  const rows = (prefix: string) => HOSTILE.map((text, i) => [`${prefix}-${i}`, new Date(Date.UTC(2024, 1, 29, 23, 59, 59, i)), null, i % 2 ? text : null, 'test.write', 'Hostile', text, i % 3 ? null : text, text]);
  const read = async (prefix: string) =>
    (await db.prisma.auditLog.findMany({ where: { id: { startsWith: `${prefix}-` } }, orderBy: { entityId: 'asc' } })).map(({ id: _id, ...rest }) => rest);

  it('stores exactly what literal INSERTs store', async () => {
    await fillTransaction((tx) => insertValues(tx, 'AuditLog', COLUMNS, rows('copy')));
    await db.prisma.$transaction((tx) => insertValues(tx, 'AuditLog', COLUMNS, rows('lit'), 5));
    const copied = await read('copy');
    expect(copied).toHaveLength(HOSTILE.length);
    expect(copied).toEqual(await read('lit'));
    expect(copied.map((r) => r.after).sort()).toEqual(HOSTILE.map((t) => t.replace(/\u0000/g, '\ufffd')).sort());
  });

  it('keeps nothing of a transaction that fails (PostgreSQL: ids for COPY reserved in order)', async () => {
    await expect(
      fillTransaction(async (tx) => {
        await insertValues(tx, 'AuditLog', COLUMNS, rows('failed'));
        throw new Error('stop');
      }),
    ).rejects.toThrow('stop');
    expect(await read('failed')).toEqual([]);
    if (kind === 'postgres') {
      // COPY returns no ids: they are reserved from the sequence first, in order.
      const ids = await pgTransaction(db.prisma, (tx) => reserveIds(tx, 'RunResult', 5));
      expect(ids).toHaveLength(5);
      expect(ids.every((id, i) => i === 0 || id === ids[i - 1]! + 1)).toBe(true);
    }
  });
});
