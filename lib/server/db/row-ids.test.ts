import { describe, expect, it } from 'vitest';
import { timeOrderedId } from './row-ids';

describe('timeOrderedId', () => {
  it('gives UUIDv7s that sort in the order they were made, within a millisecond too', () => {
    const ids = Array.from({ length: 5000 }, () => timeOrderedId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    // They begin with the time they were made (milliseconds since the epoch, 48 bits).
    const ms = parseInt(ids[0]!.replace(/-/g, '').slice(0, 12), 16);
    expect(Math.abs(ms - Date.now())).toBeLessThan(60_000);
  });
});
