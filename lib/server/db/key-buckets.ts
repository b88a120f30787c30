/**
 * Key buckets: SourceRecord.keyBucket = hashKey(key) % 1024, written with every record, so a
 * partitioned run reads only its keys (keyBucket % partitions == index) through the
 * (sourceId, keyBucket, key) index. Rows written before buckets existed hold -1 and are
 * backfilled before a partitioned run reads them.
 */
import { hashKey } from '@/lib/reconcile/partition';
import type { getPrisma } from './client';

type Client = ReturnType<typeof getPrisma>;

export const KEY_BUCKETS = 1024;

export function keyBucketOf(key: string): number {
  return hashKey(key) % KEY_BUCKETS;
}

/** The buckets of one partition of `count`. */
export function partitionBuckets(index: number, count: number): number[] {
  const out: number[] = [];
  for (let b = index; b < KEY_BUCKETS; b += count) out.push(b);
  return out;
}

/**
 * Computes the bucket of the sources' rows still at -1, in batches; idempotent (a row is only
 * ever set to its one bucket) and safe to run from several workers at once. Returns rows updated.
 */
export async function backfillKeyBuckets(db: Client, sourceIds: readonly string[], batch = 5000): Promise<number> {
  let updated = 0;
  for (const sourceId of sourceIds) {
    for (;;) {
      const rows = await db.sourceRecord.findMany({ where: { sourceId, keyBucket: -1 }, select: { id: true, key: true }, take: batch, orderBy: { id: 'asc' } });
      if (!rows.length) break;
      // Ids and buckets are integers: the statement is built from numbers only.
      const cases = rows.map((r) => `WHEN ${Number(r.id)} THEN ${keyBucketOf(r.key)}`).join(' ');
      const ids = rows.map((r) => Number(r.id)).join(',');
      updated += await db.$executeRawUnsafe(`UPDATE "SourceRecord" SET "keyBucket" = CASE "id" ${cases} END WHERE "id" IN (${ids}) AND "keyBucket" = -1`);
      if (rows.length < batch) break;
    }
  }
  return updated;
}
