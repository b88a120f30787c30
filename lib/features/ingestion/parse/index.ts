/**
 * Streaming readers for uploaded exports (CSV/TSV, XLSX, JSON/NDJSON). Nothing
 * here holds a whole file in memory: CSV goes through the engine's CsvSplitter
 * one 1 MiB chunk at a time, XLSX through exceljs' streaming WorkbookReader,
 * JSON through stream-json's tokenizer.
 */
import path from 'node:path';
import { parseCsv } from '@/lib/reconcile/csv';
import type { FileFormat } from '../profile';
import { detectEncoding, isBlankRow, isTotalRow, ParseError, readHead, type ReadOptions } from './common';
import { readCsvRecords } from './csv';
import { readJsonRows } from './json';
import { inspectXlsx, readXlsxRows } from './xlsx';

export { ParseError, DEFAULT_LIMITS, type ParseLimits, type ReadOptions } from './common';
export type { FileFormat } from '../profile';

/** A resolved file format: everything decided. */
export type ResolvedFormat = FileFormat & { delimiter?: string; headerRow: number };

export interface SniffResult {
  format: ResolvedFormat;
  sheets?: string[];
  header: string[];
  /** First 20 data rows (after the same filtering as readRows). */
  sampleRows: string[][];
  /** Lines (rows for XLSX) before the header. */
  preambleLines: number;
  notes: string[];
}

export interface Row { fields: string[]; line: number }

const SAMPLE_ROWS = 20;
const DELIMITERS = [',', ';', '\t', '|'] as const;
const delimName = (d: string) => (d === '\t' ? 'tab' : d === ',' ? 'comma' : d === ';' ? 'semicolon' : d === '|' ? 'pipe' : `"${d}"`);

/** Header cells trimmed, trailing empty cells dropped, empty names filled in. */
export function cleanHeader(fields: readonly string[]): string[] {
  const h = fields.map((f) => f.trim());
  while (h.length > 0 && h[h.length - 1] === '') h.pop();
  return h.map((f, i) => (f === '' ? `Column ${i + 1}` : f));
}

function typeFromContent(head: Buffer, fileName: string, notes: string[]): 'csv' | 'xlsx' | 'json' {
  const ext = path.extname(fileName).toLowerCase();
  const zip = head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
  const ole = head.length >= 4 && head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0;
  if (ole) {
    throw new ParseError('This is an old Excel 97-2003 (.xls) file or a password-protected workbook: remove the password, save it as .xlsx or .csv and upload again');
  }
  if (zip) {
    if (ext !== '.xlsx' && ext !== '.xlsm') notes.push(`The file is named ${ext || 'without extension'} but is an XLSX workbook; read as XLSX.`);
    return 'xlsx';
  }
  if (ext === '.xlsx' || ext === '.xlsm') throw new ParseError('The file is named .xlsx but is not an Excel workbook (no ZIP signature)');
  if (head.length === 0) throw new ParseError('The file is empty');
  const { encoding, bomBytes } = detectEncoding(head);
  const text = new TextDecoder(encoding).decode(head.subarray(bomBytes, Math.min(head.length, 4096)));
  const first = text.trimStart()[0];
  if (ext === '.json' || ext === '.ndjson' || ext === '.jsonl') return 'json';
  if (first === '[' || first === '{') {
    notes.push('The content is JSON; read as JSON.');
    return 'json';
  }
  return 'csv';
}

function mode(values: number[]): number {
  const counts = new Map<number, number>();
  let best = 0, bestN = 0;
  for (const v of values) {
    const n = (counts.get(v) ?? 0) + 1;
    counts.set(v, n);
    if (n > bestN || (n === bestN && v > best)) { best = v; bestN = n; }
  }
  return best;
}

function effectiveLength(f: readonly string[]): number {
  let n = f.length;
  while (n > 0 && f[n - 1] === '') n--;
  return n;
}

/** Splits a sample with each candidate delimiter and keeps the one giving the most consistent column count. */
function detectDelimiter(sample: string): { delimiter: string; records: { fields: string[]; line: number }[] } {
  let best: { delimiter: string; records: { fields: string[]; line: number }[]; score: number } | null = null;
  for (const d of DELIMITERS) {
    let records: { fields: string[]; line: number }[];
    try {
      records = parseCsv(sample, d);
    } catch {
      continue;
    }
    if (records.length === 0) continue;
    const tail = records.slice(Math.min(records.length - 1, 3)).map((r) => effectiveLength(r.fields));
    const m = mode(tail);
    if (m < 2) continue;
    const consistent = tail.filter((n) => n === m || n === m - 1 || n === m + 1).length / tail.length;
    const score = Math.round(consistent * 100) * 10000 + m;
    if (!best || score > best.score) best = { delimiter: d, records, score };
  }
  if (best) return best;
  try {
    return { delimiter: ',', records: parseCsv(sample, ',') };
  } catch {
    // The sample itself does not parse (an unbalanced quote...): reading the file explains where.
    return { delimiter: ',', records: [] };
  }
}

/** The first record wide enough to be the header (preamble lines are narrower). */
function detectHeaderIndex(records: { fields: string[] }[]): number {
  if (records.length === 0) return 0;
  const widths = records.map((r) => effectiveLength(r.fields));
  const m = mode(widths.slice(Math.min(widths.length - 1, 3)));
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as { fields: string[] };
    const w = widths[i] as number;
    const named = r.fields.slice(0, w).filter((f) => f.trim() !== '').length;
    if (w >= Math.max(1, m - 1) && named >= Math.max(1, Math.ceil(w * 0.6))) return i;
  }
  return 0;
}

/**
 * Looks at a file: type (extension and content), encoding (UTF-8 with or without
 * BOM, UTF-16 LE/BE, else Windows-1252), delimiter, header row (skipping a
 * preamble), header and the first 20 data rows. `opts.format` fixes any of
 * these instead of detecting them.
 */
export async function sniffFile(filePath: string, fileName: string, opts: { format?: Partial<FileFormat> } & ReadOptions = {}): Promise<SniffResult> {
  const notes: string[] = [];
  const head = await readHead(filePath, 256 * 1024);
  const type = opts.format?.type ?? typeFromContent(head, fileName, notes);
  let format: ResolvedFormat;
  let sheets: string[] | undefined;
  if (type === 'csv') {
    const { encoding, bomBytes } = detectEncoding(head);
    if (encoding !== 'utf-8') notes.push(`The file is encoded as ${encoding.toUpperCase()}; decoded to text.`);
    if (bomBytes > 0 && encoding === 'utf-8') notes.push('A UTF-8 byte order mark was removed.');
    let text = new TextDecoder(encoding).decode(head.subarray(bomBytes));
    if (head.length === 256 * 1024) {
      const nl = text.lastIndexOf('\n');
      if (nl > 0) text = text.slice(0, nl + 1);
    }
    const lines = text.split('\n');
    const sample = lines.slice(0, 200).join('\n');
    let delimiter = opts.format?.delimiter;
    let records: { fields: string[]; line: number }[];
    if (delimiter === undefined) {
      const d = detectDelimiter(sample);
      delimiter = d.delimiter;
      records = d.records;
      if (delimiter !== ',') notes.push(`Columns are separated by ${delimName(delimiter)}.`);
    } else {
      try { records = parseCsv(sample, delimiter); } catch { records = []; }
    }
    let headerRow = opts.format?.headerRow;
    if (headerRow === undefined) {
      const i = detectHeaderIndex(records);
      headerRow = records[i]?.line ?? 1;
      if (headerRow > 1) notes.push(`Skipped ${headerRow - 1} line(s) before the header (report title, date range...).`);
    }
    format = { type, delimiter, headerRow };
  } else if (type === 'xlsx') {
    sheets = (await inspectXlsx(filePath, opts)).sheets;
    const sheet = opts.format?.sheet ?? sheets[0];
    if (sheets.length > 1 && opts.format?.sheet === undefined) notes.push(`The workbook has ${sheets.length} sheets; reading the first, "${sheet}".`);
    let headerRow = opts.format?.headerRow;
    if (headerRow === undefined) {
      const first: Row[] = [];
      for await (const r of readXlsxRows(filePath, sheet, opts)) {
        first.push(r);
        if (first.length >= 60) break;
      }
      headerRow = first[detectHeaderIndex(first)]?.line ?? 1;
      if (headerRow > 1) notes.push(`The header is on row ${headerRow}.`);
    }
    format = sheet === undefined ? { type, headerRow } : { type, headerRow, sheet };
  } else {
    format = { type, headerRow: 1 };
  }
  let header: string[] = [];
  const sampleRows: string[][] = [];
  const it = rowsWithHeader(filePath, format, opts);
  try {
    for await (const r of it) {
      if (r.header) {
        header = r.fields;
        continue;
      }
      sampleRows.push(r.fields);
      if (sampleRows.length >= SAMPLE_ROWS) break;
    }
  } finally {
    await it.return(undefined);
  }
  if (header.length === 0) throw new ParseError('No header row was found: the file has no columns');
  const seen = new Set<string>();
  const dupes = header.filter((h) => (seen.has(h) ? true : (seen.add(h), false)));
  if (dupes.length) notes.push(`Duplicate column names: ${[...new Set(dupes)].join(', ')} (the first of each is used).`);
  return { format, sheets, header, sampleRows, preambleLines: format.type === 'json' ? 0 : format.headerRow - 1, notes };
}

async function resolve(filePath: string, format: FileFormat, opts: ReadOptions): Promise<ResolvedFormat> {
  if (format.type === 'json') return { ...format, headerRow: 1 };
  if (format.headerRow !== undefined && (format.type !== 'csv' || format.delimiter !== undefined)) {
    return { ...format, headerRow: format.headerRow };
  }
  return (await sniffFile(filePath, `file.${format.type}`, { format, ...opts, onBytes: undefined })).format;
}

/**
 * The header then the data rows. Drops blank rows, trailing empty fields beyond
 * the header's width (trailing commas), and total rows at the end of the file.
 */
async function* rowsWithHeader(
  filePath: string,
  format: ResolvedFormat,
  opts: ReadOptions,
): AsyncGenerator<Row & { header?: true }> {
  let source: AsyncGenerator<Row>;
  let headerLine = format.headerRow;
  if (format.type === 'csv') {
    source = readCsvRecords(filePath, format.delimiter ?? ',', format.headerRow - 1, opts);
  } else if (format.type === 'xlsx') {
    source = readXlsxRows(filePath, format.sheet, opts);
  } else {
    source = readJsonRows(filePath, opts);
    headerLine = 0;
  }
  let width = -1;
  const totals: Row[] = [];
  try {
    for await (const r of source) {
      if (width < 0) {
        if (r.line < headerLine) continue;
        const header = format.type === 'json' ? r.fields : cleanHeader(r.fields);
        width = header.length;
        yield { fields: header, line: r.line, header: true };
        continue;
      }
      const f = r.fields;
      if (isBlankRow(f)) continue;
      while (f.length > width && f[f.length - 1] === '') f.pop();
      if (f.length > width * 2 + 10) {
        throw new ParseError(`the row has ${f.length} fields but the header has ${width}: check the delimiter and quoting`, r.line);
      }
      if (isTotalRow(f)) {
        totals.push(r);
        continue;
      }
      if (totals.length > 0) {
        // not trailing: a "Total" row in the middle is passed on as data
        yield* totals;
        totals.length = 0;
      }
      yield r;
    }
  } finally {
    await source.return(undefined);
  }
  if (width < 0) yield { fields: [], line: 0, header: true };
}

/** The header of a file (as readRows sees it). */
export async function readHeader(filePath: string, format: FileFormat, opts: ReadOptions = {}): Promise<string[]> {
  const it = rowsWithHeader(filePath, await resolve(filePath, format, opts), opts);
  try {
    const first = await it.next();
    return first.done ? [] : first.value.fields;
  } finally {
    await it.return(undefined);
  }
}

/**
 * Streams the data rows after the header. `line` is the physical 1-based line
 * where the row starts (CSV), the sheet row number (XLSX) or the object's
 * 1-based index (JSON). A missing delimiter or headerRow is detected first.
 */
export async function* readRows(filePath: string, format: FileFormat, opts: ReadOptions = {}): AsyncGenerator<Row> {
  const resolved = await resolve(filePath, format, opts);
  for await (const r of rowsWithHeader(filePath, resolved, opts)) {
    if (r.header) continue;
    yield r;
  }
}
