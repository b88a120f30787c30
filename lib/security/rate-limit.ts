import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Request budgets per bucket. A memory store serves one instance; several instances
 * behind a proxy need a shared store (PostgreSQL or Redis) to hold limits across them.
 */
export const RATE_LIMITS = {
  /** Sign-in attempts per client IP (on top of the per-account lockout). */
  signinIp: { points: 20, duration: 60 },
  /** API calls per signed-in user. */
  apiUser: { points: 600, duration: 60 },
  /** API calls per client IP (signed in or not). */
  apiIp: { points: 1200, duration: 60 },
  /** Upload starts per user. */
  uploadUser: { points: 30, duration: 60 },
  /** Webhook deliveries per client IP. */
  webhookIp: { points: 600, duration: 60 },
} as const;
export type RateBucket = keyof typeof RATE_LIMITS;

// Kept on globalThis: Next.js may load this module more than once in one server.
const holder = globalThis as unknown as { __paidlineRateLimiters?: Map<RateBucket, RateLimiterMemory> };

function limiter(bucket: RateBucket): RateLimiterMemory {
  holder.__paidlineRateLimiters ??= new Map();
  let l = holder.__paidlineRateLimiters.get(bucket);
  if (!l) {
    const scale = Number(process.env.PAIDLINE_RATE_LIMIT_SCALE ?? 1);
    const { points, duration } = RATE_LIMITS[bucket];
    l = new RateLimiterMemory({ keyPrefix: bucket, points: Math.max(1, Math.round(points * (scale > 0 ? scale : 1))), duration });
    holder.__paidlineRateLimiters.set(bucket, l);
  }
  return l;
}

/** Spends one point; when the budget is gone, says how many seconds to wait. */
export async function consume(bucket: RateBucket, key: string): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
  try {
    await limiter(bucket).consume(key);
    return { ok: true };
  } catch (error) {
    if (error instanceof RateLimiterRes) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) };
    throw error;
  }
}

/** Forgets every budget (tests). */
export function resetRateLimits(): void {
  holder.__paidlineRateLimiters?.clear();
}
