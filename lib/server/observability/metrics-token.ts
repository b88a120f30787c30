import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether a request carries the metrics bearer token (PAIDLINE_METRICS_TOKEN). Compared in
 * constant time (both sides hashed first, so their lengths never leak either). No token
 * configured: never true, and only an admin session can read the metrics.
 */
export function hasMetricsToken(headers: Headers, configured = process.env.PAIDLINE_METRICS_TOKEN): boolean {
  const expected = configured?.trim();
  if (!expected) return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(headers.get('authorization') ?? '');
  if (!m) return false;
  const a = createHash('sha256').update(m[1]!).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
