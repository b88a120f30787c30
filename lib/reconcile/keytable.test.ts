import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyTable } from './keytable';
import { hashKey } from './partition';

describe('KeyTable', () => {
  it('gives dense first-seen slots, like a Map, for any keys (short, long, non-Latin-1) across growth', () => {
    const keyArb = fc.oneof(
      fc.string({ maxLength: 4 }),
      fc.string({ minLength: 18, maxLength: 24 }),
      fc.string({ unit: 'binary', maxLength: 22 }),
      fc.constantFrom('TX1', 'TX2', 'Ā', 'é', 'x'.repeat(20), 'x'.repeat(21)),
    );
    fc.assert(
      fc.property(fc.array(keyArb, { maxLength: 3000 }), fc.integer({ min: 0, max: 64 }), (keys, expected) => {
        const t = new KeyTable(expected);
        const m = new Map<string, number>();
        for (const k of keys) {
          if (!m.has(k)) m.set(k, m.size);
          expect(t.slot(k)).toBe(m.get(k));
        }
        expect(t.keys).toEqual([...m.keys()]);
      }),
      { numRuns: 200 },
    );
  });

  it('hashes like the partition helper', () => {
    fc.assert(fc.property(fc.string(), (k) => {
      expect(KeyTable.hash(k) >>> 0).toBe(hashKey(k));
    }));
  });
});
