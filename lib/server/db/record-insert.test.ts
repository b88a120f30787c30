import { describe, expect, it } from 'vitest';
import { createClient } from '@libsql/client';
import { copyField, sqliteLiteral } from './record-insert';

describe('sqliteLiteral', () => {
  it('quotes hostile text so it round-trips exactly', async () => {
    const db = createClient({ url: ':memory:' });
    const samples = ["O'Brien", "'); DROP TABLE t; --", 'back\\slash', '"double"', 'ünïcödé 💸', '-- comment', '/* c */', '\n\r\t', "''''", ''];
    for (const s of samples) {
      const r = await db.execute(`SELECT ${sqliteLiteral(s)} AS v`);
      expect(r.rows[0]!.v).toBe(s);
    }
    db.close();
  });

  it('never lets NUL end the statement, and refuses non-finite numbers', () => {
    expect(sqliteLiteral('a\u0000b')).toBe("'a\ufffdb'");
    expect(sqliteLiteral(null)).toBe('NULL');
    expect(sqliteLiteral(-1250)).toBe('-1250');
    expect(() => sqliteLiteral(Number.NaN)).toThrow();
    expect(() => sqliteLiteral(Number.POSITIVE_INFINITY)).toThrow();
    expect(sqliteLiteral(new Date('2024-07-01T00:00:00Z'))).toBe("'2024-07-01T00:00:00.000+00:00'");
  });
});

describe('COPY fields for PostgreSQL', () => {
  it('keeps NULL apart from the empty string, doubles quotes, and refuses non-finite numbers', () => {
    expect(copyField(null)).toBe('');
    expect(copyField('')).toBe('""');
    expect(copyField('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
    expect(copyField('\\N')).toBe('"\\N"');
    expect(copyField('a\u0000b')).toBe('"a\ufffdb"');
    expect(copyField(-1250)).toBe('-1250');
    expect(copyField(new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 123)))).toBe('"2024-02-29T23:59:59.123Z"');
    expect(() => copyField(Number.NaN)).toThrow(/Cannot store/);
  });
});
