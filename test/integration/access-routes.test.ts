/**
 * Every route handler, discovered from the code and read through the access it declares to the
 * pipeline (lib/server/pipeline/access.ts), answered for every role and signed out: the decision
 * must be exactly what the permission matrix says. A handler that did not go through the pipeline
 * fails here, and so does a public one not listed below (with why).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { can, type Action } from '@/lib/domain/permissions';
import { ROLES, type Role } from '@/lib/domain/roles';
import { MFA_REQUIRED_MESSAGE, mfaRequiredFor } from '@/lib/features/users/totp';
import type { TestDatabase } from './databases';
import { APP, appFiles, databaseWithRoleUsers, declaredExports } from './access-helpers';

const session = vi.hoisted(() => ({ role: null as string | null, id: null as string | null }));
vi.mock('@/lib/auth/auth', () => ({
  auth: async () =>
    session.role
      ? { user: { id: session.id ?? `user-${session.role}`, email: `${session.role}@example.com`, name: session.role, role: session.role, sessionVersion: 0, sessionId: 'test-session' } }
      : null,
  signIn: async () => undefined,
  signOut: async () => undefined,
  handlers: { GET: async () => new Response(null, { status: 204 }), POST: async () => new Response(null, { status: 204 }) },
}));
vi.mock('next/headers', () => ({ headers: async () => new Headers(), cookies: async () => ({ get: () => undefined }) }));

/** Public on purpose: who may call them and how they authenticate instead. */
const PUBLIC_ROUTES: Record<string, string> = {
  'api/auth/[...nextauth]': 'Auth.js sign-in endpoints: they are how a session starts.',
  'api/health': 'Load balancers probe it; it reveals only whether the database answers and which migrations are pending.',
  'api/webhooks/[source]': 'Senders authenticate each delivery by its signature (Stripe-Signature).',
  'api/telegram/webhook': 'Telegram authenticates each update by the X-Telegram-Bot-Api-Secret-Token header (test/integration/telegram.test.ts).',
  'api/v1/openapi.json': 'The API description holds no data; tools fetch it to generate clients.',
  'api/v1/[...path]': 'It answers only that the path does not exist.',
};


type RouteCase = { route: string; file: string; methods: string[]; undeclared: string[]; action: Action | null; publicReason: string | null };
// The public API's routes authenticate by token, not session: test/integration/api-access.test.ts holds their matrix.
const ROUTE_FILES = appFiles(APP, (name) => name === 'route.ts').filter((f) => !/[\\/]api[\\/]v1[\\/]/.test(f) || f.includes('openapi.json') || f.includes('[...path]'));
const ROUTES: RouteCase[] = await Promise.all(
  ROUTE_FILES.map(async (file) => {
    const handlers = (await declaredExports(file)).filter((e) => /^(GET|POST|PUT|PATCH|DELETE)$/.test(e.name));
    const route = path.relative(APP, path.dirname(file)).split(path.sep).join('/');
    const actions = new Set(handlers.map((h) => h.access?.permission ?? null));
    if (actions.size > 1) throw new Error(`${route} checks several permissions; give each method its own test.`);
    const first = handlers[0]?.access;
    return {
      route,
      file,
      methods: handlers.map((h) => h.name),
      undeclared: handlers.filter((h) => h.access?.kind !== 'route').map((h) => h.name),
      action: first?.permission ?? null,
      publicReason: first?.publicReason ?? null,
    };
  }),
);

let db: TestDatabase;
beforeAll(async () => {
  db = await databaseWithRoleUsers();
});
afterAll(async () => db?.drop());

describe('API routes and the permission matrix', () => {
  it('finds the routes', () => {
    expect(ROUTES.length).toBeGreaterThanOrEqual(10);
  });

  for (const r of ROUTES) {
    it(`${r.route} goes through the route pipeline`, () => {
      expect(r.undeclared, `${r.file}: these handlers are not made by defineRoute`).toEqual([]);
    });
    if (PUBLIC_ROUTES[r.route]) {
      it(`${r.route} is public on purpose`, () => {
        expect(r.action).toBeNull();
        expect(r.publicReason).toBeTruthy();
      });
      continue;
    }
    it(`${r.route} checks a permission from the matrix`, () => {
      expect(r.action, `${r.file} declares no permission and is not listed as public`).not.toBeNull();
      expect(r.methods.length).toBeGreaterThan(0);
    });
    if (!r.action) continue;
    for (const method of r.methods) {
      for (const role of [null, ...ROLES] as (Role | null)[]) {
        const expected = role === null ? 401 : can(role, r.action) ? 'allowed' : 403;
        it(`${method} /${r.route} as ${role ?? 'signed out'} -> ${expected}`, async () => {
          session.role = role;
          session.id = null;
          const mod = (await import(/* @vite-ignore */ r.file)) as Record<string, (req: Request, ctx: unknown) => Promise<Response>>;
          const url = `http://localhost/${r.route.replace(/\[[^\]]+\]/g, 'does-not-exist')}`;
          const request = new Request(url, { method, ...(method === 'GET' ? {} : { body: '{}', headers: { 'content-type': 'application/json', origin: new URL(url).origin } }) });
          const denials = () => db.prisma.auditLog.count({ where: { action: 'permission.denied', actorId: `user-${role}` } });
          const before = role ? await denials() : 0;
          const response = await mod[method]!(request, { params: Promise.resolve({ id: 'does-not-exist', source: 'does-not-exist' }) });
          if (expected === 'allowed') expect([401, 403]).not.toContain(response.status);
          else expect(response.status).toBe(expected);
          // Every denial of a signed-in user is in the audit log.
          if (expected === 403) expect(await denials()).toBe(before + 1);
        });
      }
    }
  }
});

describe('API routes for a user whose role requires MFA and who has not enrolled', () => {
  for (const r of ROUTES) {
    if (PUBLIC_ROUTES[r.route] || !r.action) continue;
    for (const method of r.methods) {
      for (const role of ROLES) {
        const confined = mfaRequiredFor(role);
        const expected = can(role, r.action) && !confined ? 'allowed' : 403;
        it(`${method} /${r.route} as ${role} without MFA -> ${expected}`, async () => {
          session.role = role;
          session.id = `user-${role}-nomfa`;
          const mod = (await import(/* @vite-ignore */ r.file)) as Record<string, (req: Request, ctx: unknown) => Promise<Response>>;
          const url = `http://localhost/${r.route.replace(/\[[^\]]+\]/g, 'does-not-exist')}`;
          const request = new Request(url, { method, ...(method === 'GET' ? {} : { body: '{}', headers: { 'content-type': 'application/json', origin: new URL(url).origin } }) });
          const response = await mod[method]!(request, { params: Promise.resolve({ id: 'does-not-exist', source: 'does-not-exist' }) });
          if (expected === 'allowed') expect([401, 403]).not.toContain(response.status);
          else expect(response.status).toBe(403);
          if (confined) expect(((await response.json()) as { error: string }).error).toBe(MFA_REQUIRED_MESSAGE);
        });
      }
    }
  }
});
