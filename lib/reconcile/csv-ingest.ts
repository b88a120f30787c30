import type { Reconciler } from './engine';
import { statusIndex } from './engine';

/** What createCsvIngest feeds: a Reconciler, or a recorder of compact columns (columns.ts). */
export type IngestSink = Pick<Reconciler, 'add' | 'slotOfRegion' | 'touchKey' | 'touchSlot' | 'internId' | 'addInterned'>;
import type { Status } from './glossary';
import { currencyDigits } from './money';
import type { CompiledProfile, NormalizeError } from './normalize';
import type { LineCallback, RowCallback } from './csv';
import { partitionOf } from './partition';

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
    return { onRow, onLine: (text, start, end, line) => onRow(text.slice(start, end).split(delimiter), line), flush };
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
  const dateEntries: { at: number; date: string; id: number }[] = [];
  const dateCache = new Map<number, { at: number; date: string; id: number }>();
  const codes: { code: string; status: number; first: number; id: number }[] = [];
  const currencies: { raw: string; cur: string; digits: number; id: number }[] = [];
  let fixedCurrencyId = -1;

  const slow = (text: string, start: number, end: number, line: number) =>
    onRow(text.slice(start, end).split(delimiter), line);

  // The batch: parsed lines of the same text waiting for their key lookups.
  let bText = '';
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
    for (let j = 0; j < count; j++) bSlot[j] = rec.slotOfRegion(bText, bKs[j] as number, bKe[j] as number, fold, bH[j] as number);
    for (let j = 0; j < count; j++) sink += rec.touchSlot(index, bSlot[j] as number);
    for (let j = 0; j < count; j++) {
      rec.addInterned(
        index, bSlot[j] as number, bAmount[j] as number, bAt[j] as number, bLine[j] as number,
        bStatus[j] as number, bDate[j] as number, bCode[j] as number, bCur[j] as number,
      );
    }
    if (sink === 0.5) bText = ''; // keeps the touches from being optimised away (never true)
  };

  const isWs = (c: number) => c === 32 || (c >= 9 && c <= 13);

  const onLine: LineCallback = (text, start, end, line) => {
    // field boundaries up to the key column first: another partition's row stops there
    let fi = 0;
    let pos = start;
    let q = start;
    for (;;) {
      q = text.indexOf(delimiter, pos);
      if (q < 0 || q > end) q = end;
      fs[fi] = pos;
      fe[fi] = q;
      fi++;
      if (fi > idCol || q === end) break;
      pos = q + 1;
    }
    if (fi <= idCol) return slow(text, start, end, line);

    // key: trimmed ASCII, folded when case-insensitive; another partition's key is skipped
    let ks = fs[idCol] as number, ke = fe[idCol] as number;
    while (ks < ke && isWs(text.charCodeAt(ks))) ks++;
    while (ke > ks && isWs(text.charCodeAt(ke - 1))) ke--;
    if (ks === ke) return slow(text, start, end, line);
    let h = 0x811c9dc5;
    for (let j = ks; j < ke; j++) {
      let c = text.charCodeAt(j);
      if (c > 127) return slow(text, start, end, line);
      if (fold && c >= 97 && c <= 122) c -= 32;
      h = Math.imul(h ^ c, 0x01000193);
    }
    if (filtered) {
      const p = (h >>> 0) % partCount;
      if (p < partFrom || p >= partTo) return;
    }

    // the other needed fields
    while (fi <= maxCol && q !== end) {
      pos = q + 1;
      q = text.indexOf(delimiter, pos);
      if (q < 0 || q > end) q = end;
      fs[fi] = pos;
      fe[fi] = q;
      fi++;
    }
    if (fi <= maxCol) return slow(text, start, end, line);

    // currency (decides the amount's digits)
    let digits = it.fixedDigits;
    let currencyId = fixedCurrencyId;
    if (currencyCol >= 0) {
      const a = fs[currencyCol] as number, b = fe[currencyCol] as number, len = b - a;
      let hit = -1;
      for (let k = 0; k < currencies.length; k++) {
        const c = currencies[k] as { raw: string };
        if (c.raw.length === len && text.startsWith(c.raw, a)) {
          hit = k;
          break;
        }
      }
      if (hit < 0) {
        const raw = text.slice(a, b);
        const cu = raw.trim().toUpperCase();
        if (!/^[A-Z]{3}$/.test(cu) || currencies.length >= 64) return slow(text, start, end, line);
        hit = currencies.push({ raw, cur: cu, digits: currencyDigits(cu), id: rec.internId(index, cu) }) - 1;
      }
      const c = currencies[hit] as { digits: number; id: number };
      currencyId = c.id;
      digits = c.digits;
    } else if (currencyId < 0) {
      currencyId = fixedCurrencyId = rec.internId(index, it.fixedCurrency);
    }

    // amount: [-]digits[<dec>digits], nothing else
    let i = fs[amountCol] as number;
    const ae = fe[amountCol] as number;
    if (i === ae) return slow(text, start, end, line);
    let neg = false;
    if (text.charCodeAt(i) === 45) {
      neg = true;
      i++;
    }
    let int = 0, intDigits = 0, frac = 0, fracDigits = 0, inFrac = false;
    for (; i < ae; i++) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        if (inFrac) {
          frac = frac * 10 + (c - 48);
          fracDigits++;
        } else {
          int = int * 10 + (c - 48);
          intDigits++;
        }
      } else if (c === decCode && !inFrac) inFrac = true;
      else return slow(text, start, end, line);
    }
    if (intDigits === 0 || intDigits > 15 || fracDigits > digits || (inFrac && fracDigits === 0)) {
      return slow(text, start, end, line);
    }
    let amount: number;
    if (minorUnits) {
      if (frac !== 0 || digits > 7) return slow(text, start, end, line);
      amount = int;
    } else {
      if (digits > 7) return slow(text, start, end, line);
      amount = int * (POW10[digits] as number) + frac * (POW10[digits - fracDigits] as number);
    }
    if (!Number.isSafeInteger(amount)) return slow(text, start, end, line);
    if (sign === 'absolute') neg = false;
    else if (sign === 'invert') neg = !neg;
    if (neg && amount !== 0) amount = -amount;

    // date
    let at: number | null = null;
    let dateId = 0;
    if (dateCol >= 0 && parseDate) {
      const a = fs[dateCol] as number, b = fe[dateCol] as number;
      if (isoDates && b - a === 10 && text.charCodeAt(a + 4) === 45 && text.charCodeAt(a + 7) === 45) {
        let k = 0;
        for (let j = a; j < b; j++) {
          if (j === a + 4 || j === a + 7) continue;
          const c = text.charCodeAt(j) - 48;
          if (c < 0 || c > 9) return slow(text, start, end, line);
          k = k * 10 + c;
        }
        // k = yyyymmdd
        const y = Math.floor(k / 10000);
        const mo = Math.floor(k / 100) % 100;
        const dd = k % 100;
        const di = y >= 1900 && y < 2156 && mo >= 1 && mo <= 12 && dd >= 1 && dd <= 31 ? ((y - 1900) * 12 + mo - 1) * 31 + dd - 1 : -1;
        let d = di >= 0 ? dateEntries[(dateIndex[di] as number) - 1] : dateCache.get(k);
        if (d === undefined) {
          const r = parseDate(text.slice(a, b));
          if (!r.ok) return slow(text, start, end, line);
          d = { at: r.at, date: r.date, id: rec.internId(index, r.date) };
          if (di >= 0) dateIndex[di] = dateEntries.push(d);
          else dateCache.set(k, d);
        }
        at = d.at;
        dateId = d.id;
      } else {
        const raw = text.slice(a, b);
        if (raw.trim() === '') return slow(text, start, end, line);
        const r = parseDate(raw);
        if (!r.ok) return slow(text, start, end, line);
        at = r.at;
        dateId = rec.internId(index, r.date);
      }
    }


    // status code: trimmed ASCII, looked up once per distinct code
    let ss = fs[statusCol] as number, se = fe[statusCol] as number;
    while (ss < se && isWs(text.charCodeAt(ss))) ss++;
    while (se > ss && isWs(text.charCodeAt(se - 1))) se--;
    if (ss < se && (text.charCodeAt(ss) > 127 || text.charCodeAt(se - 1) > 127)) return slow(text, start, end, line);
    const slen = se - ss;
    let code: { code: string; status: number; first: number; id: number } | undefined;
    const first = slen > 0 ? text.charCodeAt(ss) : -1;
    for (let k = 0; k < codes.length; k++) {
      const c = codes[k] as { code: string; status: number; first: number; id: number };
      if (c.first === first && c.code.length === slen && text.startsWith(c.code, ss)) {
        code = c;
        break;
      }
    }
    if (code === undefined) {
      const raw = text.slice(ss, se);
      const st: Status = it.lookupStatus(raw);
      code = { code: raw, status: statusIndex(st), first, id: rec.internId(index, raw) };
      if (codes.length < 32) codes.push(code);
    }

    if (text !== bText) {
      flush();
      bText = text;
    }
    const j = bn++;
    bKs[j] = ks;
    bKe[j] = ke;
    bH[j] = h | 0;
    bLine[j] = line;
    bAmount[j] = amount;
    bAt[j] = at === null ? NaN : at;
    bDate[j] = dateId;
    bCode[j] = code.id;
    bStatus[j] = code.status;
    bCur[j] = currencyId;
    if (bn === BATCH) flush();
  };
  return { onRow, onLine, flush: () => flush() };
}
