/**
 * The dashboard's figures, computed once per filter and data version. Every dashboard request still
 * reads the run it reports on (romi-queries.ts dashboardRun: the RomiBuild row), whose `builtAt` and
 * `revision` change with every write to the run's RomiDaily rows: a rebuild writes a new build row
 * (new builtAt, revision 0) and a review decision bumps the revision in its own transaction
 * (apply-row-change.ts). The key holds both, so an answer cached for an older version is never served
 * again; it just ages out of the LRU. One process-wide cache per database client, bounded in entries
 * (PAIDLINE_DASHBOARD_CACHE_SIZE, default 256); PAIDLINE_DASHBOARD_CACHE=off turns it off (the bench's peer).
 *
 * Concurrent requests for the same key share one computation. Cached values are shared between
 * requests: readers must not mutate them.
 */
import { processSlot } from '@/lib/server/core/process-state';
import type { RomiRunInfo } from './romi-queries';

export function dashboardCacheEnabled(env: Record<string, string | undefined> = process.env): boolean {
  return !/^(off|0|false|no)$/i.test((env.PAIDLINE_DASHBOARD_CACHE ?? '').trim());
}

function capacity(env: Record<string, string | undefined> = process.env): number {
  const n = Number(env.PAIDLINE_DASHBOARD_CACHE_SIZE ?? 256);
  return Number.isInteger(n) && n > 0 ? n : 256;
}

/** A least-recently-used map of promises; a rejected computation is forgotten (the next request tries again). */
export class LruPromiseCache<V> {
  private readonly entries = new Map<string, Promise<V>>();
  hits = 0;
  misses = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  getOrCompute(key: string, compute: () => Promise<V>): Promise<V> {
    const found = this.entries.get(key);
    if (found) {
      this.hits++;
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(key);
      this.entries.set(key, found);
      return found;
    }
    this.misses++;
    const made = compute();
    this.entries.set(key, made);
    made.catch(() => {
      if (this.entries.get(key) === made) this.entries.delete(key);
    });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return made;
  }

  clear(): void {
    this.entries.clear();
  }
}

type Caches = WeakMap<object, LruPromiseCache<unknown>>;
const slot = processSlot<Caches>('romi.dashboard-cache');

/** The cache of one database client (tests and benches use several databases in one process). */
export function dashboardCache<V>(db: object): LruPromiseCache<V> {
  const caches = slot.getOrCreate(() => new WeakMap());
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new LruPromiseCache<unknown>(capacity())));
  return cache as LruPromiseCache<V>;
}

/** The key of one filter on one version of a run's aggregate. */
export function dashboardCacheKey(run: Pick<RomiRunInfo, 'runId' | 'builtAt' | 'revision'>, parts: readonly (string | undefined)[]): string {
  return JSON.stringify([run.runId, run.builtAt.getTime(), run.revision, ...parts.map((p) => p ?? null)]);
}

/** Forgets every cached answer (tests). */
export function resetDashboardCache(): void {
  slot.set(undefined);
}
