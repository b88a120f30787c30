/**
 * Retry schedule of a failed delivery: 30 s, 1 min, 2 min... doubling up to 1 h, or what the
 * receiver asked for (Telegram's retry_after, an HTTP Retry-After) when that is longer.
 * After MAX_DELIVERY_ATTEMPTS the delivery is "failed" and stays visible in the alert history.
 */
export const MAX_DELIVERY_ATTEMPTS = 8;
const BASE_MS = 30_000;
const CAP_MS = 3_600_000;

/** Delay before the next attempt after `attempts` failed ones (1 = the first failed). */
export function retryDelayMs(attempts: number, retryAfterSeconds: number | null = null): number {
  const exp = Math.min(CAP_MS, BASE_MS * 2 ** Math.max(0, attempts - 1));
  const asked = retryAfterSeconds !== null && retryAfterSeconds > 0 ? Math.min(CAP_MS, retryAfterSeconds * 1000) : 0;
  return Math.max(exp, asked);
}
