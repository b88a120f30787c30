import { Redis } from 'ioredis';
import { Pool } from 'pg';
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { processSlot } from '@/lib/server/core/process-state';

/**
 * Request budgets per bucket. One instance keeps them in memory; several instances behind a
 * proxy share them through PostgreSQL or Redis (PAIDLINE_RATE_LIMIT_STORE), so a client cannot
 * multiply its budget by the number of instances.
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
  /**
   * Page requests per signed-in user: documents, client navigations and link prefetches (one dashboard
   * view is 24: the page and 23 prefetches of its visible links), so 25 views a minute. Generous for a
   * person, a cap for a script; lib/server/page-concurrency.ts also keeps a user's pages to a few at a time.
   */
  pageUser: { points: 600, duration: 60 },
  /** Server-action POSTs per signed-in user (resolve, comment, settings...; bulk work is one action). */
  actionUser: { points: 120, duration: 60 },
  /** Page requests and server actions per client IP while signed out (the sign-in page and its form). */
  pageIp: { points: 300, duration: 60 },
  /** API calls per personal access token (/api/v1): the budget its RateLimit headers report. */
  apiToken: { points: 600, duration: 60 },
  /** Re-verifications of a signed-in user (current password to change it, a code to turn MFA off or renew recovery codes): no oracle for guessing. */
  reverifyUser: { points: 10, duration: 15 * 60 },
} as const;
export type RateBucket = keyof typeof RATE_LIMITS;

export type RateLimitStore = 'memory' | 'postgres' | 'redis';
/** Spent: what is left of the window's budget and when it refills (for RateLimit headers). */
export type ConsumeResult = { ok: true; limit?: number; remaining?: number; resetSeconds?: number } | { ok: false; retryAfterSeconds: number; limit?: number };

export interface RateLimitConfig {
  store: RateLimitStore;
  /** postgres:// or redis:// URL of the shared store (not used by the memory store). */
  url?: string;
  /** Multiplies every budget (tests and journeys that sign in many times from one address). */
  scale?: number;
  /** Key namespace in the shared store: instances that must share budgets use the same one. */
  namespace?: string;
}

export interface RateLimiters {
  readonly store: RateLimitStore;
  consume(bucket: RateBucket, key: string): Promise<ConsumeResult>;
  close(): Promise<void>;
}

/** The shared table for the PostgreSQL store; created on first use (it holds only counters). */
export const RATE_LIMIT_TABLE = 'paidline_rate_limit';

/** Reads the store from the environment; a misconfiguration is an error at the first request, never a silent fallback. */
export function rateLimitConfigFromEnv(env: Record<string, string | undefined> = process.env): RateLimitConfig {
  const raw = (env.PAIDLINE_RATE_LIMIT_STORE ?? 'memory').trim().toLowerCase();
  const scale = Number(env.PAIDLINE_RATE_LIMIT_SCALE ?? 1);
  const namespace = env.PAIDLINE_RATE_LIMIT_NAMESPACE || 'paidline';
  if (raw === 'memory' || raw === '') return { store: 'memory', scale };
  if (raw === 'postgres' || raw === 'postgresql') {
    const url = env.PAIDLINE_RATE_LIMIT_URL || env.DATABASE_URL;
    if (!url || !/^postgres(ql)?:\/\//.test(url)) {
      throw new Error('PAIDLINE_RATE_LIMIT_STORE=postgres needs a postgres:// URL in PAIDLINE_RATE_LIMIT_URL or DATABASE_URL.');
    }
    return { store: 'postgres', url, scale, namespace };
  }
  if (raw === 'redis') {
    const url = env.PAIDLINE_RATE_LIMIT_URL || env.REDIS_URL || 'redis://127.0.0.1:6379';
    if (!/^rediss?:\/\//.test(url)) throw new Error('PAIDLINE_RATE_LIMIT_STORE=redis needs a redis:// URL in PAIDLINE_RATE_LIMIT_URL or REDIS_URL.');
    return { store: 'redis', url, scale, namespace };
  }
  throw new Error(`PAIDLINE_RATE_LIMIT_STORE must be memory, postgres or redis (got "${env.PAIDLINE_RATE_LIMIT_STORE}").`);
}

function budget(bucket: RateBucket, scale: number | undefined) {
  const { points, duration } = RATE_LIMITS[bucket];
  const s = scale && Number.isFinite(scale) && scale > 0 ? scale : 1;
  return { points: Math.max(1, Math.round(points * s)), duration };
}

/**
 * Builds one set of limiters. With a shared store, each limiter is insured by a memory limiter
 * of the same budget: if the store is unreachable, limits still hold per instance (neither
 * failing open nor refusing every request).
 */
export function createRateLimiters(config: RateLimitConfig): RateLimiters {
  const limiters = new Map<RateBucket, RateLimiterAbstract>();
  let pool: Pool | null = null;
  let redis: Redis | null = null;
  let tableReady: Promise<void> | null = null;

  if (config.store === 'postgres') {
    pool = new Pool({ connectionString: config.url, max: 4, idleTimeoutMillis: 10_000, connectionTimeoutMillis: 2_000 });
    // An idle client's error must not crash the server; the insurance limiter covers the outage.
    pool.on('error', () => {});
  } else if (config.store === 'redis') {
    redis = new Redis(config.url!, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
    redis.on('error', () => {});
  }

  async function limiter(bucket: RateBucket): Promise<RateLimiterAbstract> {
    const existing = limiters.get(bucket);
    if (existing) return existing;
    const { points, duration } = budget(bucket, config.scale);
    const keyPrefix = `${config.namespace ?? 'paidline'}:${bucket}`;
    const insuranceLimiter = new RateLimiterMemory({ keyPrefix, points, duration });
    let created: RateLimiterAbstract;
    if (pool) {
      tableReady ??= pool
        .query(`CREATE TABLE IF NOT EXISTS "${RATE_LIMIT_TABLE}" (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`)
        .then(() => undefined)
        .catch((error: { code?: string }) => {
          if (error.code === '23505') return; // created concurrently by another instance
          tableReady = null; // try again on the next request; the insurance limiter serves meanwhile
          throw error;
        });
      await tableReady.catch(() => {});
      created = new RateLimiterPostgres({
        storeClient: pool,
        storeType: 'pool',
        tableName: RATE_LIMIT_TABLE,
        tableCreated: true,
        clearExpiredByTimeout: true,
        keyPrefix,
        points,
        duration,
        insuranceLimiter,
      });
    } else if (redis) {
      await redisReady(redis);
      created = new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration, insuranceLimiter });
    } else {
      created = insuranceLimiter;
    }
    limiters.set(bucket, created);
    return created;
  }

  return {
    store: config.store,
    async consume(bucket, key) {
      try {
        const l = await limiter(bucket);
        const res = await l.consume(key);
        return { ok: true, limit: l.points, remaining: Math.max(0, res.remainingPoints), resetSeconds: Math.max(0, Math.ceil(res.msBeforeNext / 1000)) };
      } catch (error) {
        if (error instanceof RateLimiterRes) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) };
        throw error;
      }
    },
    async close() {
      limiters.clear();
      await pool?.end().catch(() => {});
      redis?.disconnect();
    },
  };
}

/**
 * Commands are not queued while Redis is offline (a request must not hang on the limiter), so
 * the first use waits briefly for the connection; past that, the insurance limiter answers.
 */
async function redisReady(redis: Redis, timeoutMs = 1_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      redis.off('end', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once('ready', done);
    redis.once('end', done);
  });
}

// One per process (lib/server/core/process-state.ts): Next.js may load this module more than once in one server.
const slot = processSlot<RateLimiters>('rate-limiters');

/** Spends one point of the configured store; when the budget is gone, says how many seconds to wait. */
export async function consume(bucket: RateBucket, key: string): Promise<ConsumeResult> {
  return slot.getOrCreate(() => createRateLimiters(rateLimitConfigFromEnv())).consume(bucket, key);
}

/** Forgets every budget and the configured store (tests). */
export function resetRateLimits(): void {
  const current = slot.get();
  slot.set(undefined);
  void current?.close();
}
