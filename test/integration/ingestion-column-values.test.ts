/**
 * The status codes of a whole staged file, on SQLite and PostgreSQL: a code that first appears after
 * the preview's 20 rows is listed with its row count (before: only the preview's codes could be
 * mapped, so an ERP's `erp_processing` on row 30 never could).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DISTINCT, stagedColumnValues } from '@/lib/features/ingestion/column-values';
import { createSource } from '@/lib/features/ingestion/sources';
import { previewIngestion } from '@/lib/features/ingestion/preview-ingestion';
import { stageUpload } from '@/lib/features/ingestion/stage-upload';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'paidline-values-'));
process.env.PAIDLINE_UPLOAD_DIR = path.join(tmp, 'uploads');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const body = (text: string) => new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(new TextEncoder().encode(text)), c.close()) });

describe.each(DATABASE_KINDS)('a staged file\'s column values on %s', (kind) => {
  let db: TestDatabase;
  let sourceId: string;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    sourceId = (await createSource({ name: 'ERP', kind: 'erp' }, { actor: null, db: db.prisma })).id;
  });
  afterAll(async () => db?.drop());

  it('lists every status code of the file with its rows, most frequent first', async () => {
    const lines = ['Invoice,Date,Amount,State'];
    for (let i = 1; i <= 40; i++) lines.push(`INV-${i},2025-01-${String((i % 28) + 1).padStart(2, '0')},${i}.00,${i === 30 ? 'erp_processing' : i % 3 === 0 ? 'erp_failed' : 'erp_paid'}`);
    const staged = await stageUpload({ sourceId, fileName: 'erp.csv', body: body(`${lines.join('\n')}\n`), actor: null, db: db.prisma });
    const preview = await previewIngestion(staged.ingestionId, { db: db.prisma });
    expect(preview.sampleRows.map((r) => r[3])).not.toContain('erp_processing');
    const values = await stagedColumnValues(staged.ingestionId, 'State', { db: db.prisma });
    expect(values).toEqual({ column: 'State', rows: 40, more: false, values: [{ value: 'erp_paid', rows: 27 }, { value: 'erp_failed', rows: 12 }, { value: 'erp_processing', rows: 1 }] });
    await expect(stagedColumnValues(staged.ingestionId, 'Nope', { db: db.prisma })).rejects.toThrow('The file has no column "Nope".');
    // An id column is no list of codes: bounded, the most frequent first, and says so.
    const ids = await stagedColumnValues(staged.ingestionId, 'Invoice', { db: db.prisma });
    expect(ids.values).toHaveLength(Math.min(40, MAX_DISTINCT));
  });
});
