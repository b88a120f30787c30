import fs, { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readXlsxRows } from './xlsx';

/**
 * A workbook whose xl/workbook.xml is zipped after its sheets, with the shared strings first: what
 * exceljs's own writer sometimes produces. Its streaming reader cannot name the sheets of such a file;
 * the reader falls back to reading it whole, and gets the same rows.
 */
describe('an XLSX whose workbook part comes after its sheets', () => {
  it('is read, the chosen sheet and its rows, as in the usual order', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Summary').addRows([['Bank statement, July 2024']]);
    const sheet = wb.addWorksheet('Transactions');
    sheet.addRow(['TransactionID', 'Amount', 'Status']);
    sheet.addRow(['TX1000', 388, 'Completed']);
    sheet.addRow(['TX1001', 136.5, 'Pending']);
    const zipped = await JSZip.loadAsync(Buffer.from(await wb.xlsx.writeBuffer({ useSharedStrings: true } as never)));
    const names = Object.keys(zipped.files).filter((n) => !zipped.files[n]!.dir);
    const rank = (n: string) => (n === 'xl/workbook.xml' ? 3 : /^xl\/worksheets\/sheet/.test(n) ? 2 : 1);
    const reordered = new JSZip();
    for (const n of [...names].sort((a, b) => rank(a) - rank(b))) reordered.file(n, await zipped.files[n]!.async('uint8array'));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'xlsx-order-'));
    const file = path.join(dir, 'reordered.xlsx');
    writeFileSync(file, await reordered.generateAsync({ type: 'nodebuffer' }));
    const usual = path.join(dir, 'usual.xlsx');
    await wb.xlsx.writeFile(usual);

    const read = async (f: string) => {
      const rows: { fields: string[]; line: number }[] = [];
      for await (const r of readXlsxRows(f, 'Transactions')) rows.push(r);
      return rows;
    };
    const rows = await read(file);
    expect(rows.map((r) => r.fields)).toEqual([['TransactionID', 'Amount', 'Status'], ['TX1000', '388', 'Completed'], ['TX1001', '136.5', 'Pending']]);
    expect(rows).toEqual(await read(usual));
  });
});

/**
 * exceljs keeps a sheet zipped before the shared strings in a temporary file and deletes it as soon as
 * the reader passes the sheet over, while the sheet's read stream may still be opening it. With every
 * open delayed (as on a loaded machine), a passed-over sheet failed with an ENOENT nobody listened for:
 * an uncaught exception, which ends the process reading the upload.
 */
describe('a sheet passed over on the way to the chosen one', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is read through, and no error escapes when its temporary file is opened late', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Notes').addRow(['nothing here']);
    const sheet = wb.addWorksheet('Payments');
    sheet.addRow(['id', 'amount']);
    sheet.addRow(['A1', 12.5]);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'xlsx-skip-')), 'two-sheets.xlsx');
    await wb.xlsx.writeFile(file);

    const escaped: unknown[] = [];
    const onUncaught = (e: unknown) => escaped.push(e);
    process.on('uncaughtException', onUncaught);
    const createReadStream = fs.createReadStream;
    const lateOpen = { open: (...args: Parameters<typeof fs.open>) => void setTimeout(() => (fs.open as (...a: unknown[]) => void)(...args), 30), read: fs.read, close: fs.close };
    vi.spyOn(fs, 'createReadStream').mockImplementation(((p: fs.PathLike, o?: object) => createReadStream(p, { ...o, fs: lateOpen })) as typeof fs.createReadStream);
    try {
      const rows: string[][] = [];
      for await (const r of readXlsxRows(file, 'Payments')) rows.push(r.fields);
      expect(rows).toEqual([['id', 'amount'], ['A1', '12.5']]);
      await new Promise((r) => setTimeout(r, 100)); // any late open has failed or succeeded by now
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(escaped).toEqual([]);
  });
});
