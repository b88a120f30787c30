import { describe, expect, it } from 'vitest';
import { rawRowWriter } from './write-records';

/** The raw row's JSON is exactly what JSON.stringify of the {header: cell} object gives. */
describe('rawRowWriter', () => {
  const asObject = (header: string[], fields: string[]) => {
    const raw: Record<string, string> = {};
    header.forEach((h, i) => Object.defineProperty(raw, h, { value: fields[i] ?? '', enumerable: true, writable: true, configurable: true }));
    return JSON.stringify(raw);
  };

  it('matches JSON.stringify of the row object, quotes, unicode, control characters and missing cells included', () => {
    const header = ['id', 'Created (UTC)', 'Say "hi"', 'Ünïcode ✓', 'tab\there', '__proto__'];
    const rows = [['ch_1', '2024-01-01 00:00:00', 'a "quoted" \\ value', 'é', 'x\ny\u0001', 'p'], ['ch_2', '', '', '', '']];
    const write = rawRowWriter(header);
    for (const r of rows) {
      expect(write(r)).toBe(asObject(header, r));
      expect(JSON.parse(write(r))).toEqual(JSON.parse(asObject(header, r)));
    }
  });

  it('keeps the last cell of a column named twice, and an empty header gives {}', () => {
    expect(JSON.parse(rawRowWriter(['a', 'b', 'a'])(['1', '2', '3']))).toEqual({ a: '3', b: '2' });
    expect(rawRowWriter([])([])).toBe('{}');
  });
});
