import { describe, expect, it } from 'vitest';
import { finalForTimingDifference, finalFromManual, finalFromRecommendation, finalFromSource } from './final-state';
import { type ResultDetail, type SourceSide } from '@/lib/reconcile/result-detail';

function side(name: string, kind: string, status: string | null, amount: number | null): SourceSide {
  const present = status !== null;
  return { sourceId: name, name, kind, present, count: present ? 1 : 0, recordId: present ? 1 : null, status, code: status, amountMinor: amount === null ? null : String(amount), currency: present ? 'USD' : null, date: '2024-07-01', line: 2, snapshots: 0 };
}
const detail = (sources: SourceSide[], corrections: ResultDetail['corrections'] = []): ResultDetail => ({ sources, corrections, violations: [] });

describe('final state of a transaction', () => {
  it('the bank holds the final status after the corrections', () => {
    const d = detail([side('Gateway', 'gateway', 'Pending', 1000), side('Bank', 'bank', 'Paid', 1000)], [{ source: 'Gateway', op: 'set_status', status: 'Paid' }]);
    expect(finalFromRecommendation(d, 'bank-paid-gateway-pending', 'USD')).toEqual({ status: 'Paid', amountMinor: 1000n, currency: 'USD' });
  });

  it('fail and refund ends Failed at the bank amount', () => {
    const d = detail([side('Gateway', 'gateway', 'Paid', 900), side('Bank', 'bank', 'Paid', 1000)], [
      { source: 'Gateway', op: 'set_status', status: 'Failed' },
      { source: 'Bank', op: 'set_status', status: 'Failed' },
    ]);
    expect(finalFromRecommendation(d, 'amount-differs', 'USD')).toEqual({ status: 'Failed', amountMinor: 1000n, currency: 'USD' });
  });

  it('creating the missing gateway record settles at the bank status', () => {
    const d = detail([side('Gateway', 'gateway', null, null), side('Bank', 'bank', 'Paid', 500)], [{ source: 'Gateway', op: 'create', status: 'Paid' }]);
    expect(finalFromRecommendation(d, 'missing-at-gateway-bank-paid', 'USD')).toMatchObject({ status: 'Paid', amountMinor: 500n });
  });

  it('the fallback (manual review) has nothing to apply, even when only the gateway says Paid', () => {
    const d = detail([side('Gateway', 'gateway', 'Paid', 500), side('Bank', 'bank', null, null)]);
    expect(finalFromRecommendation(d, null, 'USD')).toBeNull();
  });

  it('without a bank, only agreeing sources settle', () => {
    expect(finalFromRecommendation(detail([side('CRM', 'crm', 'Paid', 1), side('ERP', 'erp', 'Pending', 1)]), 'some-rule', 'USD')).toBeNull();
    expect(finalFromRecommendation(detail([side('CRM', 'crm', 'Paid', 7), side('ERP', 'erp', 'Paid', 7)]), 'some-rule', 'USD')).toMatchObject({ status: 'Paid', amountMinor: 7n });
  });

  it('accepting a source needs its record; timing differences take the bank; manual values are checked', () => {
    const d = detail([side('Gateway', 'gateway', 'Paid', 900), side('Bank', 'bank', null, null)]);
    expect(() => finalFromSource(d, 'Bank', 'USD')).toThrow(/Bank has no record/);
    expect(() => finalFromSource(d, 'ERP', 'USD')).toThrow(/not a source/);
    expect(finalFromSource(d, 'Gateway', 'USD')).toMatchObject({ status: 'Paid', amountMinor: 900n });
    expect(finalForTimingDifference(d, 'USD')).toMatchObject({ status: 'Paid', amountMinor: 900n });
    expect(finalForTimingDifference(detail([side('Gateway', 'gateway', 'Paid', 900), side('Bank', 'bank', 'Pending', 900)]), 'USD')).toMatchObject({ status: 'Pending' });
    expect(() => finalFromManual({ status: 'Unknown', amountMinor: 1n }, 'USD')).toThrow(/Status must be one of/);
    expect(() => finalFromManual({ status: 'Paid', amountMinor: -1n }, 'USD')).toThrow(/negative/);
    expect(finalFromManual({ status: 'Paid', amountMinor: 5n, currency: 'eur' }, 'USD')).toEqual({ status: 'Paid', amountMinor: 5n, currency: 'EUR' });
  });
});
