import { describe, expect, it } from 'vitest';
import { csvEscapeCell } from './csv-safe';

describe('csvEscapeCell', () => {
  it('neutralises formula-like cells', () => {
    expect(csvEscapeCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvEscapeCell('+1+2')).toBe("'+1+2");
    expect(csvEscapeCell('-2+3+cmd|\' /C calc\'!A0')).toBe("'-2+3+cmd|' /C calc'!A0");
    expect(csvEscapeCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvEscapeCell('\t=1+1')).toBe("'\t=1+1");
    expect(csvEscapeCell('\r=1+1')).toBe(`"'\r=1+1"`);
    expect(csvEscapeCell('-1e5')).toBe("'-1e5");
  });
  it('leaves plain numbers (negative amounts) as numbers', () => {
    expect(csvEscapeCell('-12.50')).toBe('-12.50');
    expect(csvEscapeCell('+3')).toBe('+3');
    expect(csvEscapeCell('1000')).toBe('1000');
  });
  it('quotes delimiters, quotes and newlines, and leaves plain text alone', () => {
    expect(csvEscapeCell('a,b')).toBe('"a,b"');
    expect(csvEscapeCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvEscapeCell('two\nlines')).toBe('"two\nlines"');
    expect(csvEscapeCell('TX1000')).toBe('TX1000');
    expect(csvEscapeCell("'; DROP TABLE \"SourceRecord\"; --")).toBe(`"'; DROP TABLE ""SourceRecord""; --"`);
  });
});
