/**
 * A large upload on SQLite sets the records' (sourceId, key) index aside while it writes and builds it
 * again before the ingestion commits (lib/features/ingestion/write-records.ts): the records are the
 * file's, the index is back as it was, nothing stays recorded as set aside; a small upload, and any
 * upload on PostgreSQL, writes through the index.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSource } from '@/lib/features/ingestion/sources';
import { previewIngestion } from '@/lib/features/ingestion/preview-ingestion';
import { stageUpload } from '@/lib/features/ingestion/stage-upload';
import { startIngestion } from '@/lib/features/ingestion/process-ingestion';
import { hasDeferredIndexes } from '@/lib/server/db/deferred-indexes';
import { closeBulkWriters } from '@/lib/server/db/record-insert';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { indexDefinitions } from './index-definitions';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'paidline-key-index-'));
process.env.PAIDLINE_UPLOAD_DIR = path.join(tmp, 'uploads');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const KEY_INDEX = 'SourceRecord_sourceId_key_idx';

/** `rows` payments in an order unrelated to their keys (as a bank export), ~37 bytes a row. */
function csv(rows: number): string {
  const lines = ['TransactionID,Date,Amount,Status'];
  for (let i = 0; i < rows; i++) {
    const n = (i * 7919) % rows;
    lines.push(`TX${String(n).padStart(7, '0')},2024-07-${String(1 + (n % 28)).padStart(2, '0')},${(n % 1000) + 1}.${String(n % 100).padStart(2, '0')},Completed`);
  }
  return lines.join('\n') + '\n';
}

describe.each(DATABASE_KINDS)('the record key index around a large upload on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    // In this process, so the test sees the index while the rows are written.
    process.env.PAIDLINE_INGEST_PROCESS = 'inline';
  });
  afterAll(async () => {
    delete process.env.PAIDLINE_INGEST_PROCESS;
    await closeBulkWriters();
    await db?.drop();
  });

  /** Uploads `rows` rows; returns whether the key index was ever missing while it ran, and the ingestion. */
  async function upload(name: string, rows: number) {
    const { id } = await createSource({ name, kind: 'bank' }, { actor: null, db: db.prisma });
    const text = csv(rows);
    const body = new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(new TextEncoder().encode(text)), c.close()) });
    const staged = await stageUpload({ sourceId: id, fileName: `${name}.csv`, body, actor: null, db: db.prisma });
    const preview = await previewIngestion(staged.ingestionId, { db: db.prisma });
    let missing = false;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        if (!(await indexDefinitions(db, 'SourceRecord')).some((i) => i.name === KEY_INDEX)) missing = true;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      await startIngestion(staged.ingestionId, { profile: { ...preview.suggestion.profile, currency: 'USD' }, onInvalid: 'ask', actor: null, db: db.prisma, wait: true });
    } finally {
      watching = false;
      await watch;
    }
    return { missing, text, sourceId: id, ingestion: await db.prisma.ingestion.findUniqueOrThrow({ where: { id: staged.ingestionId } }) };
  }

  it(kind === 'sqlite' ? 'writes a large file with the key index set aside and builds it again before the ingestion commits' : 'writes a large file through the key index', async () => {
    const before = await indexDefinitions(db, 'SourceRecord');
    expect(before.map((i) => i.name)).toContain(KEY_INDEX);
    const rows = 150_000;
    const big = await upload('Bank export', rows);
    expect(big.text.length).toBeGreaterThan(4 << 20);
    expect(big.missing).toBe(kind === 'sqlite');
    expect(big.ingestion).toMatchObject({ status: 'committed', rowsValid: rows, rowsInvalid: 0 });
    expect(await indexDefinitions(db, 'SourceRecord')).toEqual(before);
    expect(await hasDeferredIndexes(db.prisma)).toBe(false);
    // The records are the file's: every key once, the amounts to the cent.
    const stored = await db.prisma.sourceRecord.aggregate({ where: { sourceId: big.sourceId }, _count: { _all: true }, _sum: { amountMinor: true } });
    const want = big.text.trim().split('\n').slice(1).reduce((s, l) => s + BigInt(l.split(',')[2]!.replace('.', '')), 0n);
    expect(stored._count._all).toBe(rows);
    expect(stored._sum.amountMinor).toBe(want);
    expect(new Set((await db.prisma.sourceRecord.findMany({ where: { sourceId: big.sourceId }, select: { key: true } })).map((r) => r.key)).size).toBe(rows);
    // The key index answers again: a key's record is found by it.
    const one = await db.prisma.sourceRecord.findFirst({ where: { sourceId: big.sourceId, key: 'TX0012345' }, select: { line: true } });
    expect(one).not.toBeNull();

    // A small file writes through the index.
    const small = await upload('Small export', 2_000);
    expect(small.missing).toBe(false);
    expect(small.ingestion).toMatchObject({ status: 'committed', rowsValid: 2_000 });
    expect(await indexDefinitions(db, 'SourceRecord')).toEqual(before);
  }, 240_000);
});
