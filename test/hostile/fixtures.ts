/**
 * Hostile files made inside the tests (nothing big is committed): hand-built ZIP archives
 * (a zip bomb, one whose sizes lie, one hiding an entry), binary and UTF-16 text, deep JSON.
 */
import zlib from 'node:zlib';
import ExcelJS from 'exceljs';

export type ZipPart = { name: string; data: Buffer; method?: 0 | 8; declaredSize?: number };

/** A ZIP archive; `declaredSize` lets a part lie about its uncompressed size. */
export function buildZip(parts: ZipPart[], opts: { hidden?: ZipPart } = {}): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  const add = (p: ZipPart, listed: boolean) => {
    const method = p.method ?? 8;
    const body = method === 8 ? zlib.deflateRawSync(p.data, { level: 9 }) : p.data;
    const name = Buffer.from(p.name, 'utf8');
    const size = p.declaredSize ?? p.data.length;
    const crc = zlib.crc32(p.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    if (listed) {
      const cd = Buffer.alloc(46);
      cd.writeUInt32LE(0x02014b50, 0);
      cd.writeUInt16LE(20, 4);
      cd.writeUInt16LE(20, 6);
      cd.writeUInt16LE(method, 10);
      cd.writeUInt32LE(crc, 16);
      cd.writeUInt32LE(body.length, 20);
      cd.writeUInt32LE(size, 24);
      cd.writeUInt16LE(name.length, 28);
      cd.writeUInt32LE(offset, 42);
      central.push(cd, name);
    }
    offset += 30 + name.length + body.length;
  };
  if (opts.hidden) add(opts.hidden, false);
  for (const p of parts) add(p, true);
  const cdBuf = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(parts.length, 8);
  eocd.writeUInt16LE(parts.length, 10);
  eocd.writeUInt32LE(cdBuf.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cdBuf, eocd]);
}

const CONTENT_TYPES = '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>';
const WORKBOOK = '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>';
const sheetXml = (rows: string) => `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows}</sheetData></worksheet>`;

/** The skeleton of a workbook whose first sheet is `sheet` (raw bytes). */
function workbookWith(sheet: ZipPart, hidden?: ZipPart): Buffer {
  return buildZip(
    [
      { name: '[Content_Types].xml', data: Buffer.from(CONTENT_TYPES) },
      { name: 'xl/workbook.xml', data: Buffer.from(WORKBOOK) },
      sheet,
    ],
    { hidden },
  );
}

/** Sheet XML padded with `mib` MiB of spaces: compresses about 1000-fold. */
function paddedSheet(mib: number): Buffer {
  const rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row>';
  const head = Buffer.from(sheetXml(rows).replace('</sheetData>', '</sheetData>'));
  return Buffer.concat([head.subarray(0, head.length - '</worksheet>'.length), Buffer.alloc(mib * 1024 * 1024, 0x20), Buffer.from('</worksheet>')]);
}

/** A zip bomb that tells the truth: about 100 KiB that declares 100 MiB. */
export function zipBombXlsx(): Buffer {
  return workbookWith({ name: 'xl/worksheets/sheet1.xml', data: paddedSheet(100) });
}

/** A zip bomb that lies: its sheet declares 2 KiB but inflates to 20 MiB. */
export function lyingZipBombXlsx(): Buffer {
  return workbookWith({ name: 'xl/worksheets/sheet1.xml', data: paddedSheet(20), declaredSize: 2048 });
}

/** A workbook with an entry before the others that its directory does not list (what a streaming reader would still inflate). */
export function hiddenEntryXlsx(): Buffer {
  return workbookWith(
    { name: 'xl/worksheets/sheet1.xml', data: Buffer.from(sheetXml('<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row>')) },
    { name: 'xl/worksheets/sheet1.xml', data: paddedSheet(20) },
  );
}

/** A real workbook (exceljs) with the given rows. */
export async function xlsxOf(rows: unknown[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Data');
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Text as UTF-16 (LE or BE), with or without a byte order mark. */
export function utf16(text: string, opts: { be?: boolean; bom: boolean }): Buffer {
  const le = Buffer.from(text, 'utf16le');
  const body = opts.be ? Buffer.from(le).swap16() : le;
  if (!opts.bom) return body;
  return Buffer.concat([Buffer.from(opts.be ? [0xfe, 0xff] : [0xff, 0xfe]), body]);
}

/** Pseudo-random bytes (deterministic), as in an image or an archive. */
export function binaryBytes(n: number, seed = 7): Buffer {
  const out = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = x >> 16;
  }
  return out;
}

/** `{"id":"J1","amount":1,"status":"Paid","deep":{"a":{"a":...}}}` nested `levels` deep. */
export function deepJson(levels: number): string {
  return `[{"id":"J1","amount":"1.00","status":"Paid","deep":${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}}]`;
}

/** A gateway CSV: header then rows. */
export const GATEWAY_HEADER = 'TransactionID,Date,Amount,Status';
export function csv(...rows: string[]): string {
  return `${GATEWAY_HEADER}\n${rows.join('\n')}\n`;
}

/**
 * The same workbook with ZIP64 local headers, as Python's zipfile writes them with force_zip64
 * (and .NET for parts streamed without a known size): every local header's two sizes read
 * 0xFFFFFFFF and a ZIP64 extra field carries the real ones; the central directory keeps plain
 * sizes, its offsets moved by the added bytes. `tamper` makes one part's ZIP64 sizes disagree with
 * the directory (`declare` bytes uncompressed), or leaves the extra field out.
 */
export function withZip64LocalHeaders(zip: Buffer, tamper?: { part: string; declare?: number; noExtra?: boolean }): Buffer {
  let eocd = zip.length - 22;
  while (zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  const count = zip.readUInt16LE(eocd + 10);
  const cdOffset = zip.readUInt32LE(eocd + 16);
  const cd = Buffer.from(zip.subarray(cdOffset, eocd));
  const out: Buffer[] = [];
  let shift = 0;
  let p = 0;
  for (let k = 0; k < count; k++) {
    const nameLen = cd.readUInt16LE(p + 28);
    const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
    const offset = cd.readUInt32LE(p + 42);
    const compressed = cd.readUInt32LE(p + 20);
    const local = Buffer.from(zip.subarray(offset, offset + 30));
    if (local.readUInt16LE(6) & 8) throw new Error('parts with data descriptors are not rewritten');
    const localName = zip.subarray(offset + 30, offset + 30 + local.readUInt16LE(26));
    const oldExtra = zip.subarray(offset + 30 + localName.length, offset + 30 + localName.length + local.readUInt16LE(28));
    const data = zip.subarray(offset + 30 + localName.length + oldExtra.length, offset + 30 + localName.length + oldExtra.length + compressed);
    const t = tamper?.part === name ? tamper : undefined;
    const zip64 = Buffer.alloc(t?.noExtra ? 0 : 20);
    if (!t?.noExtra) {
      zip64.writeUInt16LE(0x0001, 0);
      zip64.writeUInt16LE(16, 2);
      zip64.writeBigUInt64LE(BigInt(t?.declare ?? local.readUInt32LE(22)), 4);
      zip64.writeBigUInt64LE(BigInt(local.readUInt32LE(18)), 12);
    }
    local.writeUInt16LE(45, 4); // version needed: 4.5, ZIP64
    local.writeUInt32LE(0xffffffff, 18);
    local.writeUInt32LE(0xffffffff, 22);
    local.writeUInt16LE(oldExtra.length + zip64.length, 28);
    cd.writeUInt32LE(offset + shift, p + 42);
    out.push(local, localName, oldExtra, zip64, data);
    shift += zip64.length;
    p += 46 + nameLen + cd.readUInt16LE(p + 30) + cd.readUInt16LE(p + 32);
  }
  const end = Buffer.from(zip.subarray(eocd));
  end.writeUInt32LE(cdOffset + shift, 16);
  return Buffer.concat([...out, cd, end]);
}
