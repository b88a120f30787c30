import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CsvSplitter, csvField, parseCsv, type RowCallback } from './csv';

function chunked(text: string, sizes: number[]): string[][] {
  const out: string[][] = [];
  const sp = new CsvSplitter();
  const cb: RowCallback = (f) => out.push(f);
  let i = 0, k = 0;
  while (i < text.length) {
    const n = Math.max(1, sizes[k++ % Math.max(1, sizes.length)] ?? 1);
    sp.push(text.slice(i, i + n), cb);
    i += n;
  }
  sp.end(cb);
  return out;
}

const fieldArb = fc.oneof(
  fc.stringMatching(/^[a-zA-Z0-9 .\-_]{0,8}$/),
  fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r\n', ' ', 'é', 'x'), maxLength: 8 }),
);
const tableArb = fc.array(fc.array(fieldArb, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 })
  // a row made of one empty field is an empty line, which both parsers skip
  .map((rows) => rows.filter((r) => !(r.length === 1 && r[0] === '')));

describe('CsvSplitter', () => {
  it('splits simple files and counts lines', () => {
    expect(parseCsv('a,b\n1,2\r\n\n3,4')).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['1', '2'], line: 2 },
      { fields: ['3', '4'], line: 4 },
    ]);
    expect(parseCsv('\ufeffid,x\n"q,1","say ""hi"""\n"multi\nline",z\nlast,1\n')).toEqual([
      { fields: ['id', 'x'], line: 1 },
      { fields: ['q,1', 'say "hi"'], line: 2 },
      { fields: ['multi\nline', 'z'], line: 3 },
      { fields: ['last', '1'], line: 5 },
    ]);
  });

  it('reports malformed quoting with its line', () => {
    expect(() => parseCsv('a\n"open')).toThrow(/unterminated/);
    expect(() => parseCsv('a\nx"y,1')).toThrow(/quote inside/);
    expect(() => parseCsv('a\n"x"y')).toThrow(/after a closing quote/);
  });

  it('agrees with csv-parse on any table, however the input is chunked', () => {
    fc.assert(
      fc.property(tableArb, fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }), fc.boolean(), fc.boolean(), (rows, sizes, crlf, trailing) => {
        const eol = crlf ? '\r\n' : '\n';
        const text = rows.map((r) => r.map(csvField).join(',')).join(eol) + (trailing ? eol : '');
        const expected = parse(text, { relax_column_count: true, skip_empty_lines: true }) as string[][];
        expect(chunked(text, sizes)).toEqual(expected);
        expect(chunked(text, [1 << 20])).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});
