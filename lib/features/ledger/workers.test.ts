import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ledgerWorkers } from './pass';

describe('ledgerWorkers', () => {
  it('takes PAIDLINE_LEDGER_WORKERS from 1 to 16, and defaults to two where there are two cores', () => {
    expect(ledgerWorkers('1')).toBe(1);
    expect(ledgerWorkers('16')).toBe(16);
    expect(ledgerWorkers('')).toBe(Math.min(2, availableParallelism()));
    expect(ledgerWorkers(undefined)).toBe(process.env.PAIDLINE_LEDGER_WORKERS ? Number(process.env.PAIDLINE_LEDGER_WORKERS) : Math.min(2, availableParallelism()));
  });

  it('refuses anything else, naming the setting', () => {
    for (const bad of ['0', '17', '1.5', 'two', '-1']) expect(() => ledgerWorkers(bad), bad).toThrow(/PAIDLINE_LEDGER_WORKERS="[^"]*" is not a whole number from 1 to 16/);
  });
});
