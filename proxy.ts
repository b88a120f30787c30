import { getToken } from 'next-auth/jwt';
import { NextResponse, type NextRequest } from 'next/server';
import { isPublicPath } from '@/lib/auth/public-paths';
import { sessionExpired } from '@/lib/auth/config';
import { contentSecurityPolicy, isHttps, newNonce } from '@/lib/auth/security-headers';
import { noteRateLimitedWebhook } from '@/lib/features/ingestion/webhooks/refused-deliveries';
import { crossSiteRefusal } from '@/lib/server/http/origin';
import { serverActionBodyRefusal } from '@/lib/server/http/server-action-body';
import { requestMeta } from '@/lib/server/http/request-meta';
import { consume, type RateBucket } from '@/lib/server/rate-limit';
import { REQUEST_ID_HEADER, requestIdFrom } from '@/lib/server/observability/request-id';

/**
 * First line of defence: signed-out page requests go to /login, signed-out API
 * requests get 401. Permissions are checked again by every page, action and
 * route handler (lib/auth/guard.ts), which also answers 403.
 *
 * The session is only read here, never re-issued: a response racing a sign-out
 * (a link prefetch, say) must not put the session cookie back.
 */
async function signedInUser(req: NextRequest): Promise<string | null> {
  const secret = process.env.AUTH_SECRET;
  if (!secret) return null;
  // Secure cookies carry the __Secure- prefix; which one is set depends on how the app is reached.
  for (const secureCookie of [true, false]) {
    const token = await getToken({ req, secret, secureCookie });
    // Idle or past its lifetime: treated as signed out here too (the pages' guard also checks the session version).
    if (token?.uid && !sessionExpired(token)) return String(token.uid);
  }
  return null;
}

/** The budgets an API request spends: per client IP, and per user once signed in. */
function apiBudgets(req: NextRequest, uid: string | null, ip: string): [RateBucket, string][] {
  const { pathname } = req.nextUrl;
  if (pathname.startsWith('/api/webhooks/')) return [['webhookIp', ip]];
  // Sign-in attempts spend 'signinIp' in the Credentials provider (lib/auth/options.ts), once per attempt
  // whichever way they arrive (the login form's action or Auth.js's own endpoint); here only the API budget.
  if (pathname.startsWith('/api/auth/')) return [['apiIp', ip]];
  const budgets: [RateBucket, string][] = [['apiIp', ip]];
  if (uid) budgets.push(['apiUser', uid]);
  return budgets;
}

/** The budget a page request or server action spends: per user once signed in, else per client IP. */
function pageBudgets(req: NextRequest, uid: string | null, ip: string): [RateBucket, string][] {
  if (!uid) return [['pageIp', ip]];
  return [[req.method === 'POST' && req.headers.has('next-action') ? 'actionUser' : 'pageUser', uid]];
}

/** A page over budget: a small page (plain text for navigations, prefetches and actions) with Retry-After. */
function tooManyPageRequests(req: NextRequest, retryAfterSeconds: number): NextResponse {
  const headers = { 'Retry-After': String(retryAfterSeconds), 'Cache-Control': 'no-store' };
  const message = `Too many requests. Try again in ${retryAfterSeconds} seconds.`;
  if (req.headers.has('rsc') || req.headers.has('next-action') || !(req.headers.get('accept') ?? '').includes('text/html')) {
    return new NextResponse(message, { status: 429, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' } });
  }
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Too many requests · Paidline</title></head><body><main><h1>Too many requests</h1><p>${message}</p></main></body></html>`;
  return new NextResponse(html, { status: 429, headers: { ...headers, 'content-type': 'text/html; charset=utf-8' } });
}

async function rateLimited(req: NextRequest, uid: string | null): Promise<NextResponse | null> {
  const api = req.nextUrl.pathname.startsWith('/api/');
  const ip = requestMeta(req.headers).ip ?? 'unknown';
  for (const [bucket, key] of api ? apiBudgets(req, uid, ip) : pageBudgets(req, uid, ip)) {
    const result = await consume(bucket, key);
    if (!result.ok) {
      if (!api) return tooManyPageRequests(req, result.retryAfterSeconds);
      // The source's monitoring shows the refusal: one attempt row per source and window, never one per request.
      if (bucket === 'webhookIp') await noteRateLimitedWebhook({ pathname: req.nextUrl.pathname, ip: key, retryAfterSeconds: result.retryAfterSeconds });
      return NextResponse.json(
        { error: `Too many requests. Try again in ${result.retryAfterSeconds} seconds.` },
        { status: 429, headers: { 'Retry-After': String(result.retryAfterSeconds) } },
      );
    }
  }
  return null;
}

async function route(req: NextRequest, requestHeaders: Headers): Promise<NextResponse> {
  const { pathname, search } = req.nextUrl;
  // A server action posted from another origin: Next.js refuses it with an opaque 500; say 403 and why.
  if (req.headers.has('next-action')) {
    const refusal = crossSiteRefusal(req);
    if (refusal) return new NextResponse(refusal.message, { status: 403, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    // Over Next.js's body limit, or not decodable: 413 / 400 with the reason, not Next.js's 500.
    const bad = pathname.startsWith('/api/') ? null : await serverActionBodyRefusal(req);
    if (bad) return new NextResponse(bad.message, { status: bad.status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }
  const uid = await signedInUser(req);
  const limited = await rateLimited(req, uid);
  if (limited) return limited;
  if (isPublicPath(pathname) || uid) return NextResponse.next({ request: { headers: requestHeaders } });
  // The public API authenticates each request by its bearer token (lib/server/pipeline/api.ts), and answers problem+json itself.
  if (pathname.startsWith('/api/v1/')) return NextResponse.next({ request: { headers: requestHeaders } });
  // A scraper authenticates with the metrics bearer token; the route handler checks it (or an admin session).
  if (pathname === '/api/metrics' && /^Bearer\s/i.test(req.headers.get('authorization') ?? '')) return NextResponse.next({ request: { headers: requestHeaders } });

  if (pathname.startsWith('/api/')) {
    return NextResponse.json({ error: 'Sign in to use this API.' }, { status: 401 });
  }
  const login = new URL('/login', req.nextUrl.origin);
  if (pathname !== '/') login.searchParams.set('callbackUrl', `${pathname}${search}`);
  return NextResponse.redirect(login);
}

export default async function proxy(req: NextRequest) {
  // A fresh nonce per request: Next.js reads it from the request's CSP header and puts it on its scripts.
  const nonce = newNonce();
  const https = isHttps(req.nextUrl, req.headers);
  const csp = contentSecurityPolicy(nonce, { https, dev: process.env.NODE_ENV === 'development' });
  const requestHeaders = new Headers(req.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set('Content-Security-Policy', csp);
  // One id per request (a well-formed one from a reverse proxy is kept): handlers log with it, the response returns it.
  const requestId = requestIdFrom(req.headers);
  requestHeaders.set(REQUEST_ID_HEADER, requestId);

  const response = await route(req, requestHeaders);
  response.headers.set(REQUEST_ID_HEADER, requestId);
  response.headers.set('Content-Security-Policy', csp);
  if (https) response.headers.set('Strict-Transport-Security', 'max-age=63072000; includeSubDomains');
  return response;
}

export const config = {
  // Not the streaming upload route: Next.js buffers the whole body of a proxied request and cuts it
  // at 10 MB (proxyClientMaxBodySize). That route checks sign-in, role and rate limits itself.
  // The same for the API's upload route (/api/v1/sources/{id}/uploads): the API pipeline spends the per-IP budget there.
  matcher: ['/((?!_next/static|_next/image|favicon.ico|favicon.svg|robots.txt|images/|api/sources/[^/]+/uploads$|api/v1/sources/[^/]+/uploads$).*)'],
};
