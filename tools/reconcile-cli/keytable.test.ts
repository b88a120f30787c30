import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyTable } from '@/lib/reconcile/keytable';
import { CliKeyTable } from './keytable';

describe('CliKeyTable', () => {
  it('finds keys from bytes in a larger buffer, folding ASCII case, and agrees with slot()', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-zA-Z0-9_-]{1,24}$/), { maxLength: 500 }), fc.boolean(), (keys, fold) => {
        const t = new CliKeyTable();
        const m = new Map<string, number>();
        for (const k of keys) {
          const norm = fold ? k.toUpperCase() : k;
          if (!m.has(norm)) m.set(norm, m.size);
          const bytes = new TextEncoder().encode(`,,${k};;`);
          expect(t.slotBytes(bytes, 2, 2 + k.length, KeyTable.hash(norm), fold)).toBe(m.get(norm));
          expect(t.slot(norm)).toBe(m.get(norm));
        }
        expect(t.keys).toEqual([...m.keys()]);
      }),
      { numRuns: 200 },
    );
  });

  it('a table from exported keys answers keyOf, keyLength and keyBytes, and refuses new keys', () => {
    const t = new CliKeyTable(0, true);
    const keys = ['TX1', 'É', 'Ā-wide', 'x'.repeat(21)];
    for (const k of keys) t.slot(k);
    const copy = CliKeyTable.fromKeys(structuredClone(t.exportKeys()));
    expect(copy.keys).toEqual(keys);
    expect(keys.map((_, s) => copy.keyLength(s))).toEqual(keys.map((k) => k.length));
    const out = { u8: new Uint8Array(0), offset: 0, length: 0 };
    expect(copy.keyBytes(0, out)).toBe(true);
    expect(String.fromCharCode(...out.u8.subarray(out.offset, out.offset + out.length))).toBe('TX1');
    expect(copy.keyBytes(2, out)).toBe(false); // beyond Latin-1: kept as a string
    expect(copy.keyBytes(3, out)).toBe(false); // longer than 20: kept as a string
    expect(() => copy.slot('NEW')).toThrow('read-only');
  });
});
