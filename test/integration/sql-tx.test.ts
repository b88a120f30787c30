import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDefaultRuleSet } from '@/lib/features/runs/rulesets';
import { closeBulkWriters, releaseSqliteWriterConnection } from '@/lib/server/db/record-insert';
import { bulkTransaction, insertValues, reserveIds, type RawTx } from '@/lib/server/db/sql-tx';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

const HOSTILE = ['', ' ', '"', '""', "'", "''); DROP TABLE \"AuditLog\"; --", 'a,b', 'line\nbreak', 'cr\r\nlf', 'tab\there', '\\N', '\\', 'nul\u0000inside', 'ünïcødé €', '😀', 'x'.repeat(70_000)];
const COLUMNS = ['id', 'createdAt', 'actorId', 'actorEmail', 'action', 'entityType', 'entityId', 'before', 'after'];

/**
 * The ledger's fill writes in a transaction of the bulk writer's own (lib/server/db/sql-tx.ts): by COPY
 * on PostgreSQL, by prepared row inserts on a SQLite connection of its own. The same values must arrive
 * as through literal INSERTs in Prisma's transaction, hostile text included; nothing of a failed
 * transaction may stay; ids reserved for it come in order and are never ones the table has used.
 */
describe.each(DATABASE_KINDS)('raw writers on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  /** The fill's transaction on this database: the bulk writer's own. */
  const fillTransaction = <T>(fn: (tx: RawTx) => Promise<T>): Promise<T> => bulkTransaction(db.prisma, fn);
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

  it('stores many rows a statement as it stores them one by one, and refuses a row of the wrong width', async () => {
    // 7 × 16 rows: on SQLite two statements of 50 rows and a tail of 12 bound a row at a time.
    const many = (prefix: string) => Array.from({ length: 7 }, (_, k) => rows(`${prefix}${k}`)).flat();
    await fillTransaction((tx) => insertValues(tx, 'AuditLog', COLUMNS, many('bulk')));
    await db.prisma.$transaction((tx) => insertValues(tx, 'AuditLog', COLUMNS, many('each'), 1));
    for (let k = 0; k < 7; k++) {
      const bulk = await read(`bulk${k}`);
      expect(bulk).toHaveLength(HOSTILE.length);
      expect(bulk).toEqual(await read(`each${k}`));
    }
    const short = many('short').map((r, i) => (i === 60 ? r.slice(0, -1) : r));
    await expect(fillTransaction((tx) => insertValues(tx, 'AuditLog', COLUMNS, short))).rejects.toThrow();
    expect(await db.prisma.auditLog.count({ where: { id: { startsWith: 'short' } } })).toBe(0);
  });

  it('waits for a transaction of the same process that holds the write lock, without blocking it', async () => {
    // Prisma's transaction takes the write lock and keeps it until released; the bulk transaction asked for
    // meanwhile must let it finish (a synchronous busy wait would hold the event loop until its timeout).
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const held = db.prisma.$transaction(async (tx) => {
      await insertValues(tx, 'AuditLog', COLUMNS, rows('held').slice(0, 1));
      locked();
      await new Promise<void>((r) => (release = r));
    }, { timeout: 20_000 });
    await isLocked;
    const started = performance.now();
    const bulk = fillTransaction((tx) => insertValues(tx, 'AuditLog', COLUMNS, rows('after').slice(0, 2)));
    setTimeout(() => release(), 300);
    await held;
    await bulk;
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await read('held')).toHaveLength(1);
    expect(await read('after')).toHaveLength(2);
  });

  it('keeps the bulk connection while a transaction uses it when asked to release it, and opens another after', async () => {
    // A pass releases the SQLite writer's connection (its page cache) when its fill is done; another
    // pass's bulk transaction of the same process may be between two statements at that moment.
    let release!: () => void;
    let inside!: () => void;
    const isInside = new Promise<void>((r) => (inside = r));
    const first = fillTransaction(async (tx) => {
      await insertValues(tx, 'AuditLog', COLUMNS, rows('kept').slice(0, 1));
      inside();
      await new Promise<void>((r) => (release = r));
      await insertValues(tx, 'AuditLog', COLUMNS, rows('kept').slice(1, 2));
    });
    await isInside;
    releaseSqliteWriterConnection(db.prisma);
    release();
    await first;
    expect(await read('kept')).toHaveLength(2);
    releaseSqliteWriterConnection(db.prisma);
    await fillTransaction((tx) => insertValues(tx, 'AuditLog', COLUMNS, rows('reopened').slice(0, 1)));
    expect(await read('reopened')).toHaveLength(1);
  });

  it('runs bulk transactions of the same process one after the other, even when a body awaits other work', async () => {
    // The ROMI rebuild's body yields between key ranges while a pass of the same process may start its fill.
    const order: string[] = [];
    const slow = fillTransaction(async (tx) => {
      await insertValues(tx, 'AuditLog', COLUMNS, rows('turn-a').slice(0, 1));
      order.push('a wrote');
      await new Promise((r) => setTimeout(r, 200));
      await insertValues(tx, 'AuditLog', COLUMNS, rows('turn-a').slice(1, 2));
      order.push('a done');
    });
    const quick = fillTransaction(async (tx) => {
      order.push('b began');
      await insertValues(tx, 'AuditLog', COLUMNS, rows('turn-b').slice(0, 1));
    });
    await Promise.all([slow, quick]);
    expect(await read('turn-a')).toHaveLength(2);
    expect(await read('turn-b')).toHaveLength(1);
    // PostgreSQL's run side by side on two connections of the pool; SQLite's share one and take turns.
    if (kind === 'sqlite') expect(order).toEqual(['a wrote', 'a done', 'b began']);
    // A failed one does not hold up the next, and a nested one is refused at once.
    await expect(fillTransaction(async () => Promise.reject(new Error('stop')))).rejects.toThrow('stop');
    if (kind === 'sqlite') await expect(fillTransaction(() => fillTransaction(async () => 1))).rejects.toThrow('cannot open another inside it');
    await fillTransaction((tx) => insertValues(tx, 'AuditLog', COLUMNS, rows('turn-c').slice(0, 1)));
    expect(await read('turn-c')).toHaveLength(1);
  });

  it('keeps nothing of a transaction that fails, and reserves ids in order past any the table used', async () => {
    await expect(
      fillTransaction(async (tx) => {
        await insertValues(tx, 'AuditLog', COLUMNS, rows('failed'));
        throw new Error('stop');
      }),
    ).rejects.toThrow('stop');
    expect(await read('failed')).toEqual([]);
    // COPY and prepared row inserts return no ids: they are reserved first, in order.
    const ruleSet = await ensureDefaultRuleSet(db.prisma);
    const run = await db.prisma.run.create({ data: { status: 'completed', inputs: '[]', inputsHash: 'test', ruleSetId: ruleSet.id } });
    const entry = (id: number) => ({ id, runId: run.id, key: `K${id}`, cls: 'matched', reasons: '', severity: 'info', severityRank: 0, action: 'none', actionLabel: 'None', missingIn: '', duplicateIn: '', statuses: '', amountMinor: 1n, currency: 'USD', detail: '{}', state: 'open' });
    const ids = await fillTransaction((tx) => reserveIds(tx as Parameters<typeof reserveIds>[0], 'RunResult', 5));
    expect(ids).toHaveLength(5);
    expect(ids.every((id, i) => i === 0 || id === ids[i - 1]! + 1)).toBe(true);
    // An id the table had (the last row, since deleted) is never handed out again.
    const made = await db.prisma.runResult.create({ data: { ...entry(0), id: undefined, key: 'gone' } });
    await db.prisma.runResult.delete({ where: { id: made.id } });
    const next = await fillTransaction((tx) => reserveIds(tx as Parameters<typeof reserveIds>[0], 'RunResult', 2));
    expect(next[0]!).toBeGreaterThan(made.id);
    await fillTransaction(async (tx) => insertValues(tx, 'RunResult', ['id', 'runId', 'key', 'cls', 'reasons', 'severity', 'severityRank', 'action', 'actionLabel', 'missingIn', 'duplicateIn', 'statuses', 'amountMinor', 'currency', 'detail', 'state'], next.map((id) => Object.values(entry(id)))));
    expect((await db.prisma.runResult.findMany({ where: { runId: run.id }, select: { id: true } })).map((r) => r.id)).toEqual(next);
    // Prisma's own inserts continue after them.
    expect((await db.prisma.runResult.create({ data: { ...entry(0), id: undefined, key: 'after' } })).id).toBeGreaterThan(next[1]!);
  });
});
