/**
 * Open-addressing hash table from normalised key to a dense slot number
 * (0, 1, 2... in first-seen order). Faster and leaner than a Map for millions
 * of keys.
 *
 * Each bucket is 32 bytes: hash, slot + 1 (0 = empty), length, and the key's
 * characters inline when it has at most 20 of them, all Latin-1: a lookup
 * then touches a single cache line, and no string is kept for such keys (it
 * is rebuilt on demand by keyOf). Other keys are kept as strings (a negative
 * length marks them). The layout is in layout.ts: the CLI's subclass
 * (tools/reconcile-cli/keytable.ts) looks keys up straight from the bytes of
 * a CSV line in the same buckets.
 */
import { BYTES, INLINE, KEY_AT, LONG, SLOT_KEY, STRIDE } from './layout';

const plainBuffer = (bytes: number): ArrayBufferLike => new ArrayBuffer(bytes);

export class KeyTable {
  protected count = 0;
  protected i32: Int32Array;
  protected u8: Uint8Array;
  protected mask: number;
  /**
   * Slot -> key bytes (SLOT_KEY bytes a slot), a copy of the inline keys in
   * slot order: the output pass reads keys sequentially instead of visiting
   * buckets in random order.
   */
  protected slotKeys: Uint8Array;
  /** Keys that are not stored inline: slot -> key. */
  protected readonly long = new Map<number, string>();

  /**
   * `expected`: number of keys to size for (load factor at most 0.7 up to it).
   * `alloc`: allocates the first buckets and the slot-ordered keys (the CLI
   * passes SharedArrayBuffers, for another thread to read or pre-fault).
   */
  constructor(
    expected = 0,
    protected readonly alloc: (bytes: number) => ArrayBufferLike = plainBuffer,
  ) {
    let bucketCount = 1024;
    while (bucketCount * 0.7 < expected) bucketCount *= 2;
    const buf = alloc(bucketCount * BYTES);
    this.i32 = new Int32Array(buf);
    this.u8 = new Uint8Array(buf);
    this.mask = bucketCount - 1;
    this.slotKeys = new Uint8Array(alloc(Math.max(1024, Math.ceil(bucketCount * 0.7) + 1) * SLOT_KEY));
  }

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
  protected claim(h: number, b: number): number {
    const slot = this.count++;
    if ((slot + 1) * SLOT_KEY > this.slotKeys.length) {
      const x = new Uint8Array(this.alloc(this.slotKeys.length * 2));
      x.set(this.slotKeys);
      this.slotKeys = x;
    }
    const o = b * STRIDE;
    this.i32[o] = h;
    this.i32[o + 1] = slot + 1;
    return slot;
  }

  protected afterInsert(): void {
    if (this.count * 10 > (this.mask + 1) * 7) this.grow();
  }

  protected insert(key: string, h: number, b: number): number {
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
}
