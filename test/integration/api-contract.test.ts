/**
 * The API's description and the retry safety of uploads.
 * - The OpenAPI document served at /api/v1/openapi.json is valid OpenAPI 3.1 (checked by an
 *   independent validator against the specification's own schema), lists every route of
 *   app/api/v1 with its method, and every operation it lists has a route.
 * - An upload retried with the same Idempotency-Key after its connection dropped ingests once:
 *   dropped mid-body (the server never finished), the retry does the work; dropped after the
 *   server answered, the retry gets the first answer again.
 */
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiToken } from '@/lib/features/users/api-tokens';
import { createSource } from '@/lib/features/ingestion/sources';
import { endpointOf } from '@/lib/server/pipeline/api';
import type { TestDatabase } from './databases';
import { APP, appFiles, databaseWithRoleUsers } from './access-helpers';

vi.mock('next/headers', () => ({ headers: async () => new Headers(), cookies: async () => ({ get: () => undefined }) }));
process.env.PAIDLINE_UPLOAD_DIR = path.join(mkdtempSync(path.join(os.tmpdir(), 'paidline-api-')), 'uploads');

const API = path.join(APP, 'api', 'v1');

async function routeTable(): Promise<Set<string>> {
  const out = new Set<string>();
  for (const file of appFiles(API, (n) => n === 'route.ts')) {
    const mod = (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
    for (const [method, handler] of Object.entries(mod)) {
      if (!/^(GET|POST|PUT|PATCH|DELETE)$/.test(method) || !endpointOf(handler)) continue;
      const folder = path.relative(API, path.dirname(file)).split(path.sep).join('/').replace(/\[(\w+)\]/g, '{$1}');
      out.add(`${method.toLowerCase()} /${folder}`);
    }
  }
  return out;
}

let db: TestDatabase;
beforeAll(async () => {
  db = await databaseWithRoleUsers();
});
afterAll(async () => db?.drop());

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 and lists exactly the routes of /api/v1', async () => {
    const { GET } = await import('@/app/api/v1/openapi.json/route');
    const response = await GET(new Request('http://localhost/api/v1/openapi.json'));
    expect(response.status).toBe(200);
    const doc = (await response.json()) as { openapi: string; paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>> };
    expect(doc.openapi).toBe('3.1.0');

    const result = await new Validator().validate(doc as unknown as Record<string, unknown>);
    expect(result.errors ?? [], JSON.stringify(result.errors ?? []).slice(0, 2000)).toEqual([]);
    expect(result.valid).toBe(true);

    const documented = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)));
    const routes = await routeTable();
    expect(routes.size).toBeGreaterThanOrEqual(30);
    expect([...routes].filter((r) => !documented.has(r)), 'routes missing from the document').toEqual([]);
    expect([...documented].filter((d) => !routes.has(d)), 'documented operations without a route').toEqual([]);
    // Operation ids are unique, and every operation says its success and its problems.
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    for (const ops of Object.values(doc.paths)) for (const o of Object.values(ops)) expect(Object.keys(o.responses)).toEqual(expect.arrayContaining(['400', '401', '403', '429']));
  });

  it('describes a request body and its fields from the same zod schema the route checks', async () => {
    const { buildOpenApi, ENDPOINTS } = await import('@/lib/api');
    const doc = buildOpenApi(ENDPOINTS) as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[] } }> } }>> };
    const create = doc.paths['/sources']!.post!.requestBody!.content['application/json']!.schema;
    expect(create.required).toEqual(expect.arrayContaining(['name', 'kind']));
    expect(create.properties!.kind).toMatchObject({ enum: ['gateway', 'bank', 'crm', 'erp', 'ads', 'other'] });
  });
});

describe('an upload retried with the same Idempotency-Key', () => {
  const csv = 'Transaction ID,Status,Amount,Currency,Date\nIDEM-1,Paid,10.00,USD,2026-10-01\nIDEM-2,Failed,5.50,USD,2026-10-02\n';
  let sourceId = '';
  let secret = '';
  beforeAll(async () => {
    sourceId = (await createSource({ name: 'Retry gateway', kind: 'gateway' }, { actor: null, db: db.prisma })).id;
    secret = (await createApiToken({ id: 'user-analyst', email: 'analyst@example.com' }, { name: 'nightly upload' }, {}, db.prisma)).secret;
  });

  async function upload(body: ReadableStream<Uint8Array>, key: string) {
    const { POST } = await import('@/app/api/v1/sources/[id]/uploads/route');
    const request = new Request(`http://localhost/api/v1/sources/${sourceId}/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'idempotency-key': key, 'x-file-name': 'statement.csv', 'content-type': 'text/csv' },
      body,
      duplex: 'half',
    } as RequestInit);
    return POST(request, { params: Promise.resolve({ id: sourceId }) });
  }
  const whole = () => new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(new TextEncoder().encode(csv)), c.close()) });
  /** The connection drops after half the file: the body errors. */
  const dropped = () =>
    new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(csv.slice(0, 40)));
        c.error(new Error('socket hang up'));
      },
    });
  const staged = () => db.prisma.ingestion.count({ where: { sourceId, status: { not: 'aborted' } } });

  it('does the work once when the first attempt dropped mid-body', async () => {
    const first = await upload(dropped(), 'nightly-2026-10-02');
    expect(first.status).toBeGreaterThanOrEqual(400);
    expect(await staged()).toBe(0);
    expect(await db.prisma.idempotencyRecord.count({ where: { key: 'nightly-2026-10-02' } })).toBe(0);

    const retry = await upload(whole(), 'nightly-2026-10-02');
    expect(retry.status).toBe(201);
    const body = (await retry.json()) as { staged: { ingestionId: string; size: number } };
    expect(body.staged.size).toBe(Buffer.byteLength(csv));
    expect(await staged()).toBe(1);
  });

  it('answers a retry after a lost answer with the first answer, and ingests nothing more', async () => {
    const first = await upload(whole(), 'nightly-2026-10-03');
    // The file is the same as the previous test's: it is recognised as a duplicate of nothing committed yet, so it stages.
    expect([200, 201]).toContain(first.status);
    const firstBody = await first.text();
    const before = await db.prisma.ingestion.count({ where: { sourceId } });

    // The client never saw that answer (the connection dropped) and retries with the same key.
    const retry = await upload(whole(), 'nightly-2026-10-03');
    expect(retry.status).toBe(first.status);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.text()).toBe(firstBody);
    expect(await db.prisma.ingestion.count({ where: { sourceId } })).toBe(before);
    // The replay is an answer of its own: it carries its own request id, not the first one's.
    expect(retry.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(retry.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
  });

  it('refuses the same key for another request', async () => {
    const { POST } = await import('@/app/api/v1/sources/route');
    const response = await POST(
      new Request('http://localhost/api/v1/sources', {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'idempotency-key': 'nightly-2026-10-03', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Another', kind: 'bank' }),
      }),
    );
    // An analyst may create sources (sources:manage): the refusal is the key's.
    expect(response.status).toBe(422);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/Idempotency-Key was used for POST \/api\/v1\/sources\/.+\/uploads/);
  });
});
