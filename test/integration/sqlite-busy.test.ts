import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'libsql';
import { createPrismaClient, type PrismaClient } from '@/lib/server/db/client';
import { sqliteFilePath } from '@/lib/server/db/config';
import { createTestDatabase, type TestDatabase } from './databases';
import { expectedFailure } from '@/lib/server/pipeline/failure';

/** Another connection (as a bulk writer of this process, or another process) holding SQLite's write lock. */
function holdWriteLock(url: string): { release: () => void } {
  const conn = new Database(sqliteFilePath(url));
  conn.exec('BEGIN IMMEDIATE');
  return {
    release: () => {
      conn.exec('ROLLBACK');
      conn.close();
    },
  };
}

/** Whether a connection of its own can take the write lock now (nothing holds it). */
function lockIsFree(url: string): boolean {
  const conn = new Database(sqliteFilePath(url), { timeout: 0 });
  try {
    conn.exec('BEGIN IMMEDIATE');
    conn.exec('ROLLBACK');
    return true;
  } catch {
    return false;
  } finally {
    conn.close();
  }
}

/**
 * The app's Prisma client on SQLite waits for a write lock without blocking the process (so a holder
 * in the same process can finish), and a write refused busy leaves no connection behind that would
 * fail its next COMMIT and keep the lock for ever (libsql 0.5.29: tursodatabase/libsql-client-ts#352;
 * a crash-recovery test's worker hung that way on a loaded machine).
 */
describe('the SQLite client under a held write lock', () => {
  let db: TestDatabase;
  let short: PrismaClient;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    short = createPrismaClient(db.url, { busyTimeoutMs: 300 });
    await short.appSetting.count(); // connected
  });
  afterAll(async () => {
    await short?.$disconnect();
    await db?.drop();
  });

  it('waits for a lock held in this process without stopping the event loop', async () => {
    const holder = holdWriteLock(db.url);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    // Released by a timer of this process: with a synchronous wait it could never fire before the
    // write gave up (after 10 s) with SQLITE_BUSY.
    setTimeout(() => holder.release(), 400);
    const started = Date.now();
    try {
      await db.prisma.appSetting.create({ data: { key: 'busy.wait', value: 'written' } });
    } finally {
      clearInterval(ticker);
    }
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(350);
    expect(waited).toBeLessThan(5000);
    expect(ticks).toBeGreaterThan(10);
    expect((await db.prisma.appSetting.findUnique({ where: { key: 'busy.wait' } }))?.value).toBe('written');
    await expect(db.prisma.$transaction(async (tx) => tx.appSetting.update({ where: { key: 'busy.wait' }, data: { value: 'again' } }))).resolves.toMatchObject({ value: 'again' });
  });

  it('fails a write refused past its timeout, and the next transactions commit and release the lock', async () => {
    const holder = holdWriteLock(db.url);
    // A statement of its own (no implicit transaction) and a transaction, both refused.
    const statement = await short.$executeRawUnsafe(`INSERT INTO "AppSetting" ("key", "value", "updatedAt") VALUES ('busy.refused', 'x', '2026-01-01T00:00:00.000+00:00')`).catch((e: unknown) => e);
    expect(String((statement as Error).message)).toMatch(/SQLITE_BUSY|database is locked/i);
    const transaction = await short.$transaction(async (tx) => tx.appSetting.create({ data: { key: 'busy.refused.tx', value: 'x' } })).catch((e: unknown) => e);
    expect(transaction).toBeInstanceOf(Error);
    // Both reach a person as the one "busy" error that says what happened and what to do.
    for (const refused of [statement, transaction]) {
      const shown = expectedFailure(refused, () => '');
      expect(shown?.code, `${(refused as { code?: string }).code}: ${(refused as Error).message}`).toBe('busy');
      expect(shown?.message).toMatch(/database is busy .* nothing was changed\. Try again in a minute/);
    }
    holder.release();
    // Nothing refused is left to fail the next COMMIT or keep the lock.
    await short.$transaction(async (tx) => tx.appSetting.create({ data: { key: 'busy.after', value: 'committed' } }));
    await short.appSetting.create({ data: { key: 'busy.after.plain', value: 'committed' } });
    expect(lockIsFree(db.url)).toBe(true);
    expect(await db.prisma.appSetting.count({ where: { key: { in: ['busy.after', 'busy.after.plain'] } } })).toBe(2);
    expect(await db.prisma.appSetting.count({ where: { key: { in: ['busy.refused', 'busy.refused.tx'] } } })).toBe(0);
  });
});
