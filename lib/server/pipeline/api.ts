/**
 * The public API's pipeline (/api/v1). Every handler there is
 *
 *   export const GET = defineApiRoute(endpoints.listSources, async ({ query, user }) => data);
 *
 * where the endpoint comes from the contract (lib/api): method, path, permission, zod schemas of
 * its path parameters, query, body and answer, which also make the OpenAPI document. In that
 * order: a request id; for a route the proxy does not cover, the per-IP budget; the bearer token
 * (401 missing, unknown, revoked or expired); the permission matrix for the token owner's role
 * (403, audited like a page's refusal); read-only tokens only read (403); the token's budget, with
 * RateLimit headers on every answer and Retry-After on a 429; the zod inputs (400 with each field's
 * message); the handler, inside the token's audit context so every audit row it writes names the
 * token. Every failure is an RFC 9457 problem+json with the message the UI shows; every response
 * carries x-request-id; one log line and one histogram sample per request.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { can, type Action } from '@/lib/domain/permissions';
import { authenticateApiToken, type TokenUser } from '@/lib/features/users/api-tokens';
import { AppError, APP_ERROR_STATUS, type AppErrorCode } from '@/lib/server/core/app-error';
import { writeAudit } from '@/lib/server/db/audit';
import { withAuditToken } from '@/lib/server/db/audit-context';
import { getPrisma } from '@/lib/server/db/client';
import { requestMeta } from '@/lib/server/http/request-meta';
import { loggerFor } from '@/lib/server/observability/logger';
import { recordRequest } from '@/lib/server/observability/metrics';
import { REQUEST_ID_HEADER, requestIdFrom } from '@/lib/server/observability/request-id';
import { consume } from '@/lib/server/rate-limit';
import { declareAccess } from './access';
import { idempotencyKeyOf, idempotent } from './idempotency';
import { expectedFailure, isNextControlFlow, issueMessages, UNEXPECTED_MESSAGE } from './failure';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One operation of the public API: what the OpenAPI document says and what the pipeline checks. */
export type ApiEndpoint<
  P extends z.ZodObject = z.ZodObject,
  Q extends z.ZodObject = z.ZodObject,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> = {
  /** operationId: "listSources". */
  id: string;
  method: HttpMethod;
  /** Below /api/v1, with {braces} for parameters: "/sources/{id}". */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  permission: Action;
  params?: P;
  query?: Q;
  /** A JSON body. */
  body?: B;
  /** The body is a file (streamed), not JSON. */
  upload?: true;
  /** The answer (JSON); its status. */
  response: R;
  status?: 200 | 201 | 202;
  /** What each parameter means, for the document (the schemas say their types). */
  notes?: Record<string, string>;
  /** Also answers text/csv (?format=csv or Accept: text/csv). */
  csv?: true;
  /** Honours an Idempotency-Key header (state-changing requests a script may retry). */
  idempotent?: true;
  /** The proxy does not run for it (streamed bodies): the pipeline spends the per-IP budget itself. */
  ownIpBudget?: true;
};

export type ApiContext<E extends ApiEndpoint> = {
  user: TokenUser;
  params: E['params'] extends z.ZodObject ? z.output<E['params']> : Record<string, never>;
  query: E['query'] extends z.ZodObject ? z.output<E['query']> : Record<string, never>;
  body: E['body'] extends z.ZodType ? z.output<E['body']> : undefined;
  request: Request;
  requestId: string;
  log: Logger;
  meta: { ip: string | null; userAgent: string | null };
};

/** What a handler returns: the JSON answer (checked against the endpoint's schema in tests), or a Response of its own (CSV, a replay). */
export type ApiResult<E extends ApiEndpoint> = Wire<z.input<E['response']>> | Response;

/** What JSON.stringify turns into the documented shape: a Date where a timestamp string is documented, a bigint where an integer string is. */
type Wire<T> = T extends string ? T | Date | bigint : T extends (infer U)[] ? Wire<U>[] : T extends object ? { [K in keyof T]: Wire<T[K]> } : T;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** An RFC 9457 problem document for an AppError (its message is the one the UI shows). */
export function problemResponse(error: { code: AppErrorCode; status: number; message: string; fields?: Record<string, string>; details?: Record<string, unknown>; headers?: Record<string, string> }, requestId: string, instance: string): Response {
  const body = {
    type: `urn:paidline:problem:${error.code}`,
    title: TITLES[error.status] ?? 'Error',
    status: error.status,
    detail: error.message,
    instance,
    code: error.code,
    requestId,
    ...(error.fields ? { errors: error.fields } : {}),
    ...(error.details ?? {}),
  };
  return new Response(JSON.stringify(body), { status: error.status, headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...(error.headers ?? {}) } });
}

/** JSON with bigint amounts as strings (integer minor units never pass through a float). */
export function jsonResponse(data: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const text = JSON.stringify(data, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return new Response(text, { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers } });
}

const invalid = issueMessages.withPaths('body');

function bearerOf(request: Request): string | null {
  const header = request.headers.get('authorization') ?? '';
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

function queryObject(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  // Repeated parameters read as a comma list (?state=open&state=assigned), like the table's links.
  for (const [k, v] of url.searchParams) out[k] = k in out ? `${out[k]},${v}` : v;
  return out;
}

function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues.map((i) => `${[where, ...i.path].join('.')}: ${i.message}`).join('; ');
  throw new AppError('invalid_input', message, { cause: parsed.error, fields: Object.fromEntries(parsed.error.issues.map((i) => [[where, ...i.path].join('.'), i.message])) });
}

async function readJson(request: Request): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  const text = await request.text();
  if (!text.trim()) return {};
  if (!/^application\/(.+\+)?json\b/i.test(type)) throw new AppError('invalid_input', 'Send the body as JSON with Content-Type: application/json.');
  if (text.length > 2_000_000) throw new AppError('too_large', 'A JSON body is at most 2 MB; upload files through /sources/{id}/uploads.');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('invalid_input', 'The body is not valid JSON.');
  }
}

export function defineApiRoute<E extends ApiEndpoint>(
  endpoint: E,
  handler: (ctx: ApiContext<E>) => Promise<ApiResult<E>>,
): (request: Request, context?: { params?: Promise<Record<string, string | string[] | undefined>> }) => Promise<Response> {
  const name = `/api/v1${endpoint.path}`;
  const route = async (request: Request, context?: { params?: Promise<Record<string, string | string[] | undefined>> }) => {
    const started = performance.now();
    const requestId = requestIdFrom(request.headers);
    const log = loggerFor('api', { requestId, route: name, method: request.method });
    const meta = requestMeta(request.headers);
    const url = new URL(request.url);
    let rateHeaders: Record<string, string> = {};
    let response: Response;
    try {
      if (endpoint.ownIpBudget) {
        const spent = await consume('apiIp', meta.ip ?? 'unknown');
        if (!spent.ok) throw new AppError('rate_limited', `Too many requests. Try again in ${spent.retryAfterSeconds} seconds.`, { headers: { 'Retry-After': String(spent.retryAfterSeconds) } });
      }
      const secret = bearerOf(request);
      if (!secret) {
        throw new AppError('unauthenticated', 'Send a personal access token: Authorization: Bearer <token> (make one under Account -> API tokens).', { headers: { 'WWW-Authenticate': 'Bearer realm="paidline"' } });
      }
      const user = await authenticateApiToken(secret, meta);
      response = await withAuditToken(user.tokenId, async () => {
        if (!can(user.role, endpoint.permission)) {
          await writeAudit(getPrisma(), { actor: user, action: 'permission.denied', entityType: 'Permission', entityId: endpoint.permission, after: { role: user.role, target: `api:${endpoint.id}` }, ...meta });
          throw new AppError('forbidden', `Your role (${user.role}) does not allow ${endpoint.permission}.`);
        }
        if (user.readOnly && endpoint.method !== 'GET') {
          await writeAudit(getPrisma(), { actor: user, action: 'permission.denied', entityType: 'Permission', entityId: endpoint.permission, after: { role: user.role, target: `api:${endpoint.id}`, readOnly: true }, ...meta });
          throw new AppError('forbidden', 'This token is read-only: it can read, not change anything. Use a token made without "Read only".');
        }
        const spent = await consume('apiToken', user.tokenId);
        if (!spent.ok) {
          rateHeaders = { RateLimit: `limit=${spent.limit ?? ''}, remaining=0, reset=${spent.retryAfterSeconds}`.replace('limit=, ', '') };
          throw new AppError('rate_limited', `Too many requests with this token. Try again in ${spent.retryAfterSeconds} seconds.`, { headers: { 'Retry-After': String(spent.retryAfterSeconds) } });
        }
        if (spent.limit !== undefined) {
          rateHeaders = { 'RateLimit-Policy': `${spent.limit};w=60`, RateLimit: `limit=${spent.limit}, remaining=${spent.remaining ?? 0}, reset=${spent.resetSeconds ?? 0}` };
        }
        const raw = (await context?.params) ?? {};
        const params = endpoint.params ? parseOrThrow(endpoint.params, Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v.join('/') : v])), 'path') : {};
        const query = endpoint.query ? parseOrThrow(endpoint.query, queryObject(url), 'query') : {};
        const body = endpoint.body ? parseOrThrow(endpoint.body, await readJson(request), 'body') : undefined;
        const run = async () => {
          const result = await handler({ user, params, query, body, request, requestId, log, meta } as ApiContext<E>);
          return result instanceof Response ? result : jsonResponse(result, endpoint.status ?? 200);
        };
        const key = endpoint.idempotent ? idempotencyKeyOf(request) : null;
        return key ? idempotent(user.id, key, request.method, url.pathname, run) : run();
      });
    } catch (error) {
      if (isNextControlFlow(error)) throw error;
      const expected = expectedFailure(error, invalid);
      if (expected) {
        if (expected.status >= 500) log.error({ err: error }, 'api handler failed');
        response = problemResponse(expected, requestId, url.pathname);
      } else {
        log.error({ err: error }, 'api handler failed');
        response = problemResponse({ code: 'internal', status: APP_ERROR_STATUS.internal, message: UNEXPECTED_MESSAGE }, requestId, url.pathname);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    recordRequest(name, request.method, response.status, seconds);
    log.info({ status: response.status, ms: Math.round(seconds * 1000) }, 'request');
    try {
      response.headers.set(REQUEST_ID_HEADER, requestId);
      for (const [k, v] of Object.entries(rateHeaders)) response.headers.set(k, v);
    } catch {
      // Immutable headers: nothing more to add.
    }
    return response;
  };
  declareAccess(route, { kind: 'route', name, permission: endpoint.permission, publicReason: null, allowMfaPending: false, alternativeCredential: true });
  return Object.assign(route, { endpoint });
}

/** The endpoint a route handler was made for (the contract tests read it). */
export function endpointOf(handler: unknown): ApiEndpoint | null {
  return (handler as { endpoint?: ApiEndpoint } | null)?.endpoint ?? null;
}
