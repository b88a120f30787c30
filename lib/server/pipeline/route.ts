/**
 * The route-handler pipeline. Every handler in app/ is
 *
 *   export const GET = defineRoute({ name: '/api/runs/[id]', permission: 'runs:view', params: ['id'] }, async (request, ctx) => Response);
 *
 * In that order: a request id (the proxy's when well-formed, else a new one) and a logger bound to
 * it; the per-IP rate limits the route declares; for a state-changing request a session would
 * authenticate, the Origin check (403 for another or no origin); the permission from the matrix (401 signed out,
 * 403 missing MFA or role, refusals audited), unless an alternative credential stands in for the
 * session; the per-user rate limits; the handler. An AppError becomes `{ error, ...details }` with
 * its status, a ZodError a 400, anything else a logged 500 with the request id and no stack
 * trace. Every response carries x-request-id; one log line and one histogram sample per request.
 */
import type { Logger } from 'pino';
import type { SessionUser } from '@/lib/auth/session-schema';
import type { Action } from '@/lib/domain/permissions';
import { AppError } from '@/lib/server/core/app-error';
import { crossSiteRefusal } from '@/lib/server/http/origin';
import { requestMeta } from '@/lib/server/http/request-meta';
import { loggerFor } from '@/lib/server/observability/logger';
import { recordRequest } from '@/lib/server/observability/metrics';
import { REQUEST_ID_HEADER, requestIdFrom } from '@/lib/server/observability/request-id';
import { consume, type RateBucket } from '@/lib/server/rate-limit';
import { declareAccess, permissionOf, type Permission } from './access';
import { expectedFailure, isNextControlFlow, issueMessages, UNEXPECTED_MESSAGE } from './failure';

export type RouteContext<P extends Permission, K extends string> = {
  /**
   * The signed-in user; null for a public route. A route with an alternativeCredential must not
   * rely on it: a request authenticated by that credential has no user.
   */
  user: P extends Action ? SessionUser : null;
  params: Record<K, string>;
  requestId: string;
  log: Logger;
  meta: { ip: string | null; userAgent: string | null };
};

export type RouteConfig<P extends Permission, K extends string> = {
  /** The route as a metrics label: "/api/runs/[id]". */
  name: string;
  permission: P;
  /** The dynamic segments the handler reads. */
  params?: readonly K[];
  /**
   * Budgets spent before the permission (keyed by client IP) and after it (keyed by user id).
   * Only for routes the proxy does not limit (it spends apiIp/apiUser for every other /api route).
   */
  rateLimit?: { ip?: RateBucket[]; user?: RateBucket[]; message?: string };
  /** A credential that stands in for the session (the metrics scraper's bearer token). */
  alternativeCredential?: (request: Request) => boolean;
  /** Headers set on every response, errors included (HSTS on a route the proxy does not cover). */
  responseHeaders?: (request: Request) => Record<string, string>;
};

type Handler<P extends Permission, K extends string> = (request: Request, ctx: RouteContext<P, K>) => Promise<Response>;

async function spend(budgets: [RateBucket, string][], message: string): Promise<void> {
  for (const [bucket, key] of budgets) {
    const result = await consume(bucket, key);
    if (!result.ok) {
      throw new AppError('rate_limited', `${message} Try again in ${result.retryAfterSeconds} seconds.`, {
        headers: { 'Retry-After': String(result.retryAfterSeconds) },
      });
    }
  }
}

function errorResponse(error: AppError): Response {
  return Response.json({ error: error.message, ...error.details }, { status: error.status, headers: error.headers });
}

const invalidBody = issueMessages.withPaths('body');

export function defineRoute<P extends Permission, K extends string = never>(
  config: RouteConfig<P, K>,
  handler: Handler<P, K>,
): (request: Request, context?: { params?: Promise<Record<string, string | string[] | undefined>> }) => Promise<Response> {
  const route = async (request: Request, context?: { params?: Promise<Record<string, string | string[] | undefined>> }) => {
    const started = performance.now();
    const requestId = requestIdFrom(request.headers);
    const log = loggerFor('http', { requestId, route: config.name, method: request.method });
    const meta = requestMeta(request.headers);
    let response: Response;
    try {
      const { permission } = permissionOf(config.permission);
      const rate = config.rateLimit;
      if (rate?.ip?.length) await spend(rate.ip.map((b) => [b, meta.ip ?? 'unknown']), rate.message ?? 'Too many requests.');
      let user: SessionUser | null = null;
      if (permission && !config.alternativeCredential?.(request)) {
        // A session acts only for Paidline's own pages (lib/server/http/origin.ts).
        const refusal = crossSiteRefusal(request);
        if (refusal) throw refusal;
        // Loaded on first use: public routes (health probes, webhooks) never load Auth.js.
        const { authorize } = await import('@/lib/auth/guard');
        user = await authorize(permission, 'api');
        if (rate?.user?.length) await spend(rate.user.map((b) => [b, user!.id]), rate.message ?? 'Too many requests.');
      }
      const raw = (await context?.params) ?? {};
      const params = Object.fromEntries((config.params ?? []).map((k) => [k, String(raw[k] ?? '')])) as Record<K, string>;
      response = await handler(request, { user: user as RouteContext<P, K>['user'], params, requestId, log, meta });
    } catch (error) {
      if (isNextControlFlow(error)) throw error;
      const expected = expectedFailure(error, invalidBody);
      if (expected) {
        if (expected.status >= 500) log.error({ err: error }, 'route handler failed');
        response = errorResponse(expected);
      } else {
        log.error({ err: error }, 'route handler failed');
        response = Response.json({ error: UNEXPECTED_MESSAGE, requestId }, { status: 500 });
      }
    }
    const seconds = (performance.now() - started) / 1000;
    recordRequest(config.name, request.method, response.status, seconds);
    log.info({ status: response.status, ms: Math.round(seconds * 1000) }, 'request');
    try {
      response.headers.set(REQUEST_ID_HEADER, requestId);
      for (const [name, value] of Object.entries(config.responseHeaders?.(request) ?? {})) response.headers.set(name, value);
    } catch {
      // Immutable headers (a redirect made by Response.redirect): the proxy has set the id already.
    }
    return response;
  };
  return declareAccess(route, {
    kind: 'route',
    name: config.name,
    ...permissionOf(config.permission),
    allowMfaPending: false,
    alternativeCredential: Boolean(config.alternativeCredential),
  });
}
