import fs from 'node:fs';
import { AppError } from '@/lib/server/core/app-error';

/**
 * A file that cannot be read as tabular data (422 unreadable). `line` is 1-based (row number for
 * XLSX/JSON), 0 when not about a line.
 */
export class ParseError extends AppError {
  constructor(message: string, readonly line: number = 0) {
    super('unreadable', line > 0 ? `Line ${line}: ${message}` : message);
    this.name = 'ParseError';
  }
}

export interface ParseLimits {
  /** Max fields in a row (default 2000). */
  maxColumns: number;
  /**
   * Max characters in one cell (default 64 KiB: no field of a payment, CRM or ad export is
   * anywhere near it). A CSV record may hold up to 4 times this: past that, an unbalanced
   * quote is swallowing the lines after it.
   */
  maxCellSize: number;
  /** Max uncompressed size of an XLSX archive, declared and actual (default 1 GiB). */
  maxXlsxUncompressedBytes: number;
  /** Max uncompressed size of the shared strings part, held in memory while reading (default 256 MiB). */
  maxXlsxSharedStringsBytes: number;
  /** Max rows read from a sheet or file (default 2,000,000). */
  maxRows: number;
}

export const DEFAULT_LIMITS: ParseLimits = {
  maxColumns: 2000,
  maxCellSize: 64 * 1024,
  maxXlsxUncompressedBytes: 1024 * 1024 * 1024,
  maxXlsxSharedStringsBytes: 256 * 1024 * 1024,
  maxRows: 2_000_000,
};

export interface ReadOptions {
  signal?: AbortSignal;
  /** Called with the number of file bytes read so far. */
  onBytes?: (bytesRead: number) => void;
  limits?: Partial<ParseLimits>;
}

export function limitsOf(o?: { limits?: Partial<ParseLimits> }): ParseLimits {
  return { ...DEFAULT_LIMITS, ...(o?.limits ?? {}) };
}

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** Well-known binary formats by their first bytes, for a message that says what the file is. */
const MAGIC: [number[], string][] = [
  [[0x25, 0x50, 0x44, 0x46, 0x2d], 'a PDF document'],
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x1f, 0x8b], 'a gzip archive'],
  [[0x42, 0x5a, 0x68], 'a bzip2 archive'],
  [[0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], 'a 7-Zip archive'],
  [[0x52, 0x61, 0x72, 0x21], 'a RAR archive'],
  [[0x7f, 0x45, 0x4c, 0x46], 'an executable (ELF)'],
  [[0x4d, 0x5a], 'a Windows executable'],
  [[0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66], 'an SQLite database'],
];

/** What a binary file is, when its first bytes say so; null for anything else. */
export function binaryKind(head: Buffer): string | null {
  for (const [magic, kind] of MAGIC) {
    if (head.length >= magic.length && magic.every((b, i) => head[i] === b)) return kind;
  }
  return null;
}

const BINARY_HINT = 'upload the CSV, XLSX or JSON export itself';

/**
 * Detects the text encoding from the first bytes: BOMs (UTF-8, UTF-16 LE/BE), UTF-16
 * without a BOM when every other byte is NUL (ASCII text), else UTF-8 when the bytes decode
 * as UTF-8, else Windows-1252 (legacy bank exports). Binary content (a known binary format,
 * NUL bytes outside UTF-16, or many control characters) is a ParseError.
 */
export function detectEncoding(head: Buffer): { encoding: TextEncoding; bomBytes: number } {
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bomBytes: 3 };
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bomBytes: 2 };
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bomBytes: 2 };
  const kind = binaryKind(head);
  if (kind) throw new ParseError(`The file is ${kind}, not a data export: ${BINARY_HINT}`);
  // UTF-16 without a BOM: every other byte NUL in ASCII text
  if (head.length >= 4) {
    let evenNul = 0, oddNul = 0;
    const n = Math.min(head.length, 4096) & ~1;
    for (let i = 0; i < n; i += 2) {
      if (head[i] === 0) evenNul++;
      if (head[i + 1] === 0) oddNul++;
    }
    if (oddNul > n / 2 * 0.9 && evenNul === 0) return { encoding: 'utf-16le', bomBytes: 0 };
    if (evenNul > n / 2 * 0.9 && oddNul === 0) return { encoding: 'utf-16be', bomBytes: 0 };
  }
  const n = Math.min(head.length, 65536);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = head[i] as number;
    if (b === 0) {
      throw new ParseError(
        `The file holds binary data (NUL bytes), not text: ${BINARY_HINT}. A UTF-16 text file needs its byte order mark; or save it as UTF-8`,
      );
    }
    // control characters other than tab, line feed, form feed and carriage return
    if ((b < 0x20 && b !== 9 && b !== 10 && b !== 12 && b !== 13) || b === 0x7f) control++;
  }
  if (control > 8 && control > n / 100) {
    throw new ParseError(`The file holds binary data (${control} control characters in its first ${n} bytes), not text: ${BINARY_HINT}`);
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, n), { stream: true });
    return { encoding: 'utf-8', bomBytes: 0 };
  } catch {
    return { encoding: 'windows-1252', bomBytes: 0 };
  }
}

export async function readHead(path: string, bytes: number): Promise<Buffer> {
  const fh = await fs.promises.open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Streams a text file as decoded string chunks (BOM dropped). */
export async function* readText(
  path: string,
  opts: ReadOptions = {},
): AsyncGenerator<string> {
  const head = await readHead(path, 65536);
  const { encoding, bomBytes } = detectEncoding(head);
  const decoder = new TextDecoder(encoding);
  const stream = fs.createReadStream(path, { highWaterMark: 1 << 20, start: bomBytes, signal: opts.signal });
  let bytes = bomBytes;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      opts.onBytes?.(bytes);
      const s = decoder.decode(chunk, { stream: true });
      if (s.length > 0) yield s;
    }
    const tail = decoder.decode();
    if (tail.length > 0) yield tail;
  } finally {
    stream.destroy();
  }
}

export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/** A Date cell (wall clock stored as UTC by spreadsheet readers) as an ISO string without zone. */
export function wallClockIso(d: Date): string {
  if (Number.isNaN(d.getTime())) return '';
  const iso = d.toISOString(); // YYYY-MM-DDTHH:mm:ss.sssZ
  if (iso.endsWith('T00:00:00.000Z')) return iso.slice(0, 10);
  return iso.endsWith('.000Z') ? iso.slice(0, 19) : iso.slice(0, 23);
}

/** A trailing total/summary row: first cell "Total", "Total: ...", "Grand total", "Totals". */
export function isTotalRow(fields: readonly string[]): boolean {
  const f = fields[0];
  if (f === undefined) return false;
  return /^\s*(grand\s+)?totals?\s*(:|$)/i.test(f);
}

/** True when every field is empty or blank. */
export function isBlankRow(fields: readonly string[]): boolean {
  for (const f of fields) if (f.trim() !== '') return false;
  return true;
}
