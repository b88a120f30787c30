/**
 * Content Security Policy with a fresh nonce per request: scripts run only when
 * they carry the nonce (Next.js adds it to its own), never inline or from other
 * origins. Style sheets likewise: Paidline's own files, or a <style> element carrying
 * the nonce, so injected markup cannot restyle the page (hide a row, overlay a fake
 * button). Only style *attributes* stay inline-able (style-src-attr, CSP level 3):
 * React components and the charts set them, and an attribute cannot load anything.
 * The dev server injects its styles as plain <style> elements, so development keeps
 * 'unsafe-inline' for elements too.
 */
export function contentSecurityPolicy(nonce: string, opts: { https: boolean; dev: boolean }): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${opts.dev ? " 'unsafe-eval'" : ''}`,
    opts.dev ? "style-src 'self' 'unsafe-inline'" : `style-src 'self' 'nonce-${nonce}'`,
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(opts.https ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}

/** Strict-Transport-Security for responses to HTTPS requests (two years, subdomains included). */
export const HSTS = 'max-age=63072000; includeSubDomains';

/** Whether the client reached us over HTTPS (directly or through a TLS-terminating proxy). */
export function isHttps(url: URL, headers: Headers): boolean {
  return url.protocol === 'https:' || headers.get('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
}

export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

/**
 * The URL the client used: behind a TLS-terminating proxy Next.js sees http://, so Auth.js would pick the
 * plain cookie names while the browser holds the __Secure- ones. With X-Forwarded-Proto: https the URL is
 * rewritten to https:// before Auth.js reads it (lib/auth/auth.ts wraps its route handlers with this).
 */
export function clientFacingUrl(url: string, headers: Headers): string {
  const parsed = new URL(url);
  if (parsed.protocol === 'http:' && isHttps(parsed, headers)) parsed.protocol = 'https:';
  return parsed.toString();
}
