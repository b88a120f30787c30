/**
 * The CLI's key table: the engine's KeyTable (lib/reconcile/keytable.ts) plus
 * what only the CLI uses: lookups straight from the bytes of a CSV line or of
 * a recorded column (`slotBytes`, no string per key), a cache warm-up for
 * batched lookups (`touch`), the slot-ordered key bytes for the CSV writer
 * (`keyBytes`, `keyLength`), and a read-only copy of the keys for its second
 * thread (`exportKeys`, `fromKeys`; SharedArrayBuffers when `shared`).
 */
import { KeyTable } from '@/lib/reconcile/keytable';
import { BYTES, INLINE, KEY_AT, LONG, SLOT_KEY, STRIDE } from '@/lib/reconcile/layout';

/** The keys of a table in slot order (see CliKeyTable.exportKeys). */
export interface KeyTableKeys {
  slotKeys: Uint8Array;
  long: Map<number, string>;
  count: number;
}

const sharedBuffer = (bytes: number): ArrayBufferLike => new SharedArrayBuffer(bytes);

export class CliKeyTable extends KeyTable {
  private frozen = false;

  /**
   * `shared`: the first buckets and the slot-ordered keys in SharedArrayBuffers,
   * so that another thread can pre-fault their pages (see CliReconciler.sharedBuffers)
   * and read the keys (`exportKeys`) without a copy.
   */
  constructor(expected = 0, shared = false) {
    super(expected, shared ? sharedBuffer : undefined);
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
  static fromKeys(keys: KeyTableKeys): CliKeyTable {
    const t = new CliKeyTable(0);
    t.slotKeys = keys.slotKeys;
    for (const [slot, key] of keys.long) t.long.set(slot, key);
    t.count = keys.count;
    t.frozen = true;
    return t;
  }

  protected override claim(h: number, b: number): number {
    if (this.frozen) throw new Error('read-only key table');
    return super.claim(h, b);
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
