import { describe, expect, it } from 'vitest';
import { csvEscapeCell } from './csv-safe';

describe('csvEscapeCell', () => {
  it('neutralises formula-like cells', () => {
    expect(csvEscapeCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvEscapeCell('+1')).toBe("'+1");
    expect(csvEscapeCell('-12.50')).toBe("'-12.50");
    expect(csvEscapeCell('@SUM(A1)')).toBe("'@SUM(A1)");
  });
  it('quotes delimiters, quotes and newlines, and leaves plain text alone', () => {
    expect(csvEscapeCell('a,b')).toBe('"a,b"');
    expect(csvEscapeCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvEscapeCell('two\nlines')).toBe('"two\nlines"');
    expect(csvEscapeCell('TX1000')).toBe('TX1000');
  });
});
