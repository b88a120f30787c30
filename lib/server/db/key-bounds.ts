/**
 * Key ranges for splitting work over the records' keys (a partitioned run, a ledger fill split
 * between workers): the keys at equal steps of the largest source's records, read in one scan of
 * its (sourceId, key) index. A range is (after, upTo]: the keys after `after` up to `upTo`, either
 * open when null. Ranges replace the hash buckets records once carried (a `keyBucket` column whose
 * index, in random order, cost 40% of a bulk load on PostgreSQL: docs/data-plane.md).
 */
import { clientTarget, type DbClient as Client } from './client';

/** The keys after `after` up to `upTo` (null: no bound), in key order. */
export type KeyRange = { after: string | null; upTo: string | null };
export const WHOLE_RANGE: KeyRange = { after: null, upTo: null };

/** The source with the most records, and how many: a split's size (it has at least as many keys, less duplicates). */
export async function largestSource(db: Client, sourceIds: readonly string[]): Promise<{ sourceId: string; n: number }> {
  let largest = { sourceId: sourceIds[0]!, n: -1 };
  for (const sourceId of sourceIds) {
    const n = await db.sourceRecord.count({ where: { sourceId } });
    if (n > largest.n) largest = { sourceId, n };
  }
  return largest;
}

/**
 * Where `parts` ranges split the largest source's keys: at most parts - 1 distinct keys, increasing
 * (fewer when the source has fewer distinct keys than parts, or none).
 */
export async function keyBounds(db: Client, largest: { sourceId: string; n: number }, parts: number): Promise<string[]> {
  if (parts < 2 || largest.n < parts) return [];
  const step = Math.floor(largest.n / parts);
  const p = clientTarget(db).kind === 'postgres' ? '$1' : '?';
  const rows = await db.$queryRawUnsafe<{ key: string }[]>(
    `SELECT "key" FROM (SELECT "key", ROW_NUMBER() OVER (ORDER BY "key") AS "n" FROM "SourceRecord" WHERE "sourceId" = ${p}) t
     WHERE "n" % ${step} = 0 ORDER BY "n" LIMIT ${parts - 1}`,
    largest.sourceId,
  );
  const bounds: string[] = [];
  for (const { key } of rows) if (!bounds.length || key > bounds[bounds.length - 1]!) bounds.push(key);
  return bounds;
}

/** The ranges `bounds` cut the keys into: bounds.length + 1 of them, together every key once. */
export function rangesOf(bounds: readonly string[]): KeyRange[] {
  return [null, ...bounds].map((after, i) => ({ after, upTo: bounds[i] ?? null }));
}
