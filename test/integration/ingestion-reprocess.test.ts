/**
 * Editing a profile and reading an ingested upload again with it, on SQLite and PostgreSQL: a status
 * code mapped after the upload changes the records (replaced in one transaction, audited), the ledger
 * reconciles the change; a profile that does not fit the upload's rows changes nothing and says why.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSource, ensureProfileVersion, currentProfileVersion } from '@/lib/features/ingestion/sources';
import { startIngestion } from '@/lib/features/ingestion/process-ingestion';
import { stageUpload } from '@/lib/features/ingestion/stage-upload';
import { reprocessIngestion } from '@/lib/features/ingestion/reprocess-ingestion';
import { committedPreview, stagedColumnValues } from '@/lib/features/ingestion/column-values';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { makeActor } from './review-fixtures';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'paidline-reprocess-'));
process.env.PAIDLINE_UPLOAD_DIR = path.join(tmp, 'uploads');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const body = (text: string) => new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(new TextEncoder().encode(text)), c.close()) });

describe.each(DATABASE_KINDS)('reading an upload again with an edited profile on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => db?.drop());

  it('maps a code that was Unknown, replaces the records in one go, and refuses a profile that does not fit', async () => {
    const analyst = await makeActor(db.prisma, 'analyst');
    const { id: sourceId } = await createSource({ name: 'ERP', kind: 'erp' }, { actor: analyst, db: db.prisma });
    const text = 'Invoice,Date,Amount,State,Order\nINV-1,2025-01-02,10.00,erp_paid,A-1\nINV-2,2025-01-03,20.00,erp_processing,A-2\nINV-3,2025-01-04,30.00,erp_paid,\n';
    const staged = await stageUpload({ sourceId, fileName: 'erp.csv', body: body(text), actor: analyst, db: db.prisma });
    const profile = { dataset: 'payments' as const, columns: { id: 'Invoice', date: 'Date', amount: 'Amount', status: 'State' }, currency: 'USD', statusMap: { erp_paid: 'Paid' as const } };
    await startIngestion(staged.ingestionId, { profile, onInvalid: 'ask', actor: analyst, db: db.prisma, wait: true });
    const statuses = async () => (await db.prisma.sourceRecord.findMany({ where: { ingestionId: staged.ingestionId }, orderBy: { line: 'asc' }, select: { key: true, status: true, attrs: true } }));
    expect((await statuses()).map((r) => r.status)).toEqual(['Paid', 'Unknown', 'Paid']);

    // The editor starts from the upload's own rows, and lists the codes of the whole upload.
    const draft = await committedPreview(sourceId, db.prisma);
    expect(draft).toMatchObject({ ingestionId: staged.ingestionId, header: ['Invoice', 'Date', 'Amount', 'State', 'Order'], readWithVersion: 1 });
    expect(draft!.sampleRows[1]).toEqual(['INV-2', '2025-01-03', '20.00', 'erp_processing', 'A-2']);
    expect((await stagedColumnValues(staged.ingestionId, 'State', { db: db.prisma })).values).toEqual([{ value: 'erp_paid', rows: 2 }, { value: 'erp_processing', rows: 1 }]);

    // Reading again with the same version is refused: nothing to do.
    await expect(reprocessIngestion(staged.ingestionId, analyst, db.prisma)).rejects.toThrow('the newest: edit the profile first');

    // v2 maps the code and keeps the order number.
    await ensureProfileVersion(sourceId, { ...profile, statusMap: { erp_paid: 'Paid', erp_processing: 'Pending' }, attributes: { 'Order Number': 'Order' } }, { actor: analyst, db: db.prisma });
    const before = await db.prisma.sourceRecord.findMany({ where: { ingestionId: staged.ingestionId }, select: { id: true } });
    const result = await reprocessIngestion(staged.ingestionId, analyst, db.prisma);
    expect(result).toEqual({ records: 3, version: 2, previousVersion: 1 });
    const after = await statuses();
    expect(after.map((r) => [r.key, r.status, r.attrs ? JSON.parse(r.attrs)['Order Number'] : undefined])).toEqual([['INV-1', 'Paid', 'A-1'], ['INV-2', 'Pending', 'A-2'], ['INV-3', 'Paid', undefined]]);
    expect(await db.prisma.sourceRecord.count({ where: { id: { in: before.map((r) => r.id) } } })).toBe(0);
    const ingestion = await db.prisma.ingestion.findUniqueOrThrow({ where: { id: staged.ingestionId }, include: { profileVersion: { select: { version: true } } } });
    expect([ingestion.profileVersion?.version, ingestion.rowsValid, ingestion.status]).toEqual([2, 3, 'committed']);
    const audit = await db.prisma.auditLog.findFirstOrThrow({ where: { action: 'ingestion.reprocess', entityId: staged.ingestionId } });
    expect([JSON.parse(audit.before!), JSON.parse(audit.after!)]).toEqual([{ profileVersion: 1, records: 3 }, { profileVersion: 2, records: 3, keys: 3 }]);

    // v3 reads the amount from the text column: every row fails, nothing changes.
    await ensureProfileVersion(sourceId, { ...profile, columns: { ...profile.columns, amount: 'Order' } }, { actor: analyst, db: db.prisma });
    expect((await currentProfileVersion(sourceId, db.prisma))!.version).toBe(3);
    await expect(reprocessIngestion(staged.ingestionId, analyst, db.prisma)).rejects.toThrow(/3 of 3 rows do not fit profile v3 \(line 2, Order: .*\)\. Nothing was changed/);
    expect((await statuses()).map((r) => r.status)).toEqual(['Paid', 'Pending', 'Paid']);
    // An executive may not.
    await expect(reprocessIngestion(staged.ingestionId, await makeActor(db.prisma, 'executive'), db.prisma)).rejects.toThrow();
  });
});
