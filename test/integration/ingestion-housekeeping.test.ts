/**
 * Uploads nobody finishes, on SQLite and PostgreSQL: Cancel before mapping removes the staged file
 * and marks the ingestion aborted (audited); uploads left waiting for a mapping or a decision expire
 * after PAIDLINE_STAGED_UPLOAD_HOURS, rows written for a decision included; fresh ones stay.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelIngestion, expireStaleIngestions } from '@/lib/features/ingestion/cancel-ingestion';
import { createSource } from '@/lib/features/ingestion/sources';
import { previewIngestion } from '@/lib/features/ingestion/preview-ingestion';
import { startIngestion } from '@/lib/features/ingestion/process-ingestion';
import { stageUpload } from '@/lib/features/ingestion/stage-upload';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { makeActor } from './review-fixtures';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'paidline-housekeeping-'));
process.env.PAIDLINE_UPLOAD_DIR = path.join(tmp, 'uploads');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const body = (text: string) => new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(new TextEncoder().encode(text)), c.close()) });
const GOOD = 'TransactionID,Date,Amount,Status\nTX1,2024-08-01,10.50,Completed\n';
const WITH_BAD = 'TransactionID,Date,Amount,Status\nTX2,2024-08-01,10.50,Completed\nTX3,2024-08-02,12x,Completed\n';

describe.each(DATABASE_KINDS)('uploads nobody finishes on %s', (kind) => {
  let db: TestDatabase;
  let sourceId: string;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    sourceId = (await createSource({ name: 'Gateway', kind: 'gateway' }, { actor: null, db: db.prisma })).id;
  });
  afterAll(async () => db?.drop());

  it('Cancel removes the staged file and aborts the ingestion, audited; an ingested one cannot be cancelled', async () => {
    const analyst = await makeActor(db.prisma, 'analyst');
    const staged = await stageUpload({ sourceId, fileName: 'a.csv', body: body(GOOD), actor: analyst, db: db.prisma });
    const file = (await db.prisma.ingestion.findUniqueOrThrow({ where: { id: staged.ingestionId } })).stagedPath!;
    expect(existsSync(file)).toBe(true);
    await cancelIngestion(staged.ingestionId, analyst, db.prisma);
    expect(await db.prisma.ingestion.findUniqueOrThrow({ where: { id: staged.ingestionId } })).toMatchObject({ status: 'aborted', stagedPath: null, message: 'Cancelled before it was mapped.' });
    expect(existsSync(file)).toBe(false);
    expect(await db.prisma.auditLog.count({ where: { action: 'ingestion.aborted', entityId: staged.ingestionId, actorId: analyst.id } })).toBe(1);
    await cancelIngestion(staged.ingestionId, analyst, db.prisma); // twice: nothing more happens

    const other = await stageUpload({ sourceId, fileName: 'b.csv', body: body(GOOD.replace('TX1', 'TX9')), actor: analyst, db: db.prisma });
    const preview = await previewIngestion(other.ingestionId, { db: db.prisma });
    await startIngestion(other.ingestionId, { profile: preview.suggestion.profile, onInvalid: 'ask', actor: analyst, db: db.prisma, wait: true });
    await expect(cancelIngestion(other.ingestionId, analyst, db.prisma)).rejects.toThrow(/can no longer be cancelled/);
  });

  it('uploads waiting for a mapping or a decision expire after the configured hours; newer ones stay', async () => {
    const old = await stageUpload({ sourceId, fileName: 'old.csv', body: body(GOOD.replace('TX1', 'TX5')), actor: null, db: db.prisma });
    const undecided = await stageUpload({ sourceId, fileName: 'undecided.csv', body: body(WITH_BAD), actor: null, db: db.prisma });
    const preview = await previewIngestion(undecided.ingestionId, { db: db.prisma });
    await startIngestion(undecided.ingestionId, { profile: preview.suggestion.profile, onInvalid: 'ask', actor: null, db: db.prisma, wait: true });
    expect((await db.prisma.ingestion.findUniqueOrThrow({ where: { id: undecided.ingestionId } })).status).toBe('needs_decision');
    expect(await db.prisma.sourceRecord.count({ where: { ingestionId: undecided.ingestionId } })).toBe(1);
    const fresh = await stageUpload({ sourceId, fileName: 'fresh.csv', body: body(GOOD.replace('TX1', 'TX6')), actor: null, db: db.prisma });
    const twoDaysAgo = new Date(Date.now() - 48 * 3_600_000);
    await db.prisma.ingestion.updateMany({ where: { id: { in: [old.ingestionId, undecided.ingestionId] } }, data: { createdAt: twoDaysAgo } });

    expect(await expireStaleIngestions(db.prisma, 24)).toBe(2);
    const state = async (id: string) => (await db.prisma.ingestion.findUniqueOrThrow({ where: { id } })).status;
    expect(await state(old.ingestionId)).toBe('aborted');
    expect(await state(undecided.ingestionId)).toBe('aborted');
    expect(await state(fresh.ingestionId)).toBe('staged');
    expect((await db.prisma.ingestion.findUniqueOrThrow({ where: { id: undecided.ingestionId } })).message).toMatch(/^Expired: nobody decided what to do with its invalid rows within 24 hours/);
    expect(await db.prisma.sourceRecord.count({ where: { ingestionId: undecided.ingestionId } })).toBe(0);
    expect(await expireStaleIngestions(db.prisma, 24)).toBe(0);
  });
});
