/**
 * Open-addressing hash table from normalised key to a dense slot number
 * (0, 1, 2... in first-seen order). Faster and leaner than a Map for millions
 * of keys, and it can look a key up straight from a region of a larger string
 * (a CSV chunk) without allocating a substring.
 */
export class KeyTable {
  /** Slot -> key. */
  readonly keys: string[] = [];
  private hashes: Int32Array;
  /** Bucket b: [2b] = hash, [2b + 1] = slot + 1 (0 = empty); one cache line per probe. */
  private buckets: Int32Array;
  private mask: number;

  /** `expected`: number of keys to size for (load factor under 1/2 up to it). */
  constructor(expected = 0) {
    let bucketCount = 2048;
    while (bucketCount < expected * 2) bucketCount *= 2;
    this.buckets = new Int32Array(bucketCount * 2);
    this.mask = bucketCount - 1;
    this.hashes = new Int32Array(Math.max(1024, expected));
  }

  get size(): number {
    return this.keys.length;
  }

  /** FNV-1a over UTF-16 code units (the same function as partition.hashKey). */
  static hash(key: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) {
      h ^= key.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    return h;
  }

  private grow(): void {
    const size = this.buckets.length; // doubles the bucket count
    const buckets = new Int32Array(size * 2);
    const mask = size - 1;
    const n = this.keys.length;
    for (let s = 0; s < n; s++) {
      const h = this.hashes[s] as number;
      let b = h & mask;
      while (buckets[2 * b + 1] !== 0) b = (b + 1) & mask;
      buckets[2 * b] = h;
      buckets[2 * b + 1] = s + 1;
    }
    this.buckets = buckets;
    this.mask = mask;
  }

  private insert(key: string, h: number, b: number): number {
    const slot = this.keys.length;
    this.keys.push(key);
    if (slot === this.hashes.length) {
      const x = new Int32Array(slot * 2);
      x.set(this.hashes);
      this.hashes = x;
    }
    this.hashes[slot] = h;
    this.buckets[2 * b] = h;
    this.buckets[2 * b + 1] = slot + 1;
    if ((slot + 1) * 4 > this.buckets.length) this.grow();
    return slot;
  }

  /** Slot of `key`, inserting it when new. */
  slot(key: string): number {
    const h = KeyTable.hash(key);
    const mask = this.mask;
    let b = h & mask;
    const buckets = this.buckets;
    for (;;) {
      const v = buckets[2 * b + 1] as number;
      if (v === 0) return this.insert(key, h, b);
      if (buckets[2 * b] === h && this.keys[v - 1] === key) return v - 1;
      b = (b + 1) & mask;
    }
  }

  /**
   * Slot of the key held in text[start, end), upper-casing ASCII letters when
   * `fold`. The caller guarantees the region is trimmed and ASCII (so that it
   * equals what trim() and toUpperCase() would give). Inserts when new.
   */
  slotRegion(text: string, start: number, end: number, fold: boolean): number {
    let h = 0x811c9dc5;
    let lower = false;
    for (let i = start; i < end; i++) {
      let c = text.charCodeAt(i);
      if (fold && c >= 97 && c <= 122) {
        c -= 32;
        lower = true;
      }
      h ^= c;
      h = Math.imul(h, 0x01000193);
    }
    const len = end - start;
    const mask = this.mask;
    let b = h & mask;
    const buckets = this.buckets;
    for (;;) {
      const v = buckets[2 * b + 1] as number;
      if (v === 0) {
        let key = text.slice(start, end);
        if (lower) key = key.toUpperCase();
        return this.insert(key, h, b);
      }
      const s = v - 1;
      if (buckets[2 * b] === h) {
        const k = this.keys[s] as string;
        if (k.length === len) {
          if (!lower) {
            if (text.startsWith(k, start)) return s;
          } else {
            let i = 0;
            for (; i < len; i++) {
              let c = text.charCodeAt(start + i);
              if (c >= 97 && c <= 122) c -= 32;
              if (c !== k.charCodeAt(i)) break;
            }
            if (i === len) return s;
          }
        }
      }
      b = (b + 1) & mask;
    }
  }

  /** Releases the memory (keys are kept only if `keepKeys`). */
  clearIndex(): void {
    this.buckets = new Int32Array(0);
    this.hashes = new Int32Array(0);
    this.mask = -1;
  }
}
