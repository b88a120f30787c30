import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { ParseError, readHeader, readRows, sniffFile } from './index';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingest-parse-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
function write(name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}
async function all(p: string, format: Parameters<typeof readRows>[1]) {
  const out: { fields: string[]; line: number }[] = [];
  for await (const r of readRows(p, format)) out.push(r);
  return out;
}

describe('CSV', () => {
  it('quoted fields with delimiters, line breaks and doubled quotes keep physical start lines', async () => {
    const p = write('q.csv', 'id,note,amount\r\n1,"a, b",1.00\r\n2,"two\r\nlines",2.00\r\n\r\n3,"say ""hi""",3.00\r\n');
    const s = await sniffFile(p, 'q.csv');
    expect(s.format).toEqual({ type: 'csv', delimiter: ',', headerRow: 1 });
    expect(s.header).toEqual(['id', 'note', 'amount']);
    expect(await all(p, s.format)).toEqual([
      { fields: ['1', 'a, b', '1.00'], line: 2 },
      { fields: ['2', 'two\r\nlines', '2.00'], line: 3 },
      { fields: ['3', 'say "hi"', '3.00'], line: 6 },
    ]);
  });

  it('detects semicolon, tab and pipe delimiters (decimal commas do not fool it)', async () => {
    const semi = write('s.csv', 'id;amount;status\nA;1,50;paid\nB;2,75;paid\nC;3,00;failed\n');
    expect((await sniffFile(semi, 's.csv')).format.delimiter).toBe(';');
    const tab = write('t.tsv', 'id\tamount\nA\t1,000.50\nB\t2\n');
    expect((await sniffFile(tab, 't.tsv')).format.delimiter).toBe('\t');
    const pipe = write('p.txt', 'id|amount|x\nA|1|x\nB|2|y\n');
    const s = await sniffFile(pipe, 'p.txt');
    expect(s.format.delimiter).toBe('|');
    expect(s.sampleRows).toEqual([['A', '1', 'x'], ['B', '2', 'y']]);
  });

  it('skips a preamble, drops trailing Total rows but not a campaign named "Total ..."', async () => {
    const p = write('g.csv', 'Campaign report\n"July 1, 2024 - July 31, 2024"\nCampaign,Clicks,Cost\nTotal Fitness,10,"$1,000.00"\nBrand,5,2.00\nTotal: Account,15,"$1,002.00"\nTotal: Search,15,"$1,002.00"\n');
    const s = await sniffFile(p, 'g.csv');
    expect(s.format.headerRow).toBe(3);
    expect(s.preambleLines).toBe(2);
    expect(s.header).toEqual(['Campaign', 'Clicks', 'Cost']);
    expect(await all(p, s.format)).toEqual([
      { fields: ['Total Fitness', '10', '$1,000.00'], line: 4 },
      { fields: ['Brand', '5', '2.00'], line: 5 },
    ]);
  });

  it('a Total row followed by data is not trailing and is kept', async () => {
    const p = write('t2.csv', 'a,b\nTotal,1\nx,2\n');
    expect((await all(p, { type: 'csv' })).map((r) => r.fields[0])).toEqual(['Total', 'x']);
  });

  it('drops the empty field a trailing comma adds, and blank lines', async () => {
    const p = write('bank.csv', 'Details,Posting Date,Amount\nDEBIT,07/01/2024,-5.00,\n\n,,\nCREDIT,07/02/2024,10.00,\n');
    const rows = await all(p, { type: 'csv' });
    expect(rows).toEqual([
      { fields: ['DEBIT', '07/01/2024', '-5.00'], line: 2 },
      { fields: ['CREDIT', '07/02/2024', '10.00'], line: 5 },
    ]);
  });

  it('decodes UTF-16 LE and BE with a BOM, strips a UTF-8 BOM', async () => {
    const text = 'id,name\n1,Zoë\n';
    const le = write('le.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const be16 = Buffer.from(text, 'utf16le');
    for (let i = 0; i < be16.length; i += 2) { const t = be16[i] as number; be16[i] = be16[i + 1] as number; be16[i + 1] = t; }
    const be = write('be.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), be16]));
    const bom = write('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    for (const p of [le, be, bom]) {
      const s = await sniffFile(p, 'x.csv');
      expect(s.header).toEqual(['id', 'name']);
      expect(s.sampleRows).toEqual([['1', 'Zoë']]);
    }
  });

  it('reads Windows-1252 text', async () => {
    const p = write('w.csv', Buffer.from([...Buffer.from('id,name\n1,Caf'), 0xe9, 0x0a]));
    expect((await sniffFile(p, 'w.csv')).sampleRows).toEqual([['1', 'Café']]);
  });

  it('malformed input gives a ParseError with a line and a reason', async () => {
    const unbalanced = write('u.csv', 'id,note\n1,ok\n2,"never closed\n3,x\n');
    await expect(all(unbalanced, { type: 'csv', delimiter: ',', headerRow: 1 })).rejects.toThrow(/Line 3: a quoted field is never closed/);
    const wide = write('w2.csv', 'a,b\n1,2\n' + Array.from({ length: 40 }, (_, i) => i).join(',') + '\n');
    await expect(all(wide, { type: 'csv', delimiter: ',', headerRow: 1 })).rejects.toThrow(/Line 3: the row has 40 fields but the header has 2/);
    const bin = write('b.csv', Buffer.from([0x41, 0x2c, 0x42, 0x0a, 0x00, 0x01, 0x02, 0x00]));
    await expect(sniffFile(bin, 'b.csv')).rejects.toBeInstanceOf(ParseError);
    await expect(sniffFile(bin, 'b.csv')).rejects.toThrow(/binary data/);
  });

  it('enforces the column and cell limits', async () => {
    const p = write('big.csv', 'a,b\n1,' + 'x'.repeat(5000) + '\n');
    await expect((async () => { for await (const _ of readRows(p, { type: 'csv', delimiter: ',', headerRow: 1 }, { limits: { maxCellSize: 1000 } })) void _; })())
      .rejects.toThrow(/Line 2: a field is 5 KiB, more than the limit of 1 KiB/);
    const q = write('cols.csv', Array.from({ length: 30 }, (_, i) => `c${i}`).join(',') + '\n');
    await expect((async () => { for await (const _ of readRows(q, { type: 'csv', delimiter: ',', headerRow: 1 }, { limits: { maxColumns: 10 } })) void _; })())
      .rejects.toThrow(/30 fields, more than the limit of 10/);
    const runaway = write('run.csv', 'a,b\n1,"' + 'y\n'.repeat(3000) + '\n');
    await expect((async () => { for await (const _ of readRows(runaway, { type: 'csv', delimiter: ',', headerRow: 1 }, { limits: { maxCellSize: 1000 } })) void _; })())
      .rejects.toThrow(/Line 2: .*(unbalanced|never closed)/);
  });

  it('readHeader and onBytes', async () => {
    const p = write('h.csv', 'x;y\n1;2\n');
    expect(await readHeader(p, { type: 'csv' })).toEqual(['x', 'y']);
    let seen = 0;
    for await (const _ of readRows(p, { type: 'csv' }, { onBytes: (b) => (seen = b) })) void _;
    expect(seen).toBe(fs.statSync(p).size);
  });
});

describe('JSON', () => {
  it('array of objects: flattened, header = union of keys in first-seen order, numbers keep their text', async () => {
    const p = write('a.json', JSON.stringify([{ id: 'a', amount: 12.5, customer: { email: 'x@y.z' } }]).replace('12.5', '12.50').slice(0, -1) + ',{"id":"b","tags":["p","q"],"amount":9007199254740993,"ok":true,"n":null}]');
    const s = await sniffFile(p, 'a.json');
    expect(s.format.type).toBe('json');
    expect(s.header).toEqual(['id', 'amount', 'customer.email', 'tags', 'ok', 'n']);
    expect(s.sampleRows).toEqual([
      ['a', '12.50', 'x@y.z', '', '', ''],
      ['b', '9007199254740993', '', '["p","q"]', 'true', ''],
    ]);
    expect((await all(p, s.format)).map((r) => r.line)).toEqual([1, 2]);
  });

  it('NDJSON', async () => {
    const p = write('a.ndjson', '{"id":"a","v":"1"}\n{"id":"b","w":2}\n');
    const s = await sniffFile(p, 'a.ndjson');
    expect(s.header).toEqual(['id', 'v', 'w']);
    expect(s.sampleRows).toEqual([['a', '1', ''], ['b', '', '2']]);
  });

  it('invalid JSON is a ParseError', async () => {
    const p = write('bad.json', '[{"id":"a"},{"id":]');
    await expect(all(p, { type: 'json' })).rejects.toBeInstanceOf(ParseError);
  });
});

describe('XLSX', () => {
  it('reads the chosen sheet with a preamble, dates as ISO, numbers and formulas as text', async () => {
    const wb = new ExcelJS.Workbook();
    const other = wb.addWorksheet('Notes');
    other.addRow(['nothing here']);
    const ws = wb.addWorksheet('Payments');
    ws.addRow(['Payments export']);
    ws.addRow([]);
    ws.addRow(['id', 'date', 'amount', 'status']);
    ws.addRow(['A1', new Date(Date.UTC(2024, 6, 1)), 1234.5, 'Paid']);
    ws.addRow(['A2', new Date(Date.UTC(2024, 6, 2, 13, 5, 0)), { formula: 'C4*2', result: 2469 }, 'Failed']);
    ws.addRow(['Total', null, 3703.5, null]);
    const p = path.join(dir, 'x.xlsx');
    await wb.xlsx.writeFile(p);
    const s = await sniffFile(p, 'x.xlsx', { format: { sheet: 'Payments' } });
    expect(s.sheets).toEqual(['Notes', 'Payments']);
    expect(s.format).toEqual({ type: 'xlsx', headerRow: 3, sheet: 'Payments' });
    expect(s.header).toEqual(['id', 'date', 'amount', 'status']);
    expect(await all(p, s.format)).toEqual([
      { fields: ['A1', '2024-07-01', '1234.5', 'Paid'], line: 4 },
      { fields: ['A2', '2024-07-02T13:05:00', '2469', 'Failed'], line: 5 },
    ]);
    await expect(sniffFile(p, 'x.xlsx', { format: { sheet: 'Nope' } })).rejects.toThrow(/no sheet "Nope"; its sheets are: Notes, Payments/);
  });

  it('refuses an archive that declares more than the uncompressed limit', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('S').addRow(['a']);
    const p = path.join(dir, 'small.xlsx');
    await wb.xlsx.writeFile(p);
    await expect(all(p, { type: 'xlsx', headerRow: 1 }).then(() => readRows(p, { type: 'xlsx', headerRow: 1 }, { limits: { maxXlsxUncompressedBytes: 100 } }).next()))
      .rejects.toThrow(/expands to .* over the limit/);
  });

  it('an .xls (OLE) file is refused with advice', async () => {
    const p = write('old.xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]));
    await expect(sniffFile(p, 'old.xls')).rejects.toThrow(/save it as .xlsx or .csv/);
  });
});
