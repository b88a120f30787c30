import { statusIndex } from '@/lib/reconcile/engine';
import { currencyDigits } from '@/lib/reconcile/money';
import type { CompiledProfile, NormalizeError } from '@/lib/reconcile/normalize';
import type { LineCallback, RowCallback } from '@/lib/reconcile/csv';
import { partitionOf } from '@/lib/reconcile/partition';
import type { CliReconciler } from './reconciler';

/** What createCsvIngest feeds: a CliReconciler, or a recorder of compact columns (columns.ts). */
export type IngestSink = Pick<CliReconciler, 'add' | 'slotOfBytes' | 'touchKey' | 'touchSlot' | 'internId' | 'addInterned'>;

/** A normalisation error raised while ingesting CSV rows. */
export class IngestError extends Error {
  constructor(readonly error: NormalizeError) {
    super(`${error.line !== undefined ? `line ${error.line}: ` : ''}column ${error.column}: ${error.reason}`);
  }
}

const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000];

export interface CsvIngest {
  /** A row already split into fields (quoted records; the general path). */
  onRow: RowCallback;
  /** A quote-free line, unsplit. */
  onLine: LineCallback;
  /**
   * Whole lines as bytes (UTF-8 or ASCII): u8[from, to) holds no double quote
   * and ends with a line feed (the caller checks both). Each line is read as
   * the splitter would pass it to `onLine` (a trailing CR dropped, empty lines
   * skipped), the first being physical line `line`. Returns the number of
   * lines (line feeds) read. Everything is added before it returns, so the
   * caller may reuse the bytes. Null when the profile has no fast path: split
   * such chunks as text.
   */
  onBytes: ((u8: Uint8Array, from: number, to: number, line: number) => number) | null;
  /** Adds the lines still batched: call it after the last line. */
  flush(): void;
}

/** Lines whose keys are looked up together (independent memory loads overlap). */
const BATCH = 32;

/**
 * Feeds CSV rows of one source into a Reconciler. Binds the header, then:
 * - `onRow(fields, line)`: the general path (compiled profile, then `add`);
 * - `onLine(text, start, end, line)`: a fast path for quote-free lines that
 *   reads the needed fields in place (no split, no substrings for amounts and
 *   dates, keys hashed straight from the text). It only accepts what it can
 *   prove the general path would read the same way (ASCII keys, plain
 *   amounts, YYYY-MM-DD dates, cached status codes...) and hands any other
 *   line to the general path, which also produces every error. Equivalence is
 *   property-tested (csv-ingest.test.ts).
 * Errors throw IngestError (line, column, reason).
 */
export function createCsvIngest(
  compiled: CompiledProfile,
  header: readonly string[],
  rec: IngestSink,
  index: number,
  options: {
    delimiter?: string;
    /** Keep only keys whose partitionOf(key, count) is `index`, or in [from, to) when given. */
    partition?: { count: number; index?: number; from?: number; to?: number };
  } = {},
): CsvIngest {
  const delimiter = options.delimiter ?? ',';
  const part = options.partition;
  const partCount = part?.count ?? 1;
  const partFrom = part?.from ?? part?.index ?? 0;
  const partTo = part?.to ?? partFrom + 1;
  if (part && !(Number.isInteger(partCount) && partCount >= 1 && partFrom >= 0 && partFrom < partTo && partTo <= partCount)) {
    throw new RangeError('bad partition');
  }
  const filtered = partCount > 1 && !(partFrom === 0 && partTo === partCount);
  const bound = compiled.bindHeader(header);
  if (!bound.ok) throw new IngestError(bound.error);
  const fromFields = bound.fromFields;
  let flush: () => void = () => {};
  const onRow: RowCallback = (fields, line) => {
    flush();
    const r = fromFields(fields, line);
    if (!r.ok) throw new IngestError(r.error);
    if (filtered) {
      const p = partitionOf(r.record.key, partCount);
      if (p < partFrom || p >= partTo) return;
    }
    rec.add(index, r.record);
  };

  const p = compiled.profile;
  const cols = p.columns;
  const it = compiled.internals;
  const col = (name: string | undefined) => (name === undefined ? -1 : header.indexOf(name));
  const idCol = col(cols.id);
  const amountCol = col(cols.amount);
  const dateCol = col(cols.date);
  const statusCol = col(cols.status);
  const currencyCol = col(cols.currency);
  const fast =
    delimiter.length === 1 &&
    it.keyColumns.length === 1 &&
    it.keyColumns[0] === cols.id &&
    cols.id !== cols.date &&
    amountCol >= 0 &&
    p.amount.thousandsSeparator === '' &&
    // a duplicated header name: the general path reads the first one, as does indexOf
    true;
  if (!fast) {
    return { onRow, onLine: (text, start, end, line) => onRow(text.slice(start, end).split(delimiter), line), onBytes: null, flush };
  }
  const maxCol = Math.max(idCol, amountCol, dateCol, statusCol, currencyCol);
  const fs = new Int32Array(maxCol + 1);
  const fe = new Int32Array(maxCol + 1);
  const fold = !p.key.caseSensitive;
  const decCode = p.amount.decimalSeparator.charCodeAt(0);
  const minorUnits = p.amount.units === 'minor';
  const sign = p.amount.sign;
  const parseDate = it.parseDate;
  const isoDates = p.date.format === 'iso';
  // dates of 1900-2155 through a day index (entry + 1, 0 = not yet), others in a map
  const dateIndex = new Int32Array(256 * 12 * 31);
  // (each cached value carries the sink's intern id of its string)
  const dateEntries: DateEntry[] = [];
  const dateCache = new Map<number, DateEntry>();
  /** Status codes seen (at most 32), with their bytes. */
  const codes: StatusCode[] = [];
  const currencies: { raw: string; cur: string; digits: number; id: number }[] = [];
  let fixedCurrencyId = -1;

  const slow = (text: string, start: number, end: number, line: number) =>
    onRow(text.slice(start, end).split(delimiter), line);

  // The batch: parsed lines of the same bytes waiting for their key lookups.
  let bSrc: Uint8Array | null = null;
  let bn = 0;
  const bKs = new Int32Array(BATCH), bKe = new Int32Array(BATCH), bH = new Int32Array(BATCH), bLine = new Float64Array(BATCH);
  const bAmount = new Float64Array(BATCH), bAt = new Float64Array(BATCH), bSlot = new Int32Array(BATCH);
  const bDate = new Int32Array(BATCH), bCode = new Int32Array(BATCH), bStatus = new Int32Array(BATCH), bCur = new Int32Array(BATCH);
  flush = () => {
    const count = bn;
    if (count === 0) return;
    bn = 0;
    // 1. touch every bucket first: the loads are independent, so their cache misses overlap
    let sink = 0;
    for (let j = 0; j < count; j++) sink += rec.touchKey(bH[j] as number);
    // 2. look the keys up, 3. touch the slots, 4. add
    const src = bSrc as Uint8Array;
    for (let j = 0; j < count; j++) bSlot[j] = rec.slotOfBytes(src, bKs[j] as number, bKe[j] as number, bH[j] as number, fold);
    for (let j = 0; j < count; j++) sink += rec.touchSlot(index, bSlot[j] as number);
    for (let j = 0; j < count; j++) {
      rec.addInterned(
        index, bSlot[j] as number, bAmount[j] as number, bAt[j] as number, bLine[j] as number,
        bStatus[j] as number, bDate[j] as number, bCode[j] as number, bCur[j] as number,
      );
    }
    if (sink === 0.5) bSrc = null; // keeps the touches from being optimised away (never true)
  };

  const isWs = (c: number) => c === 32 || (c >= 9 && c <= 13);

  // ---- helpers of lineBytes: cache misses, amounts, the batch ----

  /** Index of a new currency entry for the untrimmed cell `raw`, or -1 when the general path must read it. */
  const newCurrency = (raw: string): number => {
    const cu = raw.trim().toUpperCase();
    if (!/^[A-Z]{3}$/.test(cu) || currencies.length >= 64) return -1;
    return currencies.push({ raw, cur: cu, digits: currencyDigits(cu), id: rec.internId(index, cu) }) - 1;
  };
  const fixedCurrency = (): number => (fixedCurrencyId = rec.internId(index, it.fixedCurrency));

  /** Minor units of a parsed [-]int[.frac], or NaN when the general path must read it. */
  const minor = (neg: boolean, int: number, intDigits: number, frac: number, fracDigits: number, inFrac: boolean, digits: number): number => {
    if (intDigits === 0 || intDigits > 15 || fracDigits > digits || (inFrac && fracDigits === 0) || digits > 7) return NaN;
    let amount: number;
    if (minorUnits) {
      if (frac !== 0) return NaN;
      amount = int;
    } else amount = int * (POW10[digits] as number) + frac * (POW10[digits - fracDigits] as number);
    if (!Number.isSafeInteger(amount)) return NaN;
    if (sign === 'absolute') neg = false;
    else if (sign === 'invert') neg = !neg;
    return neg && amount !== 0 ? -amount : amount;
  };

  /** Where the cached date of yyyymmdd `k` is in dateIndex (-1: in dateCache instead). */
  const dayOf = (k: number): number => {
    const y = Math.floor(k / 10000);
    const mo = Math.floor(k / 100) % 100;
    const dd = k % 100;
    return y >= 1900 && y < 2156 && mo >= 1 && mo <= 12 && dd >= 1 && dd <= 31 ? ((y - 1900) * 12 + mo - 1) * 31 + dd - 1 : -1;
  };
  /** Parses and caches the date of yyyymmdd `k` written `raw` (undefined when it does not parse). */
  const newDate = (k: number, raw: string): DateEntry | undefined => {
    const r = (parseDate as NonNullable<typeof parseDate>)(raw);
    if (!r.ok) return undefined;
    const d = { at: r.at, date: r.date, id: rec.internId(index, r.date) };
    const di = dayOf(k);
    if (di >= 0) dateIndex[di] = dateEntries.push(d);
    else dateCache.set(k, d);
    return d;
  };

  /** A status code seen for the first time (trimmed ASCII). */
  const newCode = (raw: string): StatusCode => {
    const code: StatusCode = {
      status: statusIndex(it.lookupStatus(raw)),
      first: raw.length > 0 ? raw.charCodeAt(0) : -1,
      id: rec.internId(index, raw),
      bytes: Uint8Array.from(raw, (ch) => ch.charCodeAt(0)),
    };
    if (codes.length < 32) codes.push(code);
    return code;
  };

  /** Queues a parsed line for the batched key lookups (flushed when full). */
  const queue = (ks: number, ke: number, h: number, line: number, amount: number, at: number, dateId: number, code: StatusCode, currencyId: number) => {
    const j = bn++;
    bKs[j] = ks;
    bKe[j] = ke;
    bH[j] = h | 0;
    bLine[j] = line;
    bAmount[j] = amount;
    bAt[j] = at;
    bDate[j] = dateId;
    bCode[j] = code.id;
    bStatus[j] = code.status;
    bCur[j] = currencyId;
    if (bn === BATCH) flush();
  };

  // ---- the byte path: whole quote-free lines, read in one pass each ----

  const decoder = new TextDecoder();
  const decode = (u8: Uint8Array, a: number, b: number) => decoder.decode(u8.subarray(a, b));
  const delimByte = delimiter.charCodeAt(0);

  /** One line u8[start, end) with its needed fields in fs/fe (fi of them); false when the general path must read it. */
  const lineBytes = (u8: Uint8Array, start: number, end: number, line: number, fi: number): boolean => {
    if (fi <= idCol) return false;

    // key: trimmed ASCII, folded when case-insensitive; another partition's key is skipped
    let ks = fs[idCol] as number, ke = fe[idCol] as number;
    while (ks < ke && isWs(u8[ks] as number)) ks++;
    while (ke > ks && isWs(u8[ke - 1] as number)) ke--;
    if (ks === ke) return false;
    let h = 0x811c9dc5;
    for (let j = ks; j < ke; j++) {
      let c = u8[j] as number;
      if (c > 127) return false;
      if (fold && c >= 97 && c <= 122) c -= 32;
      h = Math.imul(h ^ c, 0x01000193);
    }
    if (filtered) {
      const p = (h >>> 0) % partCount;
      if (p < partFrom || p >= partTo) return true;
    }
    if (fi <= maxCol) return false;

    // currency (decides the amount's digits): ASCII cells only
    let digits = it.fixedDigits;
    let currencyId = fixedCurrencyId;
    if (currencyCol >= 0) {
      const a = fs[currencyCol] as number, b = fe[currencyCol] as number, len = b - a;
      for (let j = a; j < b; j++) if ((u8[j] as number) > 127) return false;
      let hit = -1;
      for (let k = 0; k < currencies.length && hit < 0; k++) {
        const raw = (currencies[k] as { raw: string }).raw;
        if (raw.length !== len) continue;
        let j = 0;
        while (j < len && raw.charCodeAt(j) === u8[a + j]) j++;
        if (j === len) hit = k;
      }
      if (hit < 0 && (hit = newCurrency(decode(u8, a, b))) < 0) return false;
      const c = currencies[hit] as { digits: number; id: number };
      currencyId = c.id;
      digits = c.digits;
    } else if (currencyId < 0) currencyId = fixedCurrency();

    // amount: [-]digits[<dec>digits], nothing else
    let i = fs[amountCol] as number;
    const ae = fe[amountCol] as number;
    if (i === ae) return false;
    let neg = false;
    if (u8[i] === 45) {
      neg = true;
      i++;
    }
    let int = 0, intDigits = 0, frac = 0, fracDigits = 0, inFrac = false;
    for (; i < ae; i++) {
      const c = u8[i] as number;
      if (c >= 48 && c <= 57) {
        if (inFrac) {
          frac = frac * 10 + (c - 48);
          fracDigits++;
        } else {
          int = int * 10 + (c - 48);
          intDigits++;
        }
      } else if (c === decCode && !inFrac) inFrac = true;
      else return false;
    }
    const amount = minor(neg, int, intDigits, frac, fracDigits, inFrac, digits);
    if (amount !== amount) return false;

    // date
    let at = NaN;
    let dateId = 0;
    if (dateCol >= 0 && parseDate) {
      const a = fs[dateCol] as number, b = fe[dateCol] as number;
      if (isoDates && b - a === 10 && u8[a + 4] === 45 && u8[a + 7] === 45) {
        let k = 0;
        for (let j = a; j < b; j++) {
          if (j === a + 4 || j === a + 7) continue;
          const c = (u8[j] as number) - 48;
          if (c < 0 || c > 9) return false;
          k = k * 10 + c;
        }
        const di = dayOf(k);
        const d = (di >= 0 ? dateEntries[(dateIndex[di] as number) - 1] : dateCache.get(k)) ?? newDate(k, decode(u8, a, b));
        if (d === undefined) return false;
        at = d.at;
        dateId = d.id;
      } else {
        for (let j = a; j < b; j++) if ((u8[j] as number) > 127) return false;
        const raw = decode(u8, a, b);
        if (raw.trim() === '') return false;
        const r = parseDate(raw);
        if (!r.ok) return false;
        at = r.at;
        dateId = rec.internId(index, r.date);
      }
    }

    // status code: trimmed ASCII, looked up once per distinct code
    let ss = fs[statusCol] as number, se = fe[statusCol] as number;
    while (ss < se && isWs(u8[ss] as number)) ss++;
    while (se > ss && isWs(u8[se - 1] as number)) se--;
    for (let j = ss; j < se; j++) if ((u8[j] as number) > 127) return false;
    const slen = se - ss;
    let code: StatusCode | undefined;
    const first = slen > 0 ? (u8[ss] as number) : -1;
    for (let k = 0; k < codes.length && code === undefined; k++) {
      const c = codes[k] as StatusCode;
      const cb = c.bytes;
      if (c.first !== first || cb.length !== slen) continue;
      let j = 1;
      while (j < slen && cb[j] === u8[ss + j]) j++;
      if (j >= slen) code = c;
    }
    if (code === undefined) code = newCode(decode(u8, ss, se));

    if (u8 !== bSrc) {
      flush();
      bSrc = u8;
    }
    queue(ks, ke, h, line, amount, at, dateId, code, currencyId);
    return true;
  };

  // ---- the text path: a quote-free line of a decoded chunk, copied as bytes ----

  // Lines of the current batch, back to back (the batch refers to their bytes until it is
  // added). Characters beyond ASCII become 0x80: lineBytes only reads ASCII fields, decodes
  // only ASCII bytes and sends any other line back here, to the general path.
  let scratch = new Uint8Array(4096);
  let scratchPos = 0;
  const onLine: LineCallback = (text, start, end, line) => {
    if (bSrc !== scratch || bn === 0) scratchPos = 0;
    const len = end - start;
    if (scratchPos + len > scratch.length) {
      // a new buffer: the batch still refers to the old one, which is added first (bSrc differs)
      scratch = new Uint8Array(Math.max(scratch.length * 2, len * 2));
      scratchPos = 0;
    }
    const u8 = scratch;
    const base = scratchPos;
    let fi = 0;
    let fstart = base;
    for (let i = 0; i < len; i++) {
      const c = text.charCodeAt(start + i);
      u8[base + i] = c > 127 ? 0x80 : c;
      if (c === delimByte && fi <= maxCol) {
        fs[fi] = fstart;
        fe[fi] = base + i;
        fi++;
        fstart = base + i + 1;
      }
    }
    if (fi <= maxCol) {
      fs[fi] = fstart;
      fe[fi] = base + len;
      fi++;
    }
    scratchPos = base + len;
    if (!lineBytes(u8, base, base + len, line, fi)) slow(text, start, end, line);
  };

  const onBytes = (u8: Uint8Array, from: number, to: number, firstLine: number): number => {
    let line = firstLine;
    let pos = from;
    while (pos < to) {
      // one pass over the line: the needed fields' bounds, then its end
      let fi = 0;
      let fstart = pos;
      let i = pos;
      for (;;) {
        const c = u8[i] as number;
        if (c === 10) break;
        if (c === delimByte && fi <= maxCol) {
          fs[fi] = fstart;
          fe[fi] = i;
          fi++;
          fstart = i + 1;
        }
        i++;
      }
      let end = i;
      if (end > pos && u8[end - 1] === 13) end--;
      if (end > pos) {
        if (fi <= maxCol && fstart <= end) {
          fs[fi] = fstart;
          fe[fi] = end;
          fi++;
        }
        if (!lineBytes(u8, pos, end, line, fi)) onRow(decode(u8, pos, end).split(delimiter), line);
      }
      line++;
      pos = i + 1;
    }
    flush();
    if (bSrc === u8) bSrc = null;
    return line - firstLine;
  };

  return { onRow, onLine, onBytes, flush: () => flush() };
}

interface StatusCode {
  /** statusIndex of its canonical status. */
  status: number;
  /** Its first character code (-1 when empty). */
  first: number;
  /** The sink's intern id. */
  id: number;
  /** Its bytes (ASCII). */
  bytes: Uint8Array;
}

interface DateEntry {
  at: number;
  date: string;
  id: number;
}
