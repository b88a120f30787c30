/** Paths anyone may open without signing in. Everything else needs a session. */
const PUBLIC_EXACT = new Set(['/login', '/api/health']);
const PUBLIC_PREFIXES = ['/api/auth/'];

export function isPublicPath(pathname: string): boolean {
  return PUBLIC_EXACT.has(pathname) || PUBLIC_PREFIXES.some((prefix) => pathname.startsWith(prefix));
}
