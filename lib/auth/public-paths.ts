/**
 * Paths anyone may open without signing in. Everything else needs a session.
 * Webhooks authenticate each request by its signature instead (lib/features/ingestion/webhooks); the Telegram
 * webhook by its secret-token header (lib/features/escalation/telegram-webhook.ts).
 */
const PUBLIC_EXACT = new Set(['/login', '/api/health', '/api/telegram/webhook']);
const PUBLIC_PREFIXES = ['/api/auth/', '/api/webhooks/'];

export function isPublicPath(pathname: string): boolean {
  return PUBLIC_EXACT.has(pathname) || PUBLIC_PREFIXES.some((prefix) => pathname.startsWith(prefix));
}
