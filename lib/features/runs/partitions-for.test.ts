import { describe, expect, it } from 'vitest';
import { MAX_PARTITIONS, partitionsFor } from './settings';

describe('partitionsFor: how many key partitions a run gets by its size', () => {
  const settings = { partitionRows: 1_000_000, partitions: 2 };
  it('keeps a run up to partitionRows whole', () => {
    expect(partitionsFor(0, settings)).toBe(1);
    expect(partitionsFor(1_000_000, settings)).toBe(1);
  });
  it('splits a larger run into at least the configured number', () => {
    expect(partitionsFor(1_000_001, settings)).toBe(2);
    expect(partitionsFor(2_000_000, { partitionRows: 1_000_000, partitions: 4 })).toBe(4);
  });
  it('gives each partition about partitionRows records, so a worker holds a bounded share', () => {
    expect(partitionsFor(2_000_001, settings)).toBe(3);
    expect(partitionsFor(20_000_000, settings)).toBe(20);
  });
  it('never goes beyond MAX_PARTITIONS', () => {
    expect(partitionsFor(10_000_000_000, settings)).toBe(MAX_PARTITIONS);
  });
});
