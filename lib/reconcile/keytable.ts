/**
 * Open-addressing hash table from normalised key to a dense slot number
 * (0, 1, 2... in first-seen order). Faster and leaner than a Map for millions
 * of keys, and it can look a key up straight from the bytes of a CSV line
 * (slotBytes) without allocating a string.
 *
 * Each bucket is 32 bytes: hash, slot + 1 (0 = empty), length, and the key's
 * characters inline when it has at most 20 of them, all Latin-1: a lookup
 * then touches a single cache line, and no string is kept for such keys (it
 * is rebuilt on demand by keyOf). Other keys are kept as strings (a negative
 * length marks them).
 */
const STRIDE = 8; // int32 per bucket
const INLINE = 20; // key bytes stored in the bucket
const BYTES = STRIDE * 4;
const KEY_AT = 12; // byte offset of the key in a bucket
/** Per slot, in slot order: length (255 = kept as a string) then the key's bytes (for sequential output). */
const SLOT_KEY = 24;
const LONG = 255;

export class KeyTable {
  private count = 0;
  private i32: Int32Array;
  private u8: Uint8Array;
  private mask: number;
  /**
   * Slot -> key bytes (SLOT_KEY bytes a slot), a copy of the inline keys in
   * slot order: the output pass reads keys sequentially instead of visiting
   * buckets in random order.
   */
  private slotKeys: Uint8Array;
  /** Keys that are not stored inline: slot -> key. */
  private readonly long = new Map<number, string>();

  /** Allocates the slot-ordered key copy (SharedArrayBuffer when shared, for other threads to read). */
  private readonly alloc: (bytes: number) => Uint8Array;

  /**
   * `expected`: number of keys to size for (load factor at most 0.7 up to it).
   * `shared`: keep the slot-ordered keys in a SharedArrayBuffer (see `exportKeys`).
   */
  constructor(expected = 0, shared = false) {
    this.alloc = shared ? (bytes) => new Uint8Array(new SharedArrayBuffer(bytes)) : (bytes) => new Uint8Array(bytes);
    let bucketCount = 1024;
    while (bucketCount * 0.7 < expected) bucketCount *= 2;
    // shared too, so that another thread can pre-fault its pages (see Reconciler.sharedBuffers)
    const buf = shared ? new SharedArrayBuffer(bucketCount * BYTES) : new ArrayBuffer(bucketCount * BYTES);
    this.i32 = new Int32Array(buf);
    this.u8 = new Uint8Array(buf);
    this.mask = bucketCount - 1;
    this.slotKeys = this.alloc(Math.max(1024, Math.ceil(bucketCount * 0.7) + 1) * SLOT_KEY);
  }

  /** The buckets' buffer (a SharedArrayBuffer when the table was made shared and has not grown since). */
  get bucketBuffer(): ArrayBufferLike {
    return this.i32.buffer;
  }

  /** What `keyOf`, `keyLength` and `keyBytes` need, for a read-only copy in another thread (no copy when shared). */
  exportKeys(): KeyTableKeys {
    return { slotKeys: this.slotKeys, long: this.long, count: this.count };
  }

  /** A table that only answers `keyOf`, `keyLength`, `keyBytes` and `size` from exported keys. */
  static fromKeys(keys: KeyTableKeys): KeyTable {
    const t = new KeyTable(0);
    t.slotKeys = keys.slotKeys;
    for (const [slot, key] of keys.long) t.long.set(slot, key);
    t.count = keys.count;
    t.frozen = true;
    return t;
  }
  private frozen = false;

  get size(): number {
    return this.count;
  }

  /** Every key, in slot order (allocates: for tests and small tables). */
  get keys(): string[] {
    return Array.from({ length: this.count }, (_, s) => this.keyOf(s));
  }

  /** FNV-1a over UTF-16 code units (the same function as partition.hashKey, before >>> 0). */
  static hash(key: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    return h | 0;
  }

  /** The key of a slot. */
  keyOf(slot: number): string {
    const base = slot * SLOT_KEY;
    const len = this.slotKeys[base] as number;
    if (len === LONG) return this.long.get(slot) as string;
    return String.fromCharCode.apply(null, this.slotKeys.subarray(base + 1, base + 1 + len) as unknown as number[]);
  }

  /** Reads the home bucket of a hash (a cache warm-up for batched lookups). */
  touch(hash: number): number {
    return this.i32[(hash & this.mask) * STRIDE + 1] as number;
  }

  /** Length (UTF-16 units) of a slot's key. */
  keyLength(slot: number): number {
    const len = this.slotKeys[slot * SLOT_KEY] as number;
    return len !== LONG ? len : (this.long.get(slot) as string).length;
  }

  /**
   * Where an inline key's bytes are: fills `out` and returns true, or returns
   * false for a key kept as a string. The bytes are Latin-1 code points.
   */
  keyBytes(slot: number, out: { u8: Uint8Array; offset: number; length: number }): boolean {
    const base = slot * SLOT_KEY;
    const len = this.slotKeys[base] as number;
    if (len === LONG) return false;
    out.u8 = this.slotKeys;
    out.offset = base + 1;
    out.length = len;
    return true;
  }

  private grow(): void {
    const oldI32 = this.i32;
    const oldCount = this.mask + 1;
    const count = oldCount * 2;
    const buf = new ArrayBuffer(count * BYTES);
    const i32 = new Int32Array(buf);
    const mask = count - 1;
    for (let ob = 0; ob < oldCount; ob++) {
      const o = ob * STRIDE;
      const v = oldI32[o + 1] as number;
      if (v === 0) continue;
      let b = (oldI32[o] as number) & mask;
      while (i32[b * STRIDE + 1] !== 0) b = (b + 1) & mask;
      i32.set(oldI32.subarray(o, o + STRIDE), b * STRIDE);
    }
    this.i32 = i32;
    this.u8 = new Uint8Array(buf);
    this.mask = mask;
  }

  /** Claims bucket b for a new slot; the caller writes the key. */
  private claim(h: number, b: number): number {
    if (this.frozen) throw new Error('read-only key table');
    const slot = this.count++;
    if ((slot + 1) * SLOT_KEY > this.slotKeys.length) {
      const x = this.alloc(this.slotKeys.length * 2);
      x.set(this.slotKeys);
      this.slotKeys = x;
    }
    const o = b * STRIDE;
    this.i32[o] = h;
    this.i32[o + 1] = slot + 1;
    return slot;
  }

  private afterInsert(): void {
    if (this.count * 10 > (this.mask + 1) * 7) this.grow();
  }

  private insert(key: string, h: number, b: number): number {
    const slot = this.claim(h, b);
    const len = key.length;
    let inline = len <= INLINE;
    if (inline) {
      const u8 = this.u8;
      const sk = this.slotKeys;
      const base = b * BYTES + KEY_AT;
      const sbase = slot * SLOT_KEY + 1;
      for (let i = 0; i < len; i++) {
        const c = key.charCodeAt(i);
        if (c > 255) {
          inline = false;
          break;
        }
        u8[base + i] = c;
        sk[sbase + i] = c;
      }
    }
    this.i32[b * STRIDE + 2] = inline ? len : -len - 1;
    this.slotKeys[slot * SLOT_KEY] = inline ? len : LONG;
    if (!inline) this.long.set(slot, key);
    this.afterInsert();
    return slot;
  }

  /** Slot of `key`, inserting it when new. */
  slot(key: string): number {
    const h = KeyTable.hash(key);
    const len = key.length;
    const i32 = this.i32;
    const u8 = this.u8;
    const mask = this.mask;
    let b = h & mask;
    for (;;) {
      const o = b * STRIDE;
      const v = i32[o + 1] as number;
      if (v === 0) return this.insert(key, h, b);
      if (i32[o] === h) {
        const l = i32[o + 2] as number;
        if (l === len) {
          const base = b * BYTES + KEY_AT;
          let i = 0;
          while (i < len && u8[base + i] === key.charCodeAt(i)) i++;
          if (i === len) return v - 1;
        } else if (l === -len - 1 && this.long.get(v - 1) === key) return v - 1;
      }
      b = (b + 1) & mask;
    }
  }

  /**
   * Slot of the key held in u8[start, end): bytes of a normalised key, each a
   * Latin-1 code point (as copied by a column recorder), or, with `fold`,
   * trimmed ASCII bytes whose letters are upper-cased here (a CSV line read
   * as bytes). `hash` is `KeyTable.hash` of the normalised key. Inserts when
   * new, without a string for keys of up to 20 bytes.
   */
  slotBytes(u8src: Uint8Array, start: number, end: number, hash: number, fold = false): number {
    const h = hash;
    const len = end - start;
    const i32 = this.i32;
    const u8 = this.u8;
    const mask = this.mask;
    let b = h & mask;
    for (;;) {
      const o = b * STRIDE;
      const v = i32[o + 1] as number;
      if (v === 0) {
        if (len > INLINE) {
          const key = String.fromCharCode.apply(null, u8src.subarray(start, end) as unknown as number[]);
          return this.insert(fold ? key.toUpperCase() : key, h, b);
        }
        const slot = this.claim(h, b);
        const base = b * BYTES + KEY_AT - start;
        const sk = this.slotKeys;
        const sbase = slot * SLOT_KEY;
        sk[sbase] = len;
        const skb = sbase + 1 - start;
        for (let i = start; i < end; i++) {
          let c = u8src[i] as number;
          if (fold && c >= 97 && c <= 122) c -= 32;
          u8[base + i] = c;
          sk[skb + i] = c;
        }
        i32[o + 2] = len;
        this.afterInsert();
        return slot;
      }
      if (i32[o] === h) {
        const l = i32[o + 2] as number;
        if (l === len) {
          const base = b * BYTES + KEY_AT - start;
          let i = start;
          if (fold) {
            for (; i < end; i++) {
              let c = u8src[i] as number;
              if (c >= 97 && c <= 122) c -= 32;
              if (u8[base + i] !== c) break;
            }
          } else {
            while (i < end && u8[base + i] === u8src[i]) i++;
          }
          if (i === end) return v - 1;
        } else if (l === -len - 1) {
          const k = this.long.get(v - 1) as string;
          let i = 0;
          for (; i < len; i++) {
            let c = u8src[start + i] as number;
            if (fold && c >= 97 && c <= 122) c -= 32;
            if (c !== k.charCodeAt(i)) break;
          }
          if (i === len) return v - 1;
        }
      }
      b = (b + 1) & mask;
    }
  }
}

/** The keys of a table in slot order (see KeyTable.exportKeys). */
export interface KeyTableKeys {
  slotKeys: Uint8Array;
  long: Map<number, string>;
  count: number;
}
