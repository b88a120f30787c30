import { describe, expect, it } from 'vitest';
import { describeChange, entryOutcome, factChanges, factsFingerprint, reopenReason, type SourceFact } from './ledger';

const side = (name: string, over: Partial<SourceFact> = {}): SourceFact => ({
  name, present: true, count: 1, status: 'Paid', amountMinor: '12500', currency: 'USD', date: '2026-12-03', ...over,
});
const missing = (name: string): SourceFact => ({ name, present: false, count: 0, status: null, amountMinor: null, currency: null, date: null });

describe('the ledger keeps decisions until the facts change', () => {
  it('the same facts, in any member order, are unchanged: nothing to write', () => {
    const facts = [side('Gateway'), side('Bank')];
    expect(factsFingerprint(facts)).toBe(factsFingerprint([side('Bank'), side('Gateway')]));
    expect(entryOutcome({ facts, state: 'resolved' }, [side('Bank'), side('Gateway')])).toEqual({ kind: 'unchanged' });
  });

  it('a new key is created; changed facts on an open entry update it without reopening anything', () => {
    expect(entryOutcome(null, [side('Gateway')])).toEqual({ kind: 'created' });
    expect(entryOutcome({ facts: [side('Gateway'), missing('Bank')], state: 'open' }, [side('Gateway'), side('Bank')])).toEqual({
      kind: 'changed',
      changes: [{ kind: 'appeared', source: 'Bank', status: 'Paid' }],
    });
  });

  it('changed facts on a resolved or written-off entry reopen it, with every change named', () => {
    const before = [side('Gateway'), side('Bank')];
    const after = [side('Gateway'), side('Bank', { status: 'Failed', amountMinor: '12000', date: '2026-12-04' })];
    for (const state of ['resolved', 'written_off']) {
      expect(entryOutcome({ facts: before, state }, after)).toEqual({
        kind: 'reopened',
        changes: [
          { kind: 'status', source: 'Bank', from: 'Paid', to: 'Failed' },
          { kind: 'amount', source: 'Bank', from: '12500', to: '12000', currency: 'USD' },
          { kind: 'date', source: 'Bank', from: '2026-12-03', to: '2026-12-04' },
        ],
      });
    }
  });

  it('names a source that appeared, disappeared, was duplicated, or changed currency', () => {
    expect(factChanges([side('A'), missing('B')], [missing('A'), side('B', { status: 'Pending' })])).toEqual([
      { kind: 'disappeared', source: 'A' },
      { kind: 'appeared', source: 'B', status: 'Pending' },
    ]);
    expect(factChanges([side('A')], [side('A', { count: 2 })])).toEqual([{ kind: 'duplicated', source: 'A', count: 2 }]);
    // A currency change is one change, not also an amount change in another currency.
    expect(factChanges([side('A')], [side('A', { currency: 'EUR', amountMinor: '11000' })])).toEqual([{ kind: 'currency', source: 'A', from: 'USD', to: 'EUR' }]);
  });

  it('says why an entry reopened in a reviewer\'s words, with the decision it undoes', () => {
    const changes = factChanges([side('Bank')], [side('Bank', { status: 'Failed' })]);
    expect(reopenReason(changes, { label: 'Resolved', at: new Date('2026-12-03T10:00:00Z'), finalStatus: 'Paid' })).toBe(
      'Bank now says Failed (was Paid); it was resolved as Paid on 2026-12-03.',
    );
    const money = (m: string, c: string | null) => `${(Number(m) / 100).toFixed(2)} ${c}`;
    expect(describeChange({ kind: 'amount', source: 'ERP', from: '12500', to: '12000', currency: 'USD' }, money)).toBe('ERP now says 120.00 USD (was 125.00 USD)');
    expect(reopenReason(factChanges([missing('ERP')], [side('ERP')]), { label: 'Written off', at: new Date('2026-12-01T00:00:00Z'), finalStatus: null })).toBe(
      'ERP now has this transaction (Paid); it was written off on 2026-12-01.',
    );
  });
});
