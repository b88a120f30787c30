import { describe, expect, it } from 'vitest';
import { idWindows } from './id-windows';

describe('idWindows', () => {
  const ids = [3, 4, 9, 10, 11, 20, 21, 40];
  const read = (calls: [number, number][]) => async (after: number, upTo: number) => {
    calls.push([after, upTo]);
    return ids.filter((id) => id > after && id <= upTo);
  };

  it('reads every id between the bounds once, in order, a window at a time', async () => {
    for (const window of [1, 2, 5, 7, 37, 100]) {
      const calls: [number, number][] = [];
      const seen: number[] = [];
      for await (const rows of idWindows({ min: 3, max: 40 }, read(calls), window)) seen.push(...rows);
      expect(seen).toEqual(ids);
      // Windows follow each other without a gap or an overlap, from just below the first id to the last.
      expect(calls[0]![0]).toBe(2);
      expect(calls.at(-1)![1]).toBe(40);
      for (let i = 1; i < calls.length; i++) expect(calls[i]![0]).toBe(calls[i - 1]![1]);
      expect(calls.every(([a, b]) => b - a <= window)).toBe(true);
    }
  });

  it('yields no empty window, and nothing when there are no rows', async () => {
    const windows: number[][] = [];
    for await (const rows of idWindows({ min: 3, max: 40 }, read([]), 5)) windows.push(rows);
    expect(windows.every((w) => w.length > 0)).toBe(true);
    const calls: [number, number][] = [];
    for await (const rows of idWindows({ min: null, max: null }, read(calls))) windows.push(rows);
    expect(calls).toEqual([]);
  });
});
