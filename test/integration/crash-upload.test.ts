import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSource } from '@/lib/features/ingestion/sources';
import { recoverUploads } from '@/lib/features/ingestion/recover-uploads';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { hasDeferredIndexes } from '@/lib/server/db/deferred-indexes';
import { migrateDatabase } from '@/lib/server/db/migrate';
import { indexDefinitions } from './index-definitions';
import { killHard, spawnTs, until, type Child } from './crash-helpers';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'paidline-crash-upload-'));
const uploads = path.join(tmp, 'uploads');
process.env.PAIDLINE_UPLOAD_DIR = uploads;
const staged = () => {
  try {
    return readdirSync(uploads).filter((n) => n.endsWith('.upload'));
  } catch {
    return [];
  }
};

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * A server killed with SIGKILL in the middle of an upload leaves nothing half-ingested: start-up
 * recovery removes the half-received file (no ingestion row was ever written for it), and rolls
 * back an ingestion killed while writing its records (records deleted, marked failed, file removed).
 */
describe.each(DATABASE_KINDS)('a server killed mid-upload on %s', (kind) => {
  let db: TestDatabase;
  let sourceId: string;
  const children: Child[] = [];
  const child = (mode: string) => {
    const c = spawnTs('test/integration/crash-upload-child.ts', { DATABASE_URL: db.url, PAIDLINE_UPLOAD_DIR: uploads, CRASH_SOURCE_ID: sourceId, CRASH_ROWS: '150000' }, [mode]);
    children.push(c);
    return c;
  };

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    sourceId = (await createSource({ name: `crash-${kind}`, kind: 'gateway' }, { actor: null, db: db.prisma })).id;
  });
  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null) await killHard(c);
    await db?.drop();
  });

  it('removes the half-received file of an upload cut off while streaming; no ingestion row exists', async () => {
    const c = child('stage');
    await until(async () => staged().some((n) => statSync(path.join(uploads, n)).size > 200_000), 120_000, 'the upload to be streaming', c);
    await killHard(c);
    expect(staged()).toHaveLength(1);
    expect(await db.prisma.ingestion.count({ where: { sourceId } })).toBe(0);
    // A fresh file is left alone (it could be another instance's upload in progress)...
    expect(await recoverUploads({ db: db.prisma, idleMs: 0 })).toEqual({ ingestions: 0, files: 0 });
    expect(staged()).toHaveLength(1);
    // ...and removed once nobody wrote it for the orphan age.
    expect(await recoverUploads({ db: db.prisma, idleMs: 0, orphanAgeMs: 0 })).toEqual({ ingestions: 0, files: 1 });
    expect(staged()).toHaveLength(0);
    expect(await db.prisma.sourceRecord.count({ where: { sourceId } })).toBe(0);
  }, 180_000);

  it('rolls back an ingestion killed while writing its records', async () => {
    const c = child('process');
    // Rows are being read and written (progress moves) in the ingestion's own process: the file is large.
    const ingestionId = await until(
      async () => {
        const ing = await db.prisma.ingestion.findFirst({ where: { sourceId, status: 'processing', rowsValid: { gt: 20_000 } } });
        // SQLite: once a first batch is committed, so the rollback has rows to delete.
        if (ing && kind === 'sqlite' && !(await db.prisma.sourceRecord.count({ where: { ingestionId: ing.id } }))) return undefined;
        return ing?.id;
      },
      180_000,
      'records to be written',
      c,
    );
    await killHard(c);
    const partial = await db.prisma.sourceRecord.count({ where: { ingestionId } });
    // PostgreSQL: one COPY for the ingestion, never committed. SQLite: whole batches, rolled back below.
    if (kind === 'postgres') expect(partial).toBe(0);
    else expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(150_000);
    expect(staged()).toHaveLength(1);
    // The ingestion's process died with the server: nothing goes on writing.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await db.prisma.sourceRecord.count({ where: { ingestionId } })).toBe(partial);
    expect((await db.prisma.ingestion.findUniqueOrThrow({ where: { id: ingestionId } })).rowsValid).toBeLessThan(150_000);
    // SQLite: a file this large set the record key index aside (write-records.ts). Once the upload
    // process is gone (above), either it built it again on its way out (its next commit refused) or it died first and the
    // index is recorded as set aside: never both, never neither.
    const keyIndex = async () => ({ present: (await indexDefinitions(db, 'SourceRecord')).some((i) => i.name === 'SourceRecord_sourceId_key_idx'), recorded: await hasDeferredIndexes(db.prisma) });
    const afterKill = await keyIndex();
    expect(afterKill.present).toBe(!afterKill.recorded);
    if (kind === 'postgres') expect(afterKill).toEqual({ present: true, recorded: false });

    // Start-up recovery: the ingestion stopped moving, so it is rolled back.
    expect(await recoverUploads({ db: db.prisma, idleMs: 1500 })).toEqual({ ingestions: 1, files: 0 });
    const ing = await db.prisma.ingestion.findUniqueOrThrow({ where: { id: ingestionId } });
    expect(ing).toMatchObject({ status: 'failed', stagedPath: null });
    expect(ing.message).toMatch(/Interrupted by a server restart; nothing was ingested\. Upload the file again\./);
    expect(await db.prisma.sourceRecord.count({ where: { sourceId } })).toBe(0);
    expect(staged()).toHaveLength(0);
    expect(await db.prisma.auditLog.count({ where: { action: 'ingestion.failed', entityId: ingestionId } })).toBe(1);
    // The server's start migrates first, which builds it again if it is still set aside.
    expect((await migrateDatabase(db.url)).restoredIndexes).toEqual(afterKill.recorded ? ['SourceRecord_sourceId_key_idx'] : []);
    expect(await keyIndex()).toEqual({ present: true, recorded: false });
  }, 240_000);
});
