/**
 * The server-action and route pipelines (lib/server/pipeline): permission first (refusals audited
 * by the guard), zod input to the one result shape, AppError to its status and message, anything
 * else to a logged 500 with the request id; revalidation, metrics and Next.js redirects.
 */
import { Writable } from 'node:stream';
import { redirect } from 'next/navigation';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { AppError, InvalidRequestError } from '@/lib/server/core/app-error';
import { createLogger } from '@/lib/server/observability/logger';
import { metricsState } from '@/lib/server/observability/metrics';
import { declaredAccess } from '@/lib/server/pipeline/access';
import { defineAction, defineFormAction, defineSubmitAction } from '@/lib/server/pipeline/action';
import { defineRoute } from '@/lib/server/pipeline/route';
import { resetRateLimits } from '@/lib/server/rate-limit';
import type { TestDatabase } from './databases';
import { databaseWithRoleUsers } from './access-helpers';
import { fromPeer } from '@/test/peer';

const session = vi.hoisted(() => ({ role: null as string | null }));
const revalidated = vi.hoisted(() => [] as string[]);
vi.mock('@/lib/auth/auth', () => ({
  auth: async () =>
    session.role ? { user: { id: `user-${session.role}`, email: `${session.role}@example.com`, name: session.role, role: session.role, sessionVersion: 0, sessionId: 'test-session' } } : null,
  signIn: async () => undefined,
  signOut: async () => undefined,
  handlers: {},
}));
vi.mock('next/headers', () => ({ headers: async () => new Headers({ 'x-request-id': 'req-pipeline-1' }), cookies: async () => ({ get: () => undefined }) }));
vi.mock('next/cache', () => ({ revalidatePath: (path: string) => void revalidated.push(path), revalidateTag: () => undefined }));

const lines: Record<string, unknown>[] = [];
const stream = new Writable({
  write(chunk, _enc, done) {
    for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
    done();
  },
});
const LOGGER = Symbol.for('paidline.logger');
const holder = globalThis as unknown as Record<symbol, unknown>;
let savedLogger: unknown;

let db: TestDatabase;
beforeAll(async () => {
  db = await databaseWithRoleUsers();
  savedLogger = holder[LOGGER];
  holder[LOGGER] = createLogger(stream, 'info');
});
afterAll(async () => {
  holder[LOGGER] = savedLogger;
  await db?.drop();
});
beforeEach(() => {
  lines.length = 0;
  revalidated.length = 0;
  session.role = 'admin';
});

const denials = (role: string, target: string) =>
  db.prisma.auditLog.count({ where: { action: 'permission.denied', actorId: `user-${role}`, after: { contains: target } } });

describe('defineAction', () => {
  const handler = vi.fn(async ([id, note]: [number, string]) => ({ id, note }));
  const act = defineAction(
    { name: 'test.act', permission: 'users:manage', input: z.tuple([z.coerce.number().int().positive(), z.string().min(2)]), revalidate: '/somewhere' },
    async (input) => handler(input),
  );

  it('declares its access for the access tests', () => {
    expect(declaredAccess(act)).toMatchObject({ kind: 'action', name: 'test.act', permission: 'users:manage', publicReason: null, allowMfaPending: false });
  });

  it('refuses before looking at the input: signed out 401, a role without the permission 403, audited', async () => {
    session.role = null;
    expect(await act(0, '')).toEqual({ ok: false, code: 'unauthenticated', status: 401, error: 'Your session has ended. Sign in again.' });
    session.role = 'analyst';
    const before = await denials('analyst', 'action:users:manage');
    expect(await act(0, '')).toEqual({ ok: false, code: 'forbidden', status: 403, error: 'Your role does not allow this action.' });
    expect(await denials('analyst', 'action:users:manage')).toBe(before + 1);
    expect(handler).not.toHaveBeenCalled();
    expect(revalidated).toEqual([]);
    expect(lines.at(-1)).toMatchObject({ level: 'info', component: 'action', action: 'test.act', requestId: 'req-pipeline-1', outcome: 'forbidden', status: 403 });
  });

  it('words invalid arguments per argument, as if each were parsed alone', async () => {
    const r = await act(-1, 'ok');
    expect(r).toMatchObject({ ok: false, code: 'invalid_input', status: 400 });
    expect(!r.ok && r.error).toMatch(/^input: Too small/);
    expect(handler).not.toHaveBeenCalled();
  });

  it('runs the handler with the parsed input, revalidates and records a metric', async () => {
    expect(await act('7' as unknown as number, 'hello')).toEqual({ ok: true, data: { id: 7, note: 'hello' } });
    expect(revalidated).toEqual(['/somewhere']);
    const text = await metricsState().registry.metrics();
    expect(text).toMatch(/paidline_action_duration_seconds_count\{action="test.act",outcome="ok"\} 1/);
    expect(text).toMatch(/paidline_action_duration_seconds_count\{action="test.act",outcome="forbidden"\} 1/);
  });

  it('turns an AppError into its code, status and message, and anything else into a logged 500 with the request id', async () => {
    const failing = defineAction({ name: 'test.fail', permission: 'users:manage', input: z.string() }, async (what) => {
      if (what === 'app') throw new AppError('conflict', 'Someone else changed it.', { fields: { name: 'Taken.' } });
      if (what === 'zod') z.object({ amount: z.number() }).parse({});
      throw new Error('database is down: password=hunter2');
    });
    expect(await failing('app')).toEqual({ ok: false, code: 'conflict', status: 409, error: 'Someone else changed it.', fields: { name: 'Taken.' } });
    expect(await failing('zod')).toMatchObject({ ok: false, code: 'invalid_input', status: 400, error: expect.stringMatching(/^amount: /), fields: { amount: expect.any(String) } });
    const r = await failing('boom');
    expect(r).toEqual({ ok: false, code: 'internal', status: 500, error: expect.stringMatching(/^Something went wrong on our side/), requestId: 'req-pipeline-1' });
    expect(JSON.stringify(r)).not.toContain('database is down');
    expect(revalidated).toEqual([]);
    expect(lines.at(-1)).toMatchObject({ level: 'error', action: 'test.fail', requestId: 'req-pipeline-1', status: 500, err: { message: 'database is down: password=hunter2' } });
  });

  it('lets Next.js redirects through', async () => {
    const going = defineAction({ name: 'test.redirect', permission: 'users:manage' }, async () => redirect('/elsewhere'));
    await expect(going()).rejects.toMatchObject({ digest: expect.stringMatching(/^NEXT_REDIRECT/) });
  });
});

describe('defineFormAction', () => {
  const form = defineFormAction(
    { name: 'test.form', permission: 'users:manage', input: z.object({ name: z.string().min(1, 'Enter a name.'), email: z.email('Enter an e-mail.') }), echo: true },
    async ({ name }) => {
      if (name === 'taken') throw new InvalidRequestError('That name is taken.', { fields: { name: 'That name is taken.' } });
      return { created: name };
    },
  );
  const data = (fields: Record<string, string>) => {
    const fd = new FormData();
    for (const [k, v] of Object.entries(fields)) fd.set(k, v);
    return fd;
  };

  it('gives field errors and the typed values in the one result shape', async () => {
    expect(await form(null, data({ name: '', email: 'nope' }))).toEqual({
      ok: false,
      code: 'invalid_input',
      status: 400,
      error: 'Check the highlighted fields.',
      fields: { name: 'Enter a name.', email: 'Enter an e-mail.' },
      values: { name: '', email: 'nope' },
    });
    expect(await form(null, data({ name: 'taken', email: 'a@b.co' }))).toMatchObject({ ok: false, fields: { name: 'That name is taken.' }, values: { name: 'taken', email: 'a@b.co' } });
    expect(await form(null, data({ name: 'Ann', email: 'a@b.co' }))).toEqual({ ok: true, data: { created: 'Ann' } });
  });

  it('refuses a role without the permission before reading the form', async () => {
    session.role = 'executive';
    expect(await form(null, data({ name: '', email: '' }))).toMatchObject({ ok: false, code: 'forbidden', status: 403 });
  });
});

describe('defineSubmitAction', () => {
  it('throws the refusal for the error boundary (a plain <form action> has no state to show it in)', async () => {
    const submit = defineSubmitAction({ name: 'test.submit', permission: 'users:manage' }, async () => undefined);
    session.role = 'reviewer'; // requires MFA, enrolled
    await expect(submit()).rejects.toMatchObject({ code: 'forbidden', status: 403 });
    session.role = 'admin';
    await expect(submit()).resolves.toBeUndefined();
  });
});

describe('defineRoute', () => {
  const request = (init: RequestInit & { id?: string } = {}) =>
    new Request('http://localhost/api/test', { ...init, headers: { ...(init.id ? { 'x-request-id': init.id } : {}), ...(init.headers as Record<string, string>) } });

  it('answers 401 and 403 (audited) before the handler runs, with the request id on the response', async () => {
    const handler = vi.fn(async () => new Response('secret'));
    const route = defineRoute({ name: '/api/test', permission: 'audit:view' }, handler);
    session.role = null;
    const out = await route(request({ id: 'req-route-0001' }));
    expect(out.status).toBe(401);
    expect(await out.json()).toEqual({ error: 'Sign in to use this API.' });
    expect(out.headers.get('x-request-id')).toBe('req-route-0001');
    session.role = 'executive';
    const before = await denials('executive', 'api:audit:view');
    const denied = await route(request());
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({ error: 'Your role (executive) does not allow audit:view.' });
    expect(await denials('executive', 'api:audit:view')).toBe(before + 1);
    expect(handler).not.toHaveBeenCalled();
    expect(declaredAccess(route)).toMatchObject({ kind: 'route', permission: 'audit:view' });
  });

  it('maps an AppError to its status and body, a ZodError to 400, anything else to a logged 500 with the request id', async () => {
    const route = defineRoute({ name: '/api/test/[id]', permission: 'audit:view', params: ['id'] }, async (_req, { params }) => {
      if (params.id === 'big') throw new AppError('too_large', 'Too big.', { details: { limitBytes: 10 } });
      if (params.id === 'zod') z.object({ version: z.number() }).parse({});
      throw new Error('boom');
    });
    const call = (id: string) => route(request({ id: 'req-route-0002' }), { params: Promise.resolve({ id }) });
    const big = await call('big');
    expect([big.status, await big.json()]).toEqual([413, { error: 'Too big.', limitBytes: 10 }]);
    const zod = await call('zod');
    expect(zod.status).toBe(400);
    expect(((await zod.json()) as { error: string }).error).toMatch(/^version: /);
    const boom = await call('boom');
    expect(boom.status).toBe(500);
    expect(await boom.json()).toEqual({ error: expect.stringMatching(/^Something went wrong/), requestId: 'req-route-0002' });
    expect(lines.find((l) => l.level === 'error')).toMatchObject({ component: 'http', route: '/api/test/[id]', requestId: 'req-route-0002', err: { message: 'boom' } });
    expect(lines.at(-1)).toMatchObject({ level: 'info', msg: 'request', status: 500, requestId: 'req-route-0002' });
  });

  it('spends the declared budgets and answers 429 with Retry-After when one is gone', async () => {
    resetRateLimits();
    const route = defineRoute({ name: '/api/test/limited', permission: { public: 'test' }, rateLimit: { ip: ['uploadUser'], message: 'Slow down.' } }, async () => new Response('ok'));
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await route(request({ headers: fromPeer('203.0.113.9') }))).status);
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    const limited = await route(request({ headers: fromPeer('203.0.113.9') }));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await limited.json()) as { error: string }).error).toMatch(/^Slow down\. Try again in \d+ seconds\.$/);
    resetRateLimits();
  });

  it('lets an alternative credential stand in for the session', async () => {
    session.role = null;
    const route = defineRoute({ name: '/api/test/token', permission: 'metrics:view', alternativeCredential: (r) => r.headers.get('authorization') === 'Bearer t' }, async () => new Response('ok'));
    expect((await route(request({ headers: { authorization: 'Bearer t' } }))).status).toBe(200);
    expect((await route(request())).status).toBe(401);
  });
});
