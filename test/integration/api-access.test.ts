/**
 * The public API's access matrix: every /api/v1 route, discovered from app/api/v1 and read through
 * the endpoint it was made for, called for every role with a token that may write and a read-only
 * one, and with a revoked, an expired and no token. The decision must be what the permission
 * matrix says; an allowed call must succeed (2xx) with a real request against the demo company's
 * data, and its JSON answer must fit the endpoint's documented schema. A route without a sample
 * request here fails, so a new endpoint cannot skip the matrix.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { can } from '@/lib/domain/permissions';
import { ROLES, type Role } from '@/lib/domain/roles';
import { ROMI_DEMO_RECONCILIATION, seedRomiDemo } from '@/lib/demo/seed-data';
import { createApiToken, revokeApiToken } from '@/lib/features/users/api-tokens';
import { stageUpload } from '@/lib/features/ingestion/stage-upload';
import { resolveDiscrepancy } from '@/lib/features/review/resolve';
import { endpointOf, type ApiEndpoint } from '@/lib/server/pipeline/api';
import { resetRateLimits } from '@/lib/server/rate-limit';
import type { TestDatabase } from './databases';
import { APP, appFiles, databaseWithRoleUsers } from './access-helpers';

vi.mock('next/headers', () => ({ headers: async () => new Headers(), cookies: async () => ({ get: () => undefined }) }));

type Route = { file: string; method: string; endpoint: ApiEndpoint; handler: (req: Request, ctx: unknown) => Promise<Response> };
const API = path.join(APP, 'api', 'v1');
const ROUTES: Route[] = (
  await Promise.all(
    appFiles(API, (n) => n === 'route.ts').map(async (file) => {
      const mod = (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
      return Object.entries(mod)
        .filter(([name]) => /^(GET|POST|PUT|PATCH|DELETE)$/.test(name))
        .flatMap(([method, handler]) => {
          const endpoint = endpointOf(handler);
          return endpoint ? [{ file, method, endpoint, handler: handler as Route['handler'] }] : [];
        });
    }),
  )
).flat();

type Sample = { params?: Record<string, string>; query?: Record<string, string>; body?: unknown; raw?: string; headers?: Record<string, string> };
type Fixture = { db: TestDatabase; sourceId: string; reconciliationId: string; ingestionId: string; reviewerEmail: string; seq: () => number };

const csv = (n: number) => `Transaction ID,Status,Amount,Currency,Date\nAPI-${n}-1,Paid,10.00,USD,2026-10-01\nAPI-${n}-2,Failed,5.50,USD,2026-10-02\n`;
const body = (text: string) => new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(new TextEncoder().encode(text)), c.close()) });

async function stagedUpload(fx: Fixture): Promise<string> {
  const staged = await stageUpload({ sourceId: fx.sourceId, fileName: 'api.csv', body: body(csv(fx.seq())), actor: null, db: fx.db.prisma });
  return staged.ingestionId;
}

async function openEntry(fx: Fixture) {
  const rec = await fx.db.prisma.reconciliation.findUniqueOrThrow({ where: { id: fx.reconciliationId } });
  return fx.db.prisma.runResult.findFirstOrThrow({ where: { runId: rec.ledgerRunId, state: 'open', cls: { not: 'duplicate' } }, orderBy: { id: 'desc' } });
}

/**
 * A request each endpoint succeeds with (fresh objects for the ones that change state). `allowed`:
 * whether the call will get through (a refused call needs no fresh object, and must not use one up).
 */
const SAMPLES: Record<string, (fx: Fixture, allowed: boolean) => Promise<Sample>> = {
  listSources: async () => ({}),
  createSource: async (fx) => ({ body: { name: `API source ${fx.seq()}`, kind: 'gateway', preset: 'stripe-payments' } }),
  getSource: async (fx) => ({ params: { id: fx.sourceId } }),
  updateSourceProfile: async (fx) => {
    const v = await fx.db.prisma.sourceProfileVersion.findFirstOrThrow({ where: { sourceId: fx.sourceId }, orderBy: { version: 'desc' } });
    return { params: { id: fx.sourceId }, body: { profile: JSON.parse(v.profile) as unknown } };
  },
  archiveSource: async (fx) => {
    const s = await fx.db.prisma.source.create({ data: { name: `To archive ${fx.seq()}`, kind: 'other' } });
    return { params: { id: s.id } };
  },
  listPresets: async () => ({}),
  uploadFile: async (fx) => ({ params: { id: fx.sourceId }, raw: csv(fx.seq()), headers: { 'content-type': 'text/csv', 'x-file-name': 'api.csv' } }),
  listSourceIngestions: async (fx) => ({ params: { id: fx.sourceId }, query: { limit: '5' } }),
  getIngestion: async (fx) => ({ params: { id: fx.ingestionId } }),
  ingestionErrors: async (fx) => ({ params: { id: fx.ingestionId } }),
  startIngestion: async (fx) => ({ params: { id: await stagedUpload(fx) }, body: { use: 'current', onInvalid: 'valid_only' } }),
  decideIngestion: async (fx) => ({ params: { id: await stagedUpload(fx) }, body: { decision: 'abort' } }),
  reprocessIngestion: async (fx, allowed) => {
    if (allowed) {
      // A newer profile to read it with: the same mapping keeping one more field.
      const v = await fx.db.prisma.sourceProfileVersion.findFirstOrThrow({ where: { sourceId: fx.sourceId }, orderBy: { version: 'desc' } });
      const profile = JSON.parse(v.profile) as { columns: { id: string }; attributes?: Record<string, string> };
      const next = { ...profile, attributes: { ...profile.attributes, [`Copy ${fx.seq()}`]: profile.columns.id } };
      await fx.db.prisma.sourceProfileVersion.create({ data: { sourceId: fx.sourceId, version: v.version + 1, profile: JSON.stringify(next), note: 'test' } });
    }
    return { params: { id: fx.ingestionId } };
  },
  listReconciliations: async () => ({}),
  createReconciliation: async (fx) => {
    const sources = await fx.db.prisma.source.findMany({ where: { name: { in: ['Card gateway', 'Operating bank'] } }, select: { id: true } });
    return { body: { name: `API reconciliation ${fx.seq()}`, sourceIds: sources.map((s) => s.id), matching: { dateWindows: {}, attempts: [] } } };
  },
  getReconciliation: async (fx) => ({ params: { id: fx.reconciliationId } }),
  updateReconciliation: async (fx) => ({ params: { id: fx.reconciliationId }, body: { description: `Checked through the API ${fx.seq()}` } }),
  startPass: async (fx) => ({ params: { id: fx.reconciliationId } }),
  listPasses: async (fx) => ({ params: { id: fx.reconciliationId } }),
  getPass: async (fx) => {
    const pass = await fx.db.prisma.reconciliationPass.findFirstOrThrow({ where: { reconciliationId: fx.reconciliationId, scope: 'full' }, orderBy: { createdAt: 'asc' } });
    return { params: { id: fx.reconciliationId, passId: pass.id }, query: { limit: '3' } };
  },
  putRomiSettings: async (fx) => ({ params: { id: fx.reconciliationId }, body: { preview: true } }),
  listChannels: async () => ({}),
  mapChannels: async () => ({ body: { mappings: [{ value: 'Newsletter', channel: 'Email' }] } }),
  listEntries: async () => ({ query: { cls: 'all', limit: '3' } }),
  getEntry: async (fx) => ({ params: { id: String((await openEntry(fx)).id) } }),
  resolveEntry: async (fx) => {
    const e = await openEntry(fx);
    return { params: { id: String(e.id) }, body: { version: e.version, action: 'write_off', reason: 'Written off through the API test' } };
  },
  bulkResolveEntries: async (fx) => {
    const e = await openEntry(fx);
    return { body: { items: [{ id: e.id, version: e.version }], resolution: { action: 'write_off', reason: 'Bulk through the API test' } } };
  },
  undoEntry: async (fx, allowed) => {
    const e = await openEntry(fx);
    if (!allowed) return { params: { id: String(e.id) } };
    const reviewer = await fx.db.prisma.user.findUniqueOrThrow({ where: { id: 'user-reviewer' } });
    await resolveDiscrepancy(e.id, e.version, { action: 'write_off', reason: 'To be undone' }, { id: reviewer.id, email: reviewer.email, role: 'reviewer' }, fx.db.prisma);
    return { params: { id: String(e.id) } };
  },
  commentEntry: async (fx) => ({ params: { id: String((await openEntry(fx)).id) }, body: { body: 'Checked with the bank.' } }),
  assignEntry: async (fx) => {
    const e = await openEntry(fx);
    return { params: { id: String(e.id) }, body: { version: e.version, assignee: fx.reviewerEmail } };
  },
  getRomi: async () => ({ query: { model: 'linear' } }),
  romiRows: async () => ({ query: { kind: 'revenue', limit: '5' } }),
  getQuality: async () => ({ query: { period: 'all' } }),
  listAudit: async () => ({ query: { limit: '5' } }),
  getMe: async () => ({}),
  listWebhooks: async () => ({}),
  createWebhook: async (fx) => ({ body: { url: `https://hooks.example.com/paidline/${fx.seq()}`, events: ['pass.completed', 'entry.reopened'] } }),
  deleteWebhook: async (fx) => {
    const s = await fx.db.prisma.webhookSubscription.create({ data: { url: 'https://hooks.example.com/old', events: '["pass.completed"]', secretEnc: 'x' } });
    return { params: { id: s.id } };
  },
  listWebhookDeliveries: async (fx) => {
    const s = await fx.db.prisma.webhookSubscription.findFirst({ select: { id: true } });
    const id = s?.id ?? (await fx.db.prisma.webhookSubscription.create({ data: { url: 'https://hooks.example.com/list', events: '["pass.completed"]', secretEnc: 'x' } })).id;
    return { params: { id } };
  },
};

let fx: Fixture;
const tokens = new Map<string, string>();
const tokenIds = new Map<string, string>();
const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

beforeAll(async () => {
  const db = await databaseWithRoleUsers();
  await seedRomiDemo(db.prisma);
  const rec = await db.prisma.reconciliation.findUniqueOrThrow({ where: { name: ROMI_DEMO_RECONCILIATION } });
  const source = await db.prisma.source.findUniqueOrThrow({ where: { name: 'Card gateway' } });
  const ingestion = await db.prisma.ingestion.findFirstOrThrow({ where: { sourceId: source.id, status: 'committed' } });
  let n = 0;
  fx = { db, sourceId: source.id, reconciliationId: rec.id, ingestionId: ingestion.id, reviewerEmail: 'reviewer@example.com', seq: () => ++n };
  for (const role of ROLES) {
    const actor = { id: `user-${role}`, email: `${role}@example.com` };
    for (const access of ['write', 'read'] as const) {
      const made = await createApiToken(actor, { name: `${role} ${access}s`, readOnly: access === 'read' }, {}, db.prisma);
      tokens.set(`${role}:${access}`, made.secret);
      tokenIds.set(`${role}:${access}`, made.token.id);
    }
  }
  const admin = { id: 'user-admin', email: 'admin@example.com', role: 'admin' as const };
  const revoked = await createApiToken(admin, { name: 'revoked' }, {}, db.prisma);
  await revokeApiToken(admin, revoked.token.id, {}, db.prisma);
  tokens.set('revoked', revoked.secret);
  const expired = await createApiToken(admin, { name: 'expired' }, {}, db.prisma);
  await db.prisma.apiToken.update({ where: { id: expired.token.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
  tokens.set('expired', expired.secret);
  resetRateLimits();
}, 300_000);
afterAll(async () => fx?.db.drop());

async function call(r: Route, token: string | null, sample: Sample): Promise<Response> {
  const url = new URL(`http://localhost/api/v1${r.endpoint.path.replace(/\{(\w+)\}/g, (_m, k: string) => sample.params?.[k] ?? 'does-not-exist')}`);
  for (const [k, v] of Object.entries(sample.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = { ...(sample.headers ?? {}) };
  if (token) headers.authorization = `Bearer ${token}`;
  let requestBody: string | undefined;
  if (sample.raw !== undefined) requestBody = sample.raw;
  else if (sample.body !== undefined) {
    requestBody = JSON.stringify(sample.body);
    headers['content-type'] = 'application/json';
  }
  const request = new Request(url, { method: r.method, headers, ...(requestBody !== undefined && r.method !== 'GET' ? { body: requestBody } : {}) });
  return r.handler(request, { params: Promise.resolve(sample.params ?? {}) });
}

describe('the API routes', () => {
  it('are found, each made from an endpoint of the contract, one route per method and path', () => {
    expect(ROUTES.length).toBeGreaterThanOrEqual(30);
    const seen = ROUTES.map((r) => `${r.method} ${r.endpoint.path}`);
    expect(new Set(seen).size).toBe(seen.length);
    for (const r of ROUTES) {
      expect(r.method, r.file).toBe(r.endpoint.method);
      // The folder is the documented path: /sources/{id}/profile lives in sources/[id]/profile.
      const folder = path.relative(API, path.dirname(r.file)).split(path.sep).join('/').replace(/\[(\w+)\]/g, '{$1}');
      expect(`/${folder}`, r.file).toBe(r.endpoint.path);
    }
  });

  it('each have a sample request here', () => {
    expect(ROUTES.map((r) => r.endpoint.id).filter((id) => !SAMPLES[id])).toEqual([]);
  });
});

describe('the API access matrix', () => {
  for (const r of ROUTES) {
    const e = r.endpoint;
    const label = `${r.method} ${e.path}`;
    for (const token of ['none', 'revoked', 'expired'] as const) {
      it(`${label} with ${token === 'none' ? 'no' : `a ${token}`} token -> 401 problem`, async () => {
        const response = await call(r, token === 'none' ? null : tokens.get(token)!, await SAMPLES[e.id]!(fx, false));
        expect(response.status).toBe(401);
        expect(response.headers.get('content-type')).toContain('application/problem+json');
        const problem = (await response.json()) as { detail: string; code: string; status: number; requestId: string };
        // The answer's request id is the one the problem names (and the log lines carry).
        expect(response.headers.get('x-request-id')).toMatch(REQUEST_ID);
        expect(problem.requestId).toBe(response.headers.get('x-request-id'));
        expect(problem).toMatchObject({ status: 401, code: 'unauthenticated' });
        expect(problem.detail).toMatch(token === 'none' ? /Authorization: Bearer/ : token === 'revoked' ? /Revoked/ : /Expired/);
      });
    }
    for (const role of ROLES as readonly Role[]) {
      for (const access of ['write', 'read'] as const) {
        const allowedByRole = can(role, e.permission);
        const allowed = allowedByRole && (access === 'write' || e.method === 'GET');
        it(`${label} as ${role} with a ${access === 'read' ? 'read-only' : 'read-write'} token -> ${allowed ? `${e.status ?? 200}` : '403'}`, async () => {
          const denials = () => fx.db.prisma.auditLog.count({ where: { action: 'permission.denied', actorId: `user-${role}` } });
          const before = await denials();
          const response = await call(r, tokens.get(`${role}:${access}`)!, await SAMPLES[e.id]!(fx, allowed));
          expect(response.headers.get('x-request-id')).toMatch(REQUEST_ID);
          expect(response.headers.get('ratelimit') ?? '').toMatch(allowedByRole && allowed ? /limit=\d+, remaining=\d+/ : /.*/);
          if (!allowed) {
            expect(response.status).toBe(403);
            const problem = (await response.json()) as { detail: string };
            expect(problem.detail).toMatch(allowedByRole ? /read-only/ : new RegExp(`Your role \\(${role}\\) does not allow ${e.permission}`));
            // Every refusal is in the audit log, attributed to the token.
            expect(await denials()).toBe(before + 1);
            const row = await fx.db.prisma.auditLog.findFirstOrThrow({ where: { action: 'permission.denied', actorId: `user-${role}` }, orderBy: { createdAt: 'desc' } });
            expect(row.tokenId).toBe(tokenIds.get(`${role}:${access}`));
            return;
          }
          const text = await response.text();
          expect(response.status, text).toBe(e.upload ? 201 : (e.status ?? 200));
          if ((response.headers.get('content-type') ?? '').includes('json')) {
            const parsed = e.response.safeParse(JSON.parse(text));
            expect(parsed.success ? [] : parsed.error.issues.slice(0, 3), `${label}: ${text.slice(0, 300)}`).toEqual([]);
          }
        });
      }
    }
  }
});

describe('what a token does is attributed to it', () => {
  it('writes the token id on the audit rows of the change it makes', async () => {
    const r = ROUTES.find((x) => x.endpoint.id === 'commentEntry')!;
    const sample = await SAMPLES.commentEntry!(fx, true);
    const response = await call(r, tokens.get('analyst:write')!, sample);
    expect(response.status).toBe(201);
    const token = await fx.db.prisma.apiToken.findFirstOrThrow({ where: { userId: 'user-analyst', readOnly: false } });
    const row = await fx.db.prisma.auditLog.findFirstOrThrow({ where: { action: 'discrepancy.comment', entityId: sample.params!.id }, orderBy: { createdAt: 'desc' } });
    expect(row).toMatchObject({ actorId: 'user-analyst', tokenId: token.id });
    expect(token.lastUsedAt).not.toBeNull();
  });

  it('gives the ROMI figures as CSV, row for row the JSON figures, and audits the export', async () => {
    const r = ROUTES.find((x) => x.endpoint.id === 'getRomi')!;
    const json = (await (await call(r, tokens.get('executive:read')!, { query: { model: 'linear' } })).json()) as { totals: { currency: string; netRevenueMinor: string; spendMinor: string }[]; channels: { channel: string; figures: { currency: string; netRevenueMinor: string }[] }[] };
    const csv = await call(r, tokens.get('executive:read')!, { query: { model: 'linear', format: 'csv' } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\r\n').map((l) => l.split(','));
    expect(lines[0]!.slice(0, 8)).toEqual(['level', 'channel', 'campaign', 'month', 'currency', 'revenue', 'refunds', 'net_revenue']);
    const { minorToDecimal } = await import('@/lib/domain/money');
    const totals = lines.filter((l) => l[0] === 'total');
    expect(totals.map((l) => [l[4], l[7]])).toEqual(json.totals.map((t) => [t.currency, minorToDecimal(BigInt(t.netRevenueMinor), t.currency)]));
    expect(lines.filter((l) => l[0] === 'channel').length).toBe(json.channels.reduce((n, c) => n + c.figures.length, 0));
    expect(await fx.db.prisma.auditLog.count({ where: { action: 'export.romi', actorId: 'user-executive', tokenId: { not: null } } })).toBe(1);
  });

  it("reads a pass's journal page by page: every entry the first full pass created, once", async () => {
    const r = ROUTES.find((x) => x.endpoint.id === 'getPass')!;
    const pass = await fx.db.prisma.reconciliationPass.findFirstOrThrow({ where: { reconciliationId: fx.reconciliationId, scope: 'full' }, orderBy: { createdAt: 'asc' } });
    const keys: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await call(r, tokens.get('executive:read')!, { params: { id: fx.reconciliationId, passId: pass.id }, query: { change: 'created', limit: '200', ...(cursor ? { cursor } : {}) } });
      const body = (await response.json()) as { created: number; entries: { items: { key: string; change: string; factsBefore: unknown; factsAfter: unknown[] }[]; nextCursor: string | null } };
      expect(body.created).toBe(pass.created);
      for (const e of body.entries.items) {
        expect(e).toMatchObject({ change: 'created', factsBefore: null });
        expect(e.factsAfter.length).toBeGreaterThan(0);
        keys.push(e.key);
      }
      cursor = body.entries.nextCursor;
    } while (cursor);
    expect(keys.length).toBe(pass.created);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('answers 429 with Retry-After once a token has spent its budget', async () => {
    process.env.PAIDLINE_RATE_LIMIT_SCALE = '0.005'; // 3 requests a minute
    resetRateLimits();
    try {
      const r = ROUTES.find((x) => x.endpoint.id === 'getMe')!;
      const statuses: number[] = [];
      let last: Response | null = null;
      for (let i = 0; i < 5; i++) {
        last = await call(r, tokens.get('executive:read')!, {});
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await last!.json()) as { code: string }).code).toBe('rate_limited');
    } finally {
      delete process.env.PAIDLINE_RATE_LIMIT_SCALE;
      resetRateLimits();
    }
  });
});
