/**
 * The CLI's Reconciler: the engine's Reconciler (lib/reconcile/engine.ts) plus
 * what only the CLI's byte paths and its second thread use:
 * - keys looked up from bytes (`slotOfBytes`), batched cache warm-ups
 *   (`touchKey`, `touchSlot`) and records added with interned string ids
 *   (`internId`, `addInterned`): see csv-ingest.ts and columns.ts;
 * - per-key data in SharedArrayBuffers (`shared: true`) handed to a worker
 *   (`exportState`, `fromState`) and pre-faulted by writes (`sharedBuffers`,
 *   `prefaultPages`): see the pipelined mode in reconcile.ts.
 * It writes the engine's slot records directly (layout in lib/reconcile/layout.ts).
 */
import { Reconciler, statusIndex, type ReconcileOptions, type ReconcilerStorage } from '@/lib/reconcile/engine';
import { REC_F64, REC_U32, U_CODE, U_COUNT, U_CUR, U_DATE, U_LINE, U_STATUS } from '@/lib/reconcile/layout';
import type { NormalizedRecord, SourceInfo } from '@/lib/reconcile/normalize';
import { CliKeyTable, type KeyTableKeys } from './keytable';

export interface CliReconcileOptions extends ReconcileOptions {
  /**
   * Keep the per-key data in SharedArrayBuffers, so that `exportState()` can
   * hand it to another thread without a copy (which then iterates a range of
   * rows with `CliReconciler.fromState`).
   */
  shared?: boolean;
}

/** What another thread needs to compute rows of a CliReconciler (see exportState / fromState). */
export interface ReconcilerState {
  slots: ArrayBufferLike;
  keys: KeyTableKeys;
  strings: (string | null)[][];
  extras: Map<number, NormalizedRecord[][]>;
}

const UNKNOWN_INDEX = statusIndex('Unknown');

const storage = (shared: boolean): ReconcilerStorage => ({
  keyTable: (expectedKeys) => new CliKeyTable(expectedKeys, shared),
  buffer: shared ? (bytes) => new SharedArrayBuffer(bytes) : (bytes) => new ArrayBuffer(bytes),
});
const PLAIN = storage(false);
const SHARED = storage(true);

export class CliReconciler extends Reconciler {
  protected declare table: CliKeyTable;
  /** 1 + the highest slot whose records were written (see touchSlot). */
  private written = 0;
  private readonly shared: boolean;

  constructor(sources: readonly SourceInfo[], options: CliReconcileOptions = {}) {
    const { shared = false, ...rest } = options;
    super(sources, rest, shared ? SHARED : PLAIN);
    this.shared = shared;
  }

  /** The key table (the CSV writer reads keys as bytes from it: `keyBytes`). */
  get keyTable(): CliKeyTable {
    return this.table;
  }

  /**
   * The per-key data, for `CliReconciler.fromState` in another thread: shared
   * without a copy when made with `shared: true` (the strings, long keys and
   * duplicates are copied by postMessage). Call it once every record has been
   * added; this Reconciler must not add any more.
   */
  exportState(): ReconcilerState {
    return {
      slots: this.f64.buffer,
      keys: this.table.exportKeys(),
      strings: this.interners.map((it) => it.strings),
      extras: this.extras,
    };
  }

  /**
   * The SharedArrayBuffers behind the per-key data (shared Reconcilers only,
   * empty otherwise), to pre-fault before records are added (see
   * prefaultPages): `table`, the key table's buckets, written at random from
   * the first record on; `slots`, the slot records and slot-ordered keys,
   * written in slot order.
   */
  sharedBuffers(): { table: SharedArrayBuffer[]; slots: SharedArrayBuffer[] } {
    const shared = (bs: ArrayBufferLike[]) => (this.shared ? bs.filter((b): b is SharedArrayBuffer => b instanceof SharedArrayBuffer) : []);
    return { table: shared([this.table.bucketBuffer]), slots: shared([this.f64.buffer, this.table.exportKeys().slotKeys.buffer]) };
  }

  /**
   * A Reconciler over another one's exported data, for computing a range of
   * its rows (`views(from, to)`) in another thread. Its summary counts only
   * the rows it iterates (no records per source, no unknown codes): merge it
   * with the summary of the original (which iterates the other rows) using
   * mergeSummaries.
   */
  static fromState(sources: readonly SourceInfo[], options: ReconcileOptions, state: ReconcilerState): CliReconciler {
    const r = new CliReconciler(sources, { ...options, expectedKeys: 0, shared: false });
    r.table = CliKeyTable.fromKeys(state.keys);
    r.f64 = new Float64Array(state.slots);
    r.u32 = new Uint32Array(state.slots);
    r.slotCap = r.f64.length / (r.n * REC_F64);
    // the same ids: a fresh interner numbers strings 1, 2... in the order they are interned
    state.strings.forEach((strings, i) => {
      for (let k = 1; k < strings.length; k++) r.internId(i, strings[k] as string);
    });
    for (const [slot, x] of state.extras) r.extras.set(slot, x);
    return r;
  }

  override addValues(
    index: number, slot: number, amount: number, at: number | null, line: number,
    status: number, date: string | null, code: string, currency: string,
  ): void {
    if (slot >= this.written) this.written = slot + 1;
    super.addValues(index, slot, amount, at, line, status, date, code, currency);
  }

  /**
   * Low level: the slot of the normalised key held as bytes in u8[start, end)
   * (one Latin-1 code point a byte, already trimmed and folded; or trimmed
   * ASCII whose letters are upper-cased when `fold`), whose KeyTable hash is
   * `hash`. Inserts when new.
   */
  slotOfBytes(u8: Uint8Array, start: number, end: number, hash: number, fold = false): number {
    if (this.state !== 'adding') throw new Error('rows already consumed');
    const slot = this.table.slotBytes(u8, start, end, hash, fold);
    if (slot === this.slotCap) this.growSlots();
    return slot;
  }

  /** Low level: reads the bucket of a key hash (to bring it into cache ahead of a batch of lookups). */
  touchKey(hash: number): number {
    return this.table.touch(hash);
  }

  /** Low level: reads a slot's record of source `index` (to bring it into cache). */
  touchSlot(index: number, slot: number): number {
    // a slot never written yet (a new key) is not read: its page, maybe fresh, is
    // then first written, not mapped to the zero page and copied on the write
    if (slot >= this.written) return 0;
    return this.u32[(slot * this.n + index) * REC_U32 + U_COUNT] ?? 0;
  }

  /** Low level: the id of a date, code or currency string of source `index` (for addInterned; null is 0). */
  internId(index: number, s: string | null): number {
    const it = this.interners[index];
    if (!it) throw new RangeError(`no source ${index}`);
    return s === null ? 0 : it.intern(s);
  }

  /**
   * Low level: addValues with the date, code and currency given as ids
   * (internId) and the time as a number (NaN = none).
   */
  addInterned(
    index: number, slot: number, amount: number, at: number, line: number,
    status: number, dateId: number, codeId: number, curId: number,
  ): void {
    const it = this.interners[index];
    if (!it) throw new RangeError(`no source ${index}`);
    it.records++;
    if (status === UNKNOWN_INDEX) {
      const code = it.strings[codeId] as string;
      it.unknown.set(code, (it.unknown.get(code) ?? 0) + 1);
    }
    if (slot >= this.written) this.written = slot + 1;
    const r = slot * this.n + index;
    const u = r * REC_U32;
    const u32 = this.u32;
    const c = u32[u + U_COUNT] as number;
    u32[u + U_COUNT] = c + 1;
    if (c === 0) {
      const f = r * REC_F64;
      this.f64[f] = amount;
      this.f64[f + 1] = at;
      u32[u + U_LINE] = line;
      u32[u + U_STATUS] = status;
      u32[u + U_DATE] = dateId;
      u32[u + U_CODE] = codeId;
      u32[u + U_CUR] = curId;
      return;
    }
    const s = it.strings;
    this.addExtra(index, slot, amount, Number.isNaN(at) ? null : at, line, status, s[dateId] ?? null, s[codeId] as string, s[curId] as string);
  }
}

/**
 * Touches every 4 KiB page of a shared buffer for writing, without changing a
 * byte (compare-and-exchange of 0 with 0: whatever another thread wrote stays),
 * so that the kernel maps and zeroes the pages here rather than at the first
 * write of the thread filling them.
 */
export function prefaultPages(buffer: SharedArrayBuffer): void {
  const a = new Int32Array(buffer);
  for (let i = 0; i < a.length; i += 1024) Atomics.compareExchange(a, i, 0, 0);
}
