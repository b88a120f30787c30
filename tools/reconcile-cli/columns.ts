/**
 * Compact columns of normalised records, so that one thread can parse a file
 * while another builds the key table: `ColumnRecorder` is an ingest sink
 * (createCsvIngest feeds it exactly as it feeds a Reconciler) that writes each
 * record into chunks of typed arrays (transferable, no object per record);
 * `ColumnReplayer` adds the chunks' records to a Reconciler in the same order,
 * with no text parsing left (the keys' hashes and bytes come with them).
 * Replaying a recording gives the same Reconciler state as ingesting the file
 * directly (property-tested in columns.test.ts).
 */
import { statusIndex } from '@/lib/reconcile/engine';
import { KeyTable } from '@/lib/reconcile/keytable';
import type { NormalizedRecord } from '@/lib/reconcile/normalize';
import type { IngestSink } from './csv-ingest';
import type { CliReconciler } from './reconciler';

/** Per record in `u32`: key hash, end of its key bytes, line, status index, date, code and currency string ids. */
const U = 7;
const U_HASH = 0, U_KEY_END = 1, U_LINE = 2, U_STATUS = 3, U_DATE = 4, U_CODE = 5, U_CUR = 6;
/** Per record in `f64`: amount (minor units) and time (NaN = none). */
const F = 2;

/** A chunk of records (all typed arrays are transferable: see `transferList`). */
export interface ColumnChunk {
  n: number;
  u32: Uint32Array;
  f64: Float64Array;
  /** Key bytes of the records, back to back (record i: from the previous record's key end). */
  keys: Uint8Array;
  /** Record index -> key, for keys that came as strings (the general path); their byte range is empty. */
  strKeys: Map<number, string>;
  /** Strings (dates, codes, currencies) first used in this chunk: their ids follow the previous chunks'. */
  strings: string[];
}

export function transferList(c: Pick<ColumnChunk, 'u32' | 'f64' | 'keys'>): ArrayBuffer[] {
  return [c.u32.buffer as ArrayBuffer, c.f64.buffer as ArrayBuffer, c.keys.buffer as ArrayBuffer];
}

/** Buffers of replayed chunks, given back to a recorder for its next chunks (fresh memory costs page faults). */
export type ChunkBuffers = Pick<ColumnChunk, 'u32' | 'f64' | 'keys'>;

/** Records ingested records into chunks of `capacity` records, handed to `emit` in order. */
export class ColumnRecorder implements IngestSink {
  private u32!: Uint32Array;
  private f64!: Float64Array;
  private keys!: Uint8Array;
  private strKeys!: Map<number, string>;
  private next = 0;
  private keyPos = 0;
  /** String -> id (0 is null); ids keep counting across chunks. */
  private readonly ids = new Map<string, number>();
  private idCount = 1;
  private newStrings: string[] = [];
  private lastDate: string | null = null;
  private lastDateId = 0;
  private lastCode: string | null = null;
  private lastCodeId = 0;
  private lastCur: string | null = null;
  private lastCurId = 0;

  /** `pool`: buffers to reuse (see ChunkBuffers), taken as they come. */
  constructor(
    private readonly emit: (chunk: ColumnChunk) => void,
    private readonly capacity = 1 << 16,
    private readonly pool: ChunkBuffers[] = [],
  ) {
    this.fresh();
  }

  private fresh(): void {
    // room for a batch of lookups (createCsvIngest) beyond the capacity
    const cap = this.capacity + 64;
    const reuse = this.pool.pop();
    if (reuse && reuse.u32.length === cap * U && reuse.f64.length === cap * F) {
      this.u32 = reuse.u32;
      this.f64 = reuse.f64;
      this.keys = reuse.keys;
    } else {
      this.u32 = new Uint32Array(cap * U);
      this.f64 = new Float64Array(cap * F);
      this.keys = new Uint8Array(Math.max(1024, cap * 16));
    }
    this.strKeys = new Map();
    this.next = 0;
    this.keyPos = 0;
  }

  /** Emits the records recorded so far (call it at the end of the input). */
  flush(): void {
    if (this.next === 0 && this.newStrings.length === 0) return;
    const chunk: ColumnChunk = {
      n: this.next,
      u32: this.u32,
      f64: this.f64,
      keys: this.keys,
      strKeys: this.strKeys,
      strings: this.newStrings,
    };
    this.newStrings = [];
    this.fresh();
    this.emit(chunk);
  }

  private id(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.idCount++;
      this.ids.set(s, i);
      this.newStrings.push(s);
    }
    return i;
  }

  private room(bytes: number): void {
    if (this.keyPos + bytes <= this.keys.length) return;
    const k = new Uint8Array(Math.max(this.keys.length * 2, this.keyPos + bytes));
    k.set(this.keys.subarray(0, this.keyPos));
    this.keys = k;
  }

  touchKey(): number {
    return 0;
  }
  touchSlot(): number {
    return 0;
  }

  /** Records the key of u8[start, end) (trimmed ASCII bytes, letters upper-cased when `fold`); returns the record's index in the chunk. */
  slotOfBytes(u8: Uint8Array, start: number, end: number, hash: number, fold = false): number {
    const r = this.next++;
    const u = r * U;
    this.u32[u + U_HASH] = hash;
    this.room(end - start);
    const keys = this.keys;
    let p = this.keyPos;
    for (let i = start; i < end; i++) {
      let c = u8[i] as number;
      if (fold && c >= 97 && c <= 122) c -= 32;
      keys[p++] = c;
    }
    this.keyPos = p;
    this.u32[u + U_KEY_END] = p;
    return r;
  }

  /** The id of a string in this recording (0 for null). */
  internId(_index: number, s: string | null): number {
    return s === null ? 0 : this.id(s);
  }

  /** A record's values with its strings as ids (internId) and its time as a number (NaN = none). */
  addInterned(
    _index: number, slot: number, amount: number, at: number, line: number,
    status: number, dateId: number, codeId: number, curId: number,
  ): void {
    const u = slot * U;
    const u32 = this.u32;
    u32[u + U_LINE] = line;
    u32[u + U_STATUS] = status;
    u32[u + U_DATE] = dateId;
    u32[u + U_CODE] = codeId;
    u32[u + U_CUR] = curId;
    const f = slot * F;
    this.f64[f] = amount;
    this.f64[f + 1] = at;
    // a batch's lookups come first, then its values: cut only after the batch's last record
    if (slot === this.next - 1 && this.next >= this.capacity) this.flush();
  }

  private addValues(
    _index: number, slot: number, amount: number, at: number | null, line: number,
    status: number, date: string | null, code: string, currency: string,
  ): void {
    const u = slot * U;
    const u32 = this.u32;
    u32[u + U_LINE] = line;
    u32[u + U_STATUS] = status;
    let d = 0;
    if (date !== null) {
      if (date !== this.lastDate) {
        this.lastDate = date;
        this.lastDateId = this.id(date);
      }
      d = this.lastDateId;
    }
    u32[u + U_DATE] = d;
    if (code !== this.lastCode) {
      this.lastCode = code;
      this.lastCodeId = this.id(code);
    }
    u32[u + U_CODE] = this.lastCodeId;
    if (currency !== this.lastCur) {
      this.lastCur = currency;
      this.lastCurId = this.id(currency);
    }
    u32[u + U_CUR] = this.lastCurId;
    const f = slot * F;
    this.f64[f] = amount;
    this.f64[f + 1] = at === null ? NaN : at;
    // a batch's lookups come first, then its values: cut only after the batch's last record
    if (slot === this.next - 1 && this.next >= this.capacity) this.flush();
  }

  /** A record from the general path (its key as a string). */
  add(index: number, rec: NormalizedRecord): void {
    const r = this.next++;
    this.u32[r * U + U_HASH] = KeyTable.hash(rec.key);
    this.u32[r * U + U_KEY_END] = this.keyPos;
    this.strKeys.set(r, rec.key);
    this.addValues(index, r, rec.amount, rec.at, rec.line ?? 0, statusIndex(rec.status), rec.date, rec.code, rec.currency);
  }
}

/** Lookups batched so that their cache misses overlap (as in createCsvIngest). */
const BATCH = 32;

/** Adds recorded chunks of one source to a CliReconciler, in recording order. */
export class ColumnReplayer {
  /** Recorded string id -> the Reconciler's id for that string (0 = null). */
  private ids = new Int32Array(64);
  private idCount = 1;
  private readonly slots = new Int32Array(BATCH);

  /** `lineBase` is added to every record's line (a recording of a file's later part). */
  constructor(
    private readonly rec: CliReconciler,
    private readonly index: number,
    private readonly lineBase = 0,
  ) {}

  replay(c: ColumnChunk): void {
    for (const s of c.strings) {
      if (this.idCount === this.ids.length) {
        const x = new Int32Array(this.ids.length * 2);
        x.set(this.ids);
        this.ids = x;
      }
      this.ids[this.idCount++] = this.rec.internId(this.index, s);
    }
    const { rec, index, ids, slots, lineBase } = this;
    const { u32, f64, keys, strKeys, n } = c;
    const hasStr = strKeys.size > 0;
    for (let b = 0; b < n; b += BATCH) {
      const e = Math.min(n, b + BATCH);
      let sink = 0;
      for (let r = b; r < e; r++) sink += rec.touchKey((u32[r * U + U_HASH] as number) | 0);
      for (let r = b; r < e; r++) {
        const u = r * U;
        const key = hasStr ? strKeys.get(r) : undefined;
        slots[r - b] =
          key !== undefined
            ? rec.slotOf(key)
            : rec.slotOfBytes(keys, r === 0 ? 0 : (u32[u - U + U_KEY_END] as number), u32[u + U_KEY_END] as number, (u32[u + U_HASH] as number) | 0);
      }
      for (let r = b; r < e; r++) sink += rec.touchSlot(index, slots[r - b] as number);
      for (let r = b; r < e; r++) {
        const u = r * U;
        rec.addInterned(
          index, slots[r - b] as number, f64[r * F] as number, f64[r * F + 1] as number, (u32[u + U_LINE] as number) + lineBase,
          u32[u + U_STATUS] as number, ids[u32[u + U_DATE] as number] as number,
          ids[u32[u + U_CODE] as number] as number, ids[u32[u + U_CUR] as number] as number,
        );
      }
      if (sink === 0.5) this.slots[0] = 0; // keeps the touches from being optimised away (never true)
    }
  }
}
