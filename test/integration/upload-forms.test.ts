/**
 * The streaming upload route (POST /api/sources/[id]/uploads) fed what API users actually send,
 * on SQLite and PostgreSQL: a multipart form (`curl -F file=@payments.csv`) whose one file part is
 * streamed out and staged like a raw body, hostile forms refused with a 400 saying how to send the
 * file (nothing staged, no file left behind), and a workbook whose local headers carry ZIP64
 * extra fields ingested like any other. Every response carries HSTS when the request came over
 * HTTPS (the proxy, which sets it elsewhere, does not run for this route).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ROLES } from '@/lib/domain/roles';
import { createSource } from '@/lib/features/ingestion/sources';
import { startIngestion } from '@/lib/features/ingestion/process-ingestion';
import { closeBulkWriters } from '@/lib/server/db/record-insert';
import { csv, withZip64LocalHeaders, xlsxOf } from '../hostile/fixtures';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

const session = vi.hoisted(() => ({ role: 'analyst' as string | null }));
vi.mock('@/lib/auth/auth', () => ({
  auth: async () =>
    session.role ? { user: { id: `user-${session.role}`, email: `${session.role}@example.com`, name: session.role, role: session.role, sessionVersion: 0, sessionId: 'test-session' } } : null,
  signIn: async () => undefined,
  signOut: async () => undefined,
  handlers: {},
}));
vi.mock('next/headers', () => ({ headers: async () => new Headers(), cookies: async () => ({ get: () => undefined }) }));
vi.mock('next/cache', () => ({ revalidatePath: () => undefined, revalidateTag: () => undefined }));

const { POST } = await import('@/app/api/sources/[id]/uploads/route');

const tmp = mkdtempSync(path.join(os.tmpdir(), 'paidline-forms-'));
const UPLOADS = path.join(tmp, 'uploads');
process.env.PAIDLINE_UPLOAD_DIR = UPLOADS;
process.env.PAIDLINE_RATE_LIMIT_SCALE = '1000';
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const uploadFiles = () => {
  try {
    return readdirSync(UPLOADS);
  } catch {
    return [];
  }
};

const BOUNDARY = '----paidline-test-7MA4YWxkTrZu0gW';
type Part = { name: string; filename?: string; type?: string; data: string | Buffer };
/** A multipart/form-data body as curl -F builds it. */
function form(parts: Part[], opts: { close?: boolean } = {}): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`;
    chunks.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`));
    chunks.push(Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data));
    chunks.push(Buffer.from('\r\n'));
  }
  if (opts.close !== false) chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

/** The body in small chunks, so the file part crosses chunk boundaries (as over a network). */
function trickle(bytes: Buffer, size = 7): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(new Uint8Array(bytes.subarray(at, at + size)));
      at += size;
    },
  });
}

async function post(sourceId: string, body: Buffer | ReadableStream<Uint8Array>, headers: Record<string, string>, url = `http://localhost/api/sources/${sourceId}/uploads`) {
  const request = new Request(url, {
    method: 'POST',
    body: Buffer.isBuffer(body) ? new Uint8Array(body) : body,
    headers: { origin: new URL(url).origin, ...headers },
    duplex: 'half',
  } as RequestInit);
  const response = await POST(request, { params: Promise.resolve({ id: sourceId }) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { error?: string; staged?: { ingestionId: string; size: number; sha256: string }; preview?: { header: string[] } } };
}
const multipart = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };

describe.each(DATABASE_KINDS)('upload forms on %s', (kind) => {
  let db: TestDatabase;
  let sourceId: string;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    process.env.DATABASE_URL = db.url;
    for (const role of ROLES) await db.prisma.user.create({ data: { id: `user-${role}`, email: `${role}@example.com`, name: role, role, passwordHash: 'x', mfaEnabled: true } });
    sourceId = (await createSource({ name: 'Form gateway', kind: 'gateway' }, { actor: null, db: db.prisma })).id;
  });
  afterAll(async () => {
    await closeBulkWriters();
    await db?.drop();
  });

  async function expectNothingStaged(before: number) {
    expect(await db.prisma.ingestion.count()).toBe(before);
    expect(uploadFiles()).toEqual([]);
  }

  it('curl -F file=@payments.csv: the file part is streamed out, named by its filename, byte for byte', async () => {
    const file = csv('TX1,2024-01-01,1.00,Paid', 'TX2,2024-01-02,"2,50",Paid');
    const body = form([{ name: 'note', data: 'ignored text field' }, { name: 'file', filename: 'payments.csv', type: 'text/csv', data: file }]);
    const r = await post(sourceId, trickle(body), multipart);
    expect(r.status).toBe(201);
    expect(r.body.preview!.header).toEqual(['TransactionID', 'Date', 'Amount', 'Status']);
    const row = await db.prisma.ingestion.findUniqueOrThrow({ where: { id: r.body.staged!.ingestionId } });
    expect(row.fileName).toBe('payments.csv');
    expect(Number(row.fileSize)).toBe(Buffer.byteLength(file)); // no multipart framing in the stored file
    // The same file sent raw has the same hash: the form adds nothing to what is stored.
    const raw = await post(sourceId, Buffer.from(file), { 'content-type': 'text/csv', 'x-file-name': 'raw.csv' });
    expect(raw.body.staged!.sha256).toBe(r.body.staged!.sha256);
    await db.prisma.ingestion.deleteMany({ where: { sourceId } });
    rmSync(UPLOADS, { recursive: true, force: true });
  });

  const refused: [string, () => Buffer, RegExp][] = [
    ['a form without a file part', () => form([{ name: 'file', data: 'just text' }]), /^The form has no file in it\. Send one file per request/],
    ['two file parts', () => form([{ name: 'a', filename: 'a.csv', data: csv('TX1,2024-01-01,1.00,Paid') }, { name: 'b', filename: 'b.csv', data: csv('TX2,2024-01-01,1.00,Paid') }]), /^The form carries more than one file\./],
    ['a form cut off before its closing boundary', () => form([{ name: 'file', filename: 'cut.csv', data: csv('TX1,2024-01-01,1.00,Paid') }], { close: false }), /^The multipart form cannot be read \(Unexpected end of form\)\./],
    ['bytes that are not multipart at all', () => Buffer.from('TransactionID,Amount\nTX1,"1.00\n'), /^The (multipart form cannot be read|form has no file in it)/],
  ];
  it.each(refused)('%s: 400 saying how to send the file, nothing staged', async (_label, make, message) => {
    const before = await db.prisma.ingestion.count();
    const r = await post(sourceId, make(), multipart);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(message);
    expect(r.body.error).toContain('curl -F file=@payments.csv');
    expect(r.body.error).not.toMatch(/quote/);
    await expectNothingStaged(before);
  });

  it('multipart without a boundary: 400, nothing staged', async () => {
    const before = await db.prisma.ingestion.count();
    const r = await post(sourceId, form([{ name: 'file', filename: 'x.csv', data: 'a,b\n1,2\n' }]), { 'content-type': 'multipart/form-data' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/^The multipart form cannot be read \(.*\)\. Send one file per request/);
    await expectNothingStaged(before);
  });

  it('a file part over PAIDLINE_MAX_UPLOAD_BYTES: 413 with the limit, the partial file removed', async () => {
    vi.stubEnv('PAIDLINE_MAX_UPLOAD_BYTES', '4096');
    try {
      const before = await db.prisma.ingestion.count();
      const big = csv(...Array.from({ length: 400 }, (_, i) => `TX${i},2024-01-01,1.00,Paid`));
      const r = await post(sourceId, trickle(form([{ name: 'file', filename: 'big.csv', data: big }]), 1024), multipart);
      expect(r.status).toBe(413);
      expect(r.body).toMatchObject({ error: expect.stringMatching(/^The file is larger than the 4 KB upload limit/), limitBytes: 4096 });
      await expectNothingStaged(before);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('a workbook whose local headers carry ZIP64 extras is staged, previewed and ingested', async () => {
    const other = (await createSource({ name: 'ZIP64 gateway', kind: 'gateway' }, { actor: null, db: db.prisma })).id;
    const book = withZip64LocalHeaders(await xlsxOf([['TransactionID', 'Date', 'Amount', 'Status'], ['TX64', '2024-01-01', '12.50', 'Completed']]));
    const r = await post(other, trickle(form([{ name: 'file', filename: 'zip64.xlsx', data: book }]), 4096), multipart);
    expect(r.status).toBe(201);
    expect(r.body.preview!.header).toEqual(['TransactionID', 'Date', 'Amount', 'Status']);
    const profile = { dataset: 'payments' as const, columns: { id: 'TransactionID', date: 'Date', amount: 'Amount', status: 'Status' }, currency: 'EUR' };
    await startIngestion(r.body.staged!.ingestionId, { profile, onInvalid: 'abort', actor: null, db: db.prisma, wait: true });
    const records = await db.prisma.sourceRecord.findMany({ where: { sourceId: other } });
    expect(records.map((x) => [x.txId, x.amountMinor, x.code])).toEqual([['TX64', 1250n, 'Completed']]);
    expect(uploadFiles()).toEqual([]);
  });

  it('answers with HSTS over HTTPS (directly or behind a TLS proxy), errors included, and not over plain HTTP', async () => {
    const hsts = 'max-age=63072000; includeSubDomains';
    const viaProxy = await post(sourceId, form([{ name: 'file', data: 'no file' }]), { ...multipart, 'x-forwarded-proto': 'https' });
    expect(viaProxy.status).toBe(400);
    expect(viaProxy.headers.get('strict-transport-security')).toBe(hsts);
    const direct = await post('missing', Buffer.from('x'), {}, 'https://paidline.example.com/api/sources/missing/uploads');
    expect(direct.status).toBe(404);
    expect(direct.headers.get('strict-transport-security')).toBe(hsts);
    const plain = await post('missing', Buffer.from('x'), {});
    expect(plain.status).toBe(404);
    expect(plain.headers.get('strict-transport-security')).toBeNull();
  });
});
