/**
 * Key partitioning: a run over all keys equals the merge of runs over the
 * partitions, because every record of a key lands in the same partition.
 */

/** 32-bit FNV-1a hash of a string's UTF-16 code units. Stable across runs and machines. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Partition (0..partitions-1) of a normalised key. */
export function partitionOf(key: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError('partitions must be a positive integer');
  return hashKey(key) % partitions;
}
