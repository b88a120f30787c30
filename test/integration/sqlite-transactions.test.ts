/**
 * On the embedded SQLite, a transaction that reads and then writes must not fail because another
 * connection (an ingestion's record writer, a ledger pass's process) committed in between: with the
 * adapter's DEFERRED transactions it failed at once with SQLITE_BUSY ("Operation has timed out": its
 * snapshot was stale). Transactions begin IMMEDIATE (lib/server/db/client.ts): the other writer waits.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteFilePath } from '@/lib/server/db/config';
import { createTestDatabase, type TestDatabase } from './databases';

describe('SQLite transactions beside another connection', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
  });
  afterAll(async () => db?.drop());

  /** Another process writes a source through its own connection (waiting up to 10 s for the lock); resolves with when it committed. */
  function otherWriter(name: string): Promise<number> {
    const script = `const D = require('libsql'); const c = new D(process.argv[1], { timeout: 10000 });
      c.prepare('INSERT INTO "Source" ("id", "name", "kind", "description", "createdAt") VALUES (?, ?, ?, ?, ?)').run('other-' + Date.now(), process.argv[2], 'bank', '', new Date().toISOString());
      c.close(); process.stdout.write(String(Date.now()));`;
    const child = spawn(process.execPath, ['-e', script, sqliteFilePath(db.url), name], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(Number(out)) : reject(new Error(`the other writer exited with ${code}`))));
    });
  }

  it('a read-then-write transaction commits while another connection writes; the other waits for it', async () => {
    let other: Promise<number> | null = null;
    await db.prisma.$transaction(async (tx) => {
      expect(await tx.source.findMany({ select: { id: true } })).toEqual([]);
      other = otherWriter('Written meanwhile');
      // Long enough for the other process to start and commit, had it not had to wait.
      await new Promise((r) => setTimeout(r, 1500));
      await tx.source.create({ data: { name: 'Mine', kind: 'gateway' } });
    });
    const committed = Date.now();
    // The other process committed only once this transaction had (it waited for the write lock).
    expect(await other!).toBeGreaterThanOrEqual(committed - 50);
    expect((await db.prisma.source.findMany({ orderBy: { name: 'asc' }, select: { name: true } })).map((s) => s.name)).toEqual(['Mine', 'Written meanwhile']);
  });
});
