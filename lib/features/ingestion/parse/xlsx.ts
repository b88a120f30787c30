import fs from 'node:fs';
import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import { checkAborted, limitsOf, ParseError, wallClockIso, type ReadOptions } from './common';

interface ZipEntry { name: string; flags: number; method: number; compressed: number; uncompressed: number; localOffset: number }

const ZIP64 = 0xffffffff;
const MiB = 1024 * 1024;
/** A size as people read it: "100 MiB", "12 KiB", "900 bytes". */
const mib = (n: number) =>
  n >= MiB ? `${Math.round(n / MiB).toLocaleString('en-US')} MiB` : n >= 1024 ? `${Math.round(n / 1024)} KiB` : `${n} bytes`;

/**
 * The ZIP64 extended-information extra field (header id 0x0001) of an entry, if any: its 8-byte
 * values in the order the format fixes (uncompressed size, compressed size, local header offset),
 * of which it holds only those whose 4-byte field reads 0xFFFFFFFF. Null when there is none;
 * throws when it is cut short or holds a value past 2^53.
 */
function zip64Values(extra: Buffer, count: number, damaged: (why: string) => Error): number[] | null {
  let p = 0;
  while (p + 4 <= extra.length) {
    const id = extra.readUInt16LE(p);
    const size = extra.readUInt16LE(p + 2);
    if (p + 4 + size > extra.length) throw damaged('an extra field runs past its header');
    if (id === 0x0001) {
      if (size < count * 8) throw damaged('a ZIP64 extra field is too short');
      const out: number[] = [];
      for (let i = 0; i < count; i++) {
        const v = extra.readBigUInt64LE(p + 4 + i * 8);
        if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw damaged('a ZIP64 size is out of range');
        out.push(Number(v));
      }
      return out;
    }
    p += 4 + size;
  }
  return null;
}

/**
 * An entry's real sizes (and offset) where its 4-byte fields read 0xFFFFFFFF: taken from its
 * ZIP64 extra field, which must then be there. Writers add one for streamed parts whose size they
 * did not know up front (Python's zipfile with force_zip64, .NET), also for small parts.
 */
function withZip64(fields: number[], extra: Buffer, damaged: (why: string) => Error): number[] {
  const wanted = fields.filter((v) => v === ZIP64).length;
  if (wanted === 0) return fields;
  const values = zip64Values(extra, wanted, damaged);
  if (!values) throw damaged('a size reads 0xFFFFFFFF without a ZIP64 extra field');
  let k = 0;
  return fields.map((v) => (v === ZIP64 ? values[k++]! : v));
}

const zipDamaged = (why: string) => new ParseError(`The XLSX file is damaged or was tampered with (${why}): save it again from Excel and upload it again`);

/** Reads a ZIP's central directory (no decompression). */
async function zipEntries(path: string): Promise<{ entries: ZipEntry[]; cdOffset: number }> {
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
    if (count === 0xffff || cdSize === ZIP64 || cdOffset === ZIP64) {
      throw new ParseError('The XLSX file is a ZIP64 archive (over 4 GiB or 65,535 parts): far larger than any export this app reads; export it as CSV instead');
    }
    if (cdOffset + cdSize > size || cdSize > 64 * 1024 * 1024) throw new ParseError('The XLSX file is damaged (bad ZIP directory)');
    const cd = Buffer.alloc(cdSize);
    await fh.read(cd, 0, cdSize, cdOffset);
    const out: ZipEntry[] = [];
    let p = 0;
    for (let k = 0; k < count && p + 46 <= cd.length; k++) {
      if (cd.readUInt32LE(p) !== 0x02014b50) throw new ParseError('The XLSX file is damaged (bad ZIP entry)');
      const flags = cd.readUInt16LE(p + 8);
      const method = cd.readUInt16LE(p + 10);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      if (p + 46 + nameLen + extraLen > cd.length) throw new ParseError('The XLSX file is damaged (bad ZIP entry)');
      const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
      // ZIP64 values in the directory are read like any other: the size limits below then apply.
      const [uncompressed, compressed, localOffset] = withZip64(
        [cd.readUInt32LE(p + 24), cd.readUInt32LE(p + 20), cd.readUInt32LE(p + 42)],
        cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen),
        zipDamaged,
      ) as [number, number, number];
      out.push({ name, flags, method, compressed, uncompressed, localOffset });
      p += 46 + nameLen + extraLen + commentLen;
    }
    return { entries: out, cdOffset };
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

/** Inflates one part, counting its bytes; throws once more than `cap` come out (nothing is kept). */
async function inflatedSize(path: string, start: number, compressed: number, cap: number): Promise<number> {
  if (compressed === 0) return 0;
  const input = fs.createReadStream(path, { start, end: start + compressed - 1, highWaterMark: 1 << 20 });
  const inflate = zlib.createInflateRaw();
  let out = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      input.on('error', reject);
      inflate.on('error', reject);
      inflate.on('data', (chunk: Buffer) => {
        out += chunk.length;
        if (out > cap) {
          input.destroy();
          inflate.destroy();
          resolve();
        }
      });
      inflate.on('end', resolve);
      input.pipe(inflate);
    });
  } finally {
    input.destroy();
    inflate.destroy();
  }
  return out;
}

/** Workbooks already checked, by path, size and modification time (staged files never change). */
const verified = new Map<string, true>();

/**
 * The zip-bomb guard, before anything is inflated for real. First the declared sizes
 * (central directory): the whole archive, the shared strings (held in memory) and the
 * compression ratio of each part. Then, since declared sizes can lie, the parts are walked
 * in file order exactly as a streaming reader (exceljs) meets them: every local entry must be
 * one the directory lists, at its offset, with nothing hidden between them; and each is
 * inflated to nowhere with a hard cap at its declared size, so a part that expands past what it
 * declares is refused after at most that many bytes.
 */
async function verifyArchive(path: string, limits: ReturnType<typeof limitsOf>): Promise<ZipEntry[]> {
  const { entries, cdOffset } = await zipEntries(path);
  const st = await fs.promises.stat(path);
  const cacheKey = `${path}\u0000${st.size}\u0000${st.mtimeMs}\u0000${limits.maxXlsxUncompressedBytes}\u0000${limits.maxXlsxSharedStringsBytes}`;
  let total = 0;
  for (const e of entries) {
    if (e.flags & 1) throw new ParseError('The workbook is password-protected (encrypted): remove the password in Excel, save it and upload again');
    if (e.method !== 0 && e.method !== 8) throw new ParseError(`The XLSX part ${e.name} uses an unsupported compression method (${e.method}): save the workbook again from Excel`);
    total += e.uncompressed;
    const ratio = e.compressed > 0 ? e.uncompressed / e.compressed : e.uncompressed > 0 ? Infinity : 0;
    if (ratio > 250 && e.uncompressed > 64 * MiB) {
      throw new ParseError(`The XLSX part ${e.name} expands ${Number.isFinite(ratio) ? `${Math.round(ratio)}-fold` : 'from nothing'} to ${mib(e.uncompressed)}: refused as a likely zip bomb. Export the data as CSV instead`);
    }
    if (e.name === 'xl/sharedStrings.xml' && e.uncompressed > limits.maxXlsxSharedStringsBytes) {
      throw new ParseError(`The workbook's shared text is ${mib(e.uncompressed)}, over the limit of ${mib(limits.maxXlsxSharedStringsBytes)}: export the data as CSV instead`);
    }
  }
  if (total > limits.maxXlsxUncompressedBytes) {
    throw new ParseError(`The XLSX file expands to ${mib(total)}, over the limit of ${mib(limits.maxXlsxUncompressedBytes)}: export it as CSV instead`);
  }
  if (verified.has(cacheKey)) return entries;

  const byOffset = new Map(entries.map((e) => [e.localOffset, e]));
  const fh = await fs.promises.open(path, 'r');
  const damaged = zipDamaged;
  try {
    let offset = 0;
    let seen = 0;
    const header = Buffer.alloc(30);
    while (offset < cdOffset) {
      const { bytesRead } = await fh.read(header, 0, 30, offset);
      if (bytesRead < 30 || header.readUInt32LE(0) !== 0x04034b50) throw damaged(`no ZIP entry at byte ${offset}`);
      const e = byOffset.get(offset);
      const nameLen = header.readUInt16LE(26);
      const nameBuf = Buffer.alloc(nameLen);
      await fh.read(nameBuf, 0, nameLen, offset + 30);
      if (!e || nameBuf.toString('utf8') !== e.name) throw damaged(`the entry at byte ${offset} is not in the ZIP directory`);
      const flags = header.readUInt16LE(6);
      const extraLen = header.readUInt16LE(28);
      let localUncompressed = header.readUInt32LE(22);
      let localCompressed = header.readUInt32LE(18);
      if (flags & 1) throw new ParseError('The workbook is password-protected (encrypted): remove the password in Excel, save it and upload again');
      if (header.readUInt16LE(8) !== e.method) throw damaged(`${e.name} has two compression methods`);
      if (!(flags & 8) && (localCompressed === ZIP64 || localUncompressed === ZIP64)) {
        // A ZIP64 local header carries both sizes in its extra field; they must be the directory's.
        const extra = Buffer.alloc(extraLen);
        await fh.read(extra, 0, extraLen, offset + 30 + nameLen);
        const values = zip64Values(extra, 2, damaged);
        if (!values) throw damaged(`${e.name} has a size of 0xFFFFFFFF without a ZIP64 extra field`);
        [localUncompressed, localCompressed] = values as [number, number];
      }
      if (!(flags & 8) && (localCompressed !== e.compressed || localUncompressed !== e.uncompressed)) throw damaged(`${e.name} declares two different sizes`);
      if (flags & 8 && e.method === 0) throw damaged(`${e.name} is stored without its size`);
      const start = offset + 30 + nameLen + extraLen;
      if (start + e.compressed > cdOffset) throw damaged(`${e.name} runs past the end of the data`);
      const actual = e.method === 0 ? e.compressed : await inflatedSize(path, start, e.compressed, e.uncompressed);
      if (actual > e.uncompressed) {
        throw new ParseError(`The XLSX part ${e.name} declares ${mib(e.uncompressed)} but expands to more: refused as a zip bomb. Export the data as CSV instead`);
      }
      offset = start + e.compressed;
      if (flags & 8) {
        // data descriptor: optional signature, CRC, sizes (4 or 8 bytes each)
        const d = Buffer.alloc(4);
        await fh.read(d, 0, 4, offset);
        const body = d.readUInt32LE(0) === 0x08074b50 ? 16 : 12;
        const next = Buffer.alloc(4);
        await fh.read(next, 0, 4, offset + body);
        const sig = next.readUInt32LE(0);
        offset += sig === 0x04034b50 || sig === 0x02014b50 ? body : body + 8;
      }
      seen++;
    }
    if (offset !== cdOffset || seen !== entries.length) throw damaged('the ZIP directory does not match its entries');
  } finally {
    await fh.close();
  }
  if (verified.size > 256) verified.clear();
  verified.set(cacheKey, true);
  return entries;
}

/**
 * Checks an XLSX archive against the limits (zip-bomb guard: verifyArchive) and lists its
 * sheets in order.
 */
export async function inspectXlsx(path: string, opts: ReadOptions = {}): Promise<{ sheets: string[] }> {
  const limits = limitsOf(opts);
  const entries = await verifyArchive(path, limits);
  const wb = entries.find((e) => e.name === 'xl/workbook.xml');
  if (!wb) throw new ParseError('This ZIP file is not an XLSX workbook (no xl/workbook.xml)');
  const xml = await readEntry(path, wb, 16 * 1024 * 1024);
  const sheets: string[] = [];
  for (const m of xml.matchAll(/<(?:\w+:)?sheet\b[^>]*>/g)) {
    const name = xmlAttr(m[0], 'name');
    if (name !== null) sheets.push(name);
  }
  if (sheets.length === 0) throw new ParseError('The workbook has no sheets');
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
      if (wanted !== undefined && name !== wanted) {
        // Read through, not left: a sheet zipped before the shared strings waits in a temporary file, and
        // exceljs deletes the file as soon as the sheet is passed over, while its read stream may still be
        // opening it (an ENOENT no one listens for: an uncaught exception that ended the process).
        for await (const _row of ws) void _row;
        continue;
      }
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
    // exceljs's streaming reader needs xl/workbook.xml before the sheets when the shared strings come first;
    // writers that add the parts as they finish (exceljs's own, for one) sometimes zip it after them. Nothing
    // was read yet: read the workbook whole instead, which takes its parts in any order.
    if (rows === 0 && e instanceof TypeError) {
      yield* readXlsxWhole(path, wanted, limits);
      return;
    }
    throw new ParseError(`The XLSX file could not be read: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    stream.destroy();
  }
}

/** The non-streaming read of one sheet (the fallback above), with the same limits and cell text. */
async function* readXlsxWhole(path: string, wanted: string | undefined, limits: ReturnType<typeof limitsOf>): AsyncGenerator<{ fields: string[]; line: number }> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.readFile(path);
  } catch (e) {
    throw new ParseError(`The XLSX file could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  const ws = wanted === undefined ? workbook.worksheets[0] : workbook.getWorksheet(wanted);
  if (!ws) throw new ParseError(`The workbook has no sheet "${wanted}"`);
  const out: { fields: string[]; line: number }[] = [];
  ws.eachRow((row) => {
    if (out.length >= limits.maxRows) throw new ParseError(`The sheet has more than ${limits.maxRows} rows`, row.number);
    const values = row.values as unknown[];
    if (values.length - 1 > limits.maxColumns) throw new ParseError(`the row has ${values.length - 1} cells, more than the limit of ${limits.maxColumns}`, row.number);
    const fields: string[] = [];
    for (let i = 1; i < values.length; i++) {
      const t = cellText(values[i]);
      if (t.length > limits.maxCellSize) throw new ParseError(`a cell is larger than ${Math.round(limits.maxCellSize / 1024)} KiB`, row.number);
      fields.push(t);
    }
    out.push({ fields, line: row.number });
  });
  yield* out;
}
