/**
 * An upload's rows read in a process of their own (a large file, lib/features/ingestion/ingest-placement.ts)
 * end exactly as when read in the server's process: the same records, the same invalid rows with their
 * reasons, the same counts and status, on SQLite and PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSource } from '@/lib/features/ingestion/sources';
import { previewIngestion } from '@/lib/features/ingestion/preview-ingestion';
import { stageUpload } from '@/lib/features/ingestion/stage-upload';
import { startIngestion } from '@/lib/features/ingestion/process-ingestion';
import { ingestPlacement } from '@/lib/features/ingestion/ingest-placement';
import { closeBulkWriters } from '@/lib/server/db/record-insert';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'paidline-placement-'));
process.env.PAIDLINE_UPLOAD_DIR = path.join(tmp, 'uploads');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ROWS = 3_000;
const ODD_EMAIL = 'o\'brien, "the" \\ one@example.com';
function csv(): string {
  let text = 'TransactionID,Date,Amount,Status,Customer Email\n';
  for (let i = 1; i <= ROWS; i++) {
    // Every 500th row has an amount no parser accepts; one has quotes, commas and a backslash in a cell.
    const amount = i % 500 === 0 ? 'n/a' : `${i}.${String(i % 100).padStart(2, '0')}`;
    const email = i === 7 ? `"${ODD_EMAIL.replace(/"/g, '""')}"` : `c${i}@example.com`;
    text += `TX${i},2024-07-${String(1 + (i % 28)).padStart(2, '0')},${amount},${['succeeded', 'pending', 'failed'][i % 3]},${email}\n`;
  }
  return text;
}

describe.each(DATABASE_KINDS)('an upload read in a process of its own on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => {
    delete process.env.PAIDLINE_INGEST_PROCESS;
    await closeBulkWriters();
    await db?.drop();
  });

  async function ingest(name: string, placement: 'child' | 'inline') {
    process.env.PAIDLINE_INGEST_PROCESS = placement;
    const { id } = await createSource({ name, kind: 'gateway' }, { actor: null, db: db.prisma });
    const body = new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(new TextEncoder().encode(csv())), c.close()) });
    const staged = await stageUpload({ sourceId: id, fileName: `${name}.csv`, body, actor: null, db: db.prisma });
    const preview = await previewIngestion(staged.ingestionId, { db: db.prisma });
    const profile = { ...preview.suggestion.profile, currency: 'USD', attributes: { email: 'Customer Email' } };
    await startIngestion(staged.ingestionId, { profile, onInvalid: 'valid_only', actor: null, db: db.prisma, wait: true });
    const ingestion = await db.prisma.ingestion.findUniqueOrThrow({ where: { id: staged.ingestionId } });
    const records = await db.prisma.sourceRecord.findMany({ where: { ingestionId: ingestion.id }, orderBy: { line: 'asc' } });
    const errors = await db.prisma.ingestionError.findMany({ where: { ingestionId: ingestion.id }, orderBy: { line: 'asc' } });
    return {
      ingestion: { status: ingestion.status, rowsTotal: ingestion.rowsTotal, rowsValid: ingestion.rowsValid, rowsInvalid: ingestion.rowsInvalid },
      records: records.map(({ id: _id, sourceId: _s, ingestionId: _i, profileVersionId: _p, fileSha256: _f, ...r }) => r),
      errors: errors.map(({ id: _id, ingestionId: _i, ...e }) => e),
    };
  }

  it('stores the same records, invalid rows and counts as an upload read in the server', async () => {
    expect(ingestPlacement(10 * 1024 * 1024, 'auto')).toBe('child');
    expect(ingestPlacement(10 * 1024, 'auto')).toBe('inline');
    const child = await ingest('Child', 'child');
    const inline = await ingest('Inline', 'inline');
    expect(child.ingestion).toEqual({ status: 'committed', rowsTotal: ROWS, rowsValid: ROWS - 6, rowsInvalid: 6 });
    expect(child.records).toHaveLength(ROWS - 6);
    expect(JSON.parse(child.records.find((r) => r.key === 'TX7')!.attrs!)).toEqual({ email: ODD_EMAIL });
    expect(JSON.parse(child.records.find((r) => r.key === 'TX7')!.raw!)).toMatchObject({ 'Customer Email': ODD_EMAIL });
    expect(child.errors.map((e) => e.line)).toEqual([501, 1001, 1501, 2001, 2501, 3001]);
    expect(child).toEqual(inline);
  });

  it('names an unknown placement setting', () => {
    expect(() => ingestPlacement(1, 'sometimes')).toThrow(/PAIDLINE_INGEST_PROCESS="sometimes" is not one of auto, child, inline/);
  });
});
