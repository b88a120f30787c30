/**
 * Cross-site request forgery: a page on another origin of the same site (another port, a sibling
 * subdomain) can make a signed-in browser send a POST with its cookies; SameSite=Lax does not stop
 * same-site origins. Every state-changing request that a session authenticates must therefore come
 * from Paidline's own origin: the browser's Origin header must be the app's (the request's own
 * origin, or PAIDLINE_PUBLIC_URL's behind a reverse proxy). A missing Origin is refused too: every
 * browser sends it on a POST, and a script without it has no business using a session cookie.
 */
import { AppError } from '@/lib/server/core/app-error';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isStateChanging(method: string): boolean {
  return UNSAFE.has(method.toUpperCase());
}

function originOf(url: string | undefined | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** The origins Paidline answers on for this request. */
export function ownOrigins(request: { url: string; headers: Headers }): Set<string> {
  const own = new Set<string>();
  const fromUrl = originOf(request.url);
  if (fromUrl) own.add(fromUrl);
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host');
  if (host) {
    const proto = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim() || (fromUrl ? new URL(fromUrl).protocol.replace(':', '') : 'http');
    const fromHost = originOf(`${proto}://${host}`);
    if (fromHost) own.add(fromHost);
  }
  const pub = originOf(process.env.PAIDLINE_PUBLIC_URL);
  if (pub) own.add(pub);
  return own;
}

/** Null when the request may go on; otherwise the 403 it gets. */
export function crossSiteRefusal(request: { method: string; url: string; headers: Headers }): AppError | null {
  if (!isStateChanging(request.method)) return null;
  const origin = request.headers.get('origin');
  if (!origin) {
    return new AppError('forbidden', 'Refused: this request does not say which page sent it (no Origin header). Use Paidline from its own pages.');
  }
  if (!ownOrigins(request).has(origin)) {
    return new AppError('forbidden', `Refused: a request from ${origin.slice(0, 100)} may not act with your Paidline session.`);
  }
  return null;
}
