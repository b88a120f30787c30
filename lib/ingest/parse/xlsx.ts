import fs from 'node:fs';
import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import { checkAborted, limitsOf, ParseError, wallClockIso, type ReadOptions } from './common';

interface ZipEntry { name: string; method: number; compressed: number; uncompressed: number; localOffset: number }

/** Reads a ZIP's central directory (no decompression). */
async function zipEntries(path: string): Promise<ZipEntry[]> {
  const fh = await fs.promises.open(path, 'r');
  try {
    const { size } = await fh.stat();
    const tailLen = Math.min(size, 65557);
    const tail = Buffer.alloc(tailLen);
    await fh.read(tail, 0, tailLen, size - tailLen);
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
    }
    if (eocd < 0) throw new ParseError('The XLSX file is damaged or truncated (no ZIP directory found)');
    const count = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (cdOffset + cdSize > size || cdSize > 64 * 1024 * 1024) throw new ParseError('The XLSX file is damaged (bad ZIP directory)');
    const cd = Buffer.alloc(cdSize);
    await fh.read(cd, 0, cdSize, cdOffset);
    const out: ZipEntry[] = [];
    let p = 0;
    for (let k = 0; k < count && p + 46 <= cd.length; k++) {
      if (cd.readUInt32LE(p) !== 0x02014b50) throw new ParseError('The XLSX file is damaged (bad ZIP entry)');
      const method = cd.readUInt16LE(p + 10);
      const compressed = cd.readUInt32LE(p + 20);
      const uncompressed = cd.readUInt32LE(p + 24);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      const localOffset = cd.readUInt32LE(p + 42);
      const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
      out.push({ name, method, compressed, uncompressed, localOffset });
      p += 46 + nameLen + extraLen + commentLen;
    }
    return out;
  } finally {
    await fh.close();
  }
}

async function readEntry(path: string, e: ZipEntry, maxBytes: number): Promise<string> {
  if (e.uncompressed > maxBytes) throw new ParseError(`The XLSX part ${e.name} is too large to read`);
  const fh = await fs.promises.open(path, 'r');
  try {
    const local = Buffer.alloc(30);
    await fh.read(local, 0, 30, e.localOffset);
    if (local.readUInt32LE(0) !== 0x04034b50) throw new ParseError('The XLSX file is damaged (bad ZIP local header)');
    const start = e.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    const data = Buffer.alloc(e.compressed);
    await fh.read(data, 0, e.compressed, start);
    const raw = e.method === 0 ? data : zlib.inflateRawSync(data, { maxOutputLength: maxBytes });
    return raw.toString('utf8');
  } finally {
    await fh.close();
  }
}

function xmlAttr(tag: string, name: string): string | null {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m && m[1] !== undefined ? m[1].replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'") : null;
}

/**
 * Checks an XLSX archive against the limits (zip-bomb guard on the declared
 * uncompressed sizes and compression ratio) and lists its sheets in order.
 */
export async function inspectXlsx(path: string, opts: ReadOptions = {}): Promise<{ sheets: string[] }> {
  const limits = limitsOf(opts);
  const entries = await zipEntries(path);
  let total = 0;
  for (const e of entries) {
    total += e.uncompressed;
    if (e.compressed > 0 && e.uncompressed / e.compressed > 1000 && e.uncompressed > 100 * 1024 * 1024) {
      throw new ParseError(`The XLSX part ${e.name} expands ${Math.round(e.uncompressed / e.compressed)}-fold to ${Math.round(e.uncompressed / 1048576)} MiB: refused as a likely zip bomb`);
    }
  }
  if (total > limits.maxXlsxUncompressedBytes) {
    throw new ParseError(`The XLSX file expands to ${Math.round(total / 1048576)} MiB, over the limit of ${Math.round(limits.maxXlsxUncompressedBytes / 1048576)} MiB: export it as CSV instead`);
  }
  const wb = entries.find((e) => e.name === 'xl/workbook.xml');
  if (!wb) throw new ParseError('This ZIP file is not an XLSX workbook (no xl/workbook.xml)');
  const xml = await readEntry(path, wb, 16 * 1024 * 1024);
  const sheets: string[] = [];
  for (const m of xml.matchAll(/<(?:\w+:)?sheet\b[^>]*>/g)) {
    const name = xmlAttr(m[0], 'name');
    if (name !== null) sheets.push(name);
  }
  return { sheets };
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(Number(v.toPrecision(15))) : '';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof Date) return wallClockIso(v);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.richText)) return (o.richText as { text?: string }[]).map((r) => r.text ?? '').join('');
    if ('result' in o) return cellText(o.result);
    if ('formula' in o || 'sharedFormula' in o) return '';
    if (typeof o.text === 'string') return o.text;
    if (typeof o.error === 'string') return o.error;
  }
  return String(v);
}

/**
 * Streams the rows of one sheet (default: the first) as text cells, with the
 * sheet's 1-based row number. Empty rows are not produced by the reader.
 */
export async function* readXlsxRows(
  path: string,
  sheet: string | undefined,
  opts: ReadOptions = {},
): AsyncGenerator<{ fields: string[]; line: number }> {
  const limits = limitsOf(opts);
  const { sheets } = await inspectXlsx(path, opts);
  const wanted = sheet ?? sheets[0];
  if (sheet !== undefined && !sheets.includes(sheet)) {
    throw new ParseError(`The workbook has no sheet "${sheet}"; its sheets are: ${sheets.join(', ')}`);
  }
  const stream = fs.createReadStream(path, { highWaterMark: 1 << 20, signal: opts.signal });
  let bytes = 0;
  stream.on('data', (b) => {
    bytes += (b as Buffer).length;
    opts.onBytes?.(bytes);
  });
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(stream, {
    worksheets: 'emit', sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'cache', entries: 'ignore',
  });
  let rows = 0;
  try {
    for await (const ws of reader) {
      const name = (ws as unknown as { name: string }).name;
      if (wanted !== undefined && name !== wanted) continue;
      for await (const row of ws) {
        rows++;
        if (rows > limits.maxRows) throw new ParseError(`The sheet has more than ${limits.maxRows} rows`, row.number);
        const values = row.values as unknown[];
        if (values.length - 1 > limits.maxColumns) {
          throw new ParseError(`the row has ${values.length - 1} cells, more than the limit of ${limits.maxColumns}`, row.number);
        }
        const fields: string[] = [];
        for (let i = 1; i < values.length; i++) {
          const t = cellText(values[i]);
          if (t.length > limits.maxCellSize) throw new ParseError(`a cell is larger than ${Math.round(limits.maxCellSize / 1024)} KiB`, row.number);
          fields.push(t);
        }
        checkAborted(opts.signal);
        yield { fields, line: row.number };
      }
      return;
    }
  } catch (e) {
    if (e instanceof ParseError) throw e;
    checkAborted(opts.signal);
    throw new ParseError(`The XLSX file could not be read: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    stream.destroy();
  }
}
