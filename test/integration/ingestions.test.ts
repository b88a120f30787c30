import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSource } from '@/lib/features/ingestion/sources';
import { decideIngestion, startIngestion } from '@/lib/features/ingestion/process-ingestion';
import { previewIngestion } from '@/lib/features/ingestion/preview-ingestion';
import { stageUpload } from '@/lib/features/ingestion/stage-upload';
import { getIngestion, ingestionErrorsCsv } from '@/lib/features/ingestion/ingestion-queries';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

const seed = (name: string) => path.resolve('test/fixtures/seed-003', name);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'paidline-ingest-'));
process.env.PAIDLINE_UPLOAD_DIR = path.join(tmp, 'uploads');

function bodyOf(text: string | Buffer): ReadableStream<Uint8Array> {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : new Uint8Array(text);
  return new ReadableStream({
    start(controller) {
      // Several chunks, as a browser upload arrives.
      for (let i = 0; i < bytes.length; i += 64) controller.enqueue(bytes.slice(i, i + 64));
      controller.close();
    },
  });
}

const actor = null;

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.each(DATABASE_KINDS)('ingestion on %s', (kind) => {
  let db: TestDatabase;
  let gatewayId: string;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    gatewayId = (await createSource({ name: 'dataset-a', kind: 'gateway' }, { actor, db: db.prisma })).id;
  });
  afterAll(async () => db?.drop());

  async function stageAndPreview(file: string | Buffer, name: string) {
    const staged = await stageUpload({ sourceId: gatewayId, fileName: name, body: bodyOf(file), actor, db: db.prisma });
    const preview = staged.duplicateOf ? null : await previewIngestion(staged.ingestionId, { db: db.prisma });
    return { staged, preview };
  }

  it('ingests the seed gateway file whole, with provenance and a first profile version', async () => {
    const text = readFileSync(seed('dataset-a.csv'), 'utf8');
    const { staged, preview } = await stageAndPreview(text, '../../etc/dataset-a.csv');
    expect(preview!.header).toEqual(['TransactionID', 'Date', 'Amount', 'Status']);
    expect(preview!.suggestion.profile.columns).toMatchObject({ id: 'TransactionID', status: 'Status', amount: 'Amount', date: 'Date' });
    const started = await startIngestion(staged.ingestionId, { profile: { ...preview!.suggestion.profile, currency: 'USD' }, onInvalid: 'ask', actor, db: db.prisma, wait: true });
    expect(started).toMatchObject({ status: 'processing', version: 1 });

    const ingestion = await getIngestion(staged.ingestionId, db.prisma);
    expect(ingestion).toMatchObject({ status: 'committed', rowsTotal: 20, rowsValid: 20, rowsInvalid: 0, version: 1, fileName: 'dataset-a.csv' });
    const records = await db.prisma.sourceRecord.findMany({ where: { ingestionId: staged.ingestionId }, orderBy: { line: 'asc' } });
    expect(records).toHaveLength(20);
    const first = records[0]!;
    expect(first).toMatchObject({ key: 'TX1000', txId: 'TX1000', line: 2, amountMinor: 38800n, currency: 'USD', status: 'Paid', code: 'Completed', date: '2024-07-01', fileSha256: staged.sha256 });
    // Written by the raw bulk insert: must read back through Prisma exactly like its own writes.
    expect(first.occurredAt).toEqual(new Date('2024-07-01T00:00:00.000Z'));
    expect(first.eventId).toBeNull();
    expect(JSON.parse(first.raw!)).toEqual({ TransactionID: 'TX1000', Date: '2024-07-01', Amount: '388', Status: 'Completed' });
    expect(await db.prisma.auditLog.count({ where: { action: 'ingestion.commit', entityId: staged.ingestionId } })).toBe(1);
  });

  it('recognises the same file by its SHA-256 and does not count it twice', async () => {
    const before = await db.prisma.sourceRecord.count();
    const { staged } = await stageAndPreview(readFileSync(seed('dataset-a.csv')), 'copy-of-a.csv');
    expect(staged.duplicateOf).toMatchObject({ rowsValid: 20 });
    expect(await db.prisma.sourceRecord.count()).toBe(before);
    expect((await getIngestion(staged.ingestionId, db.prisma))!.status).toBe('duplicate');
  });

  it('blocks a file whose required column is missing, naming it, and writes nothing', async () => {
    const before = await db.prisma.sourceRecord.count();
    const text = readFileSync(seed('dataset-a.csv'), 'utf8').replace('TransactionID,Date,Amount,Status', 'TransactionID,Date,Value,Status').replace('TX1000', 'TX9000');
    const { staged, preview } = await stageAndPreview(text, 'renamed.csv');
    expect(preview!.drift.some((d) => d.severity === 'blocking' && d.message.includes('Amount'))).toBe(true);
    const current = preview!.current!.profile;
    const result = await startIngestion(staged.ingestionId, { profile: current, onInvalid: 'ask', actor, db: db.prisma, wait: true });
    expect(result.status).toBe('blocked');
    expect(result.status === 'blocked' && result.message).toContain('Amount');
    expect((await getIngestion(staged.ingestionId, db.prisma))!.status).toBe('blocked');
    expect(await db.prisma.sourceRecord.count()).toBe(before);
    expect(await db.prisma.driftEvent.count({ where: { ingestionId: staged.ingestionId, severity: 'blocking' } })).toBeGreaterThan(0);
  });

  it('holds a file with invalid rows for a decision, lists them, and ingests only the valid rows when told', async () => {
    const text = 'TransactionID,Date,Amount,Status\nTX3000,2024-08-01,10.50,Completed\nTX3001,2024-08-02,12x,Completed\nTX3002,2024-13-45,5,Pending\nTX3003,2024-08-04,7,Pending\n';
    const { staged, preview } = await stageAndPreview(text, 'with-bad-rows.csv');
    await startIngestion(staged.ingestionId, { profile: preview!.current!.profile, onInvalid: 'ask', actor, db: db.prisma, wait: true });
    let ingestion = await getIngestion(staged.ingestionId, db.prisma);
    expect(ingestion).toMatchObject({ status: 'needs_decision', rowsValid: 2, rowsInvalid: 2 });
    const errors = await db.prisma.ingestionError.findMany({ where: { ingestionId: staged.ingestionId }, orderBy: { line: 'asc' } });
    expect(errors.map((e) => [e.line, e.column])).toEqual([[3, 'Amount'], [4, 'Date']]);
    let csv = '';
    for await (const chunk of ingestionErrorsCsv(staged.ingestionId, db.prisma)) csv += chunk;
    expect(csv.split('\n')[0]).toBe('line,column,reason,value');
    expect(csv).toContain('3,Amount,');

    await decideIngestion(staged.ingestionId, 'commit', actor, db.prisma);
    ingestion = await getIngestion(staged.ingestionId, db.prisma);
    expect(ingestion!.status).toBe('committed');
    expect(await db.prisma.sourceRecord.count({ where: { ingestionId: staged.ingestionId } })).toBe(2);
  });

  it('aborting leaves no rows behind', async () => {
    const text = 'TransactionID,Date,Amount,Status\nTX4000,2024-08-01,1,Completed\nTX4001,2024-08-02,oops,Completed\n';
    const { staged, preview } = await stageAndPreview(text, 'abort-me.csv');
    await startIngestion(staged.ingestionId, { profile: preview!.current!.profile, onInvalid: 'ask', actor, db: db.prisma, wait: true });
    await decideIngestion(staged.ingestionId, 'abort', actor, db.prisma);
    expect((await getIngestion(staged.ingestionId, db.prisma))!.status).toBe('aborted');
    expect(await db.prisma.sourceRecord.count({ where: { ingestionId: staged.ingestionId } })).toBe(0);
  });

  it('a file that breaks half-way is marked failed and leaves no rows behind', async () => {
    const good = Array.from({ length: 12000 }, (_, i) => `TX5${String(i).padStart(4, '0')},2024-08-01,1.00,Completed`).join('\n');
    const text = `TransactionID,Date,Amount,Status\n${good}\nTX6000,2024-08-01,"1.00,Completed\n`;
    const { staged, preview } = await stageAndPreview(text, 'broken.csv');
    // The background work fails on the unbalanced quote after the first batches were written.
    await startIngestion(staged.ingestionId, { profile: preview!.current!.profile, onInvalid: 'valid_only', actor, db: db.prisma, wait: true });
    const ingestion = await getIngestion(staged.ingestionId, db.prisma);
    expect(ingestion!.status).toBe('failed');
    expect(ingestion!.message).toMatch(/Ingestion failed: Line 12002/);
    expect(ingestion!.rowsValid).toBeGreaterThanOrEqual(5000); // whole batches had been written, then removed
    expect(await db.prisma.sourceRecord.count({ where: { ingestionId: staged.ingestionId } })).toBe(0);
  });

  it('a mapping change creates a new profile version, recorded on the ingestion', async () => {
    const text = 'TransactionID,Date,Amount,Status\nTX7000,2024-08-01,1,Settled\n';
    const { staged, preview } = await stageAndPreview(text, 'v2.csv');
    const profile = { ...preview!.current!.profile, statusMap: { Settled: 'Paid' as const } };
    const result = await startIngestion(staged.ingestionId, { profile, onInvalid: 'ask', actor, db: db.prisma, wait: true });
    expect(result).toMatchObject({ status: 'processing', version: 2 });
    const record = await db.prisma.sourceRecord.findFirstOrThrow({ where: { ingestionId: staged.ingestionId } });
    expect(record.status).toBe('Paid');
    expect((await getIngestion(staged.ingestionId, db.prisma))!.version).toBe(2);
  });

  it('refuses an upload over the size limit and leaves nothing staged', async () => {
    const before = await db.prisma.ingestion.count();
    await expect(stageUpload({ sourceId: gatewayId, fileName: 'big.csv', body: bodyOf('x'.repeat(5000)), actor, db: db.prisma, maxBytes: 1000 })).rejects.toMatchObject({ code: 'too_large', status: 413, details: { limitBytes: 1000 } });
    expect(await db.prisma.ingestion.count()).toBe(before);
  });
});

