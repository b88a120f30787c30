import { describe, expect, it } from 'vitest';
import { reconcileSync, type ResultRow } from './engine';
import type { Status } from './glossary';
import { DEFAULT_RULE_SET, parseRuleSet } from './rules';
import { RuleSetSchema, type RuleSetInput } from './schemas';
import type { NormalizedRecord } from './normalize';
import { rec } from './test-helpers';

function run(gw: NormalizedRecord[], bank: NormalizedRecord[], options = {}): ResultRow[] {
  return reconcileSync(
    [
      { name: 'gw', kind: 'gateway', records: gw },
      { name: 'bk', kind: 'bank', records: bank },
    ],
    options,
  );
}

function one(gwStatus: Status | null, bankStatus: Status | null, extra: Partial<NormalizedRecord> = {}): ResultRow {
  const gw = gwStatus ? [rec({ key: 'K', status: gwStatus })] : [];
  const bk = bankStatus ? [rec({ key: 'K', status: bankStatus, ...extra })] : [];
  const rows = run(gw, bk);
  expect(rows).toHaveLength(1);
  return rows[0] as ResultRow;
}

describe('default rule set: every status rule with agreeing amounts', () => {
  // [gateway, bank, class, action, severity, corrections]
  const vectors: [Status | null, Status | null, string, string, string, string[]][] = [
    ['Pending', 'Paid', 'mismatched', 'set_gateway_paid_and_settle', 'warning', ['gw set_status Paid']],
    ['Failed', 'Paid', 'mismatched', 'fail_at_bank_and_refund', 'warning', ['bk set_status Failed']],
    ['Paid', 'Pending', 'mismatched', 'set_bank_paid_and_settle', 'critical', ['bk set_status Paid']],
    ['Failed', 'Pending', 'mismatched', 'fail_at_bank_refund_if_funded', 'warning', ['bk set_status Failed']],
    ['Paid', 'Failed', 'mismatched', 'set_bank_paid_manual_debit', 'critical', ['bk set_status Paid']],
    ['Pending', 'Failed', 'mismatched', 'fail_no_funds_moved', 'warning', ['gw set_status Failed']],
    [null, 'Paid', 'missing', 'create_gateway_paid', 'warning', ['gw create Paid']],
    ['Paid', 'Paid', 'matched', 'settle_to_merchant', 'info', []],
    ['Pending', 'Pending', 'matched', 'no_action', 'info', []],
    ['Failed', 'Failed', 'matched', 'no_action', 'info', []],
    // anything else -> manual review
    ['Paid', null, 'missing', 'manual_review', 'critical', []],
    ['Pending', null, 'missing', 'manual_review', 'warning', []],
    [null, 'Pending', 'missing', 'manual_review', 'warning', []],
    ['Paid', 'Refunded', 'mismatched', 'manual_review', 'critical', []],
    ['Authorized', 'Paid', 'mismatched', 'manual_review', 'warning', []],
    ['Cancelled', 'Pending', 'mismatched', 'manual_review', 'warning', []],
  ];
  for (const [g, b, cls, action, severity, corrections] of vectors) {
    it(`gateway ${g ?? 'missing'} / bank ${b ?? 'missing'} -> ${action}`, () => {
      const r = one(g, b);
      expect(r.class).toBe(cls);
      expect(r.action).toBe(action);
      expect(r.severity).toBe(severity);
      expect(r.corrections.map((c) => `${c.source} ${c.op} ${c.status}`)).toEqual(corrections);
      if (r.class !== 'missing') expect(r.reasons.includes('amount')).toBe(false);
    });
  }

  it('amounts differ comes first, before any status rule', () => {
    const r = one('Pending', 'Paid', { amount: 1001 });
    expect(r.reasons).toEqual(['status', 'amount']);
    expect(r.action).toBe('fail_and_refund');
    expect(r.corrections.map((c) => c.source)).toEqual(['gw', 'bk']);
  });

  it('failed at both ends with differing amounts: no money moved, so no refund is recommended', () => {
    const r = one('Failed', 'Failed', { amount: 1001 });
    expect(r.reasons).toEqual(['amount']);
    expect(r.action).toBe('no_action');
    expect(r.corrections).toEqual([]);
    expect(one('Paid', 'Failed', { amount: 1001 }).action).toBe('fail_and_refund');
  });

  it('a currency disagreement is never auto-corrected by a status rule', () => {
    const r = one('Pending', 'Paid', { currency: 'USD' });
    expect(r.reasons).toEqual(['status', 'currency']);
    expect(r.action).toBe('manual_review');
  });

  it('a date disagreement alone is a mismatch; the window absorbs it', () => {
    const late = { at: Date.UTC(2024, 6, 2), date: '2024-07-02' };
    const r = one('Paid', 'Paid', late);
    expect(r.class).toBe('mismatched');
    expect(r.reasons).toEqual(['date']);
    expect(r.action).toBe('manual_review');
    const rows = run([rec({ key: 'K' })], [rec({ key: 'K', ...late })], { match: { dateToleranceMs: 86_400_000 } });
    expect(rows[0]?.class).toBe('matched');
  });

  it('compares calendar days: a time of day never makes a difference on its own', () => {
    const gw = [rec({ key: 'K', at: Date.UTC(2025, 0, 7, 11, 15), date: '2025-01-07' })];
    // The CRM's 10:00 and the ERP's day without a time: the same day.
    expect(run(gw, [rec({ key: 'K', at: Date.UTC(2025, 0, 7, 10, 0), date: '2025-01-07' })])[0]?.class).toBe('matched');
    expect(run(gw, [rec({ key: 'K', at: Date.UTC(2025, 0, 7), date: '2025-01-07' })])[0]?.class).toBe('matched');
    // Twelve hours apart but on two calendar days: a date difference without a window.
    expect(run(gw, [rec({ key: 'K', at: Date.UTC(2025, 0, 7, 23, 15), date: '2025-01-08' })])[0]?.reasons).toEqual(['date']);
  });

  it('a date window lets a source book a number of days after the first one, and no earlier', () => {
    const gw = [rec({ key: 'K', date: '2025-01-07' })];
    const bank = (date: string) => [rec({ key: 'K', date })];
    const window = { match: { dateWindowsDays: [null, { min: 0, max: 5 }] } };
    for (const [date, cls] of [['2025-01-06', 'mismatched'], ['2025-01-07', 'matched'], ['2025-01-10', 'matched'], ['2025-01-12', 'matched'], ['2025-01-13', 'mismatched']] as const) {
      expect(run(gw, bank(date), window)[0]?.class, date).toBe(cls);
    }
    // A first window after the last one is refused.
    expect(() => run(gw, bank('2025-01-07'), { match: { dateWindowsDays: [null, { min: 3, max: 1 }] } })).toThrow();
  });

  it('windows of two later sources combine when the first source is missing', () => {
    // The ERP books 0-2 days after the gateway, the bank 1-3: with no gateway record, bank minus ERP may be -1 to 3 days.
    const three = (erp: string, bank: string) =>
      reconcileSync(
        [
          { name: 'gw', kind: 'gateway', records: [] },
          { name: 'erp', kind: 'erp', records: [rec({ key: 'K', date: erp })] },
          { name: 'bk', kind: 'bank', records: [rec({ key: 'K', date: bank })] },
        ],
        { match: { dateWindowsDays: [null, { min: 0, max: 2 }, { min: 1, max: 3 }] } },
      )[0]!;
    expect(three('2025-01-07', '2025-01-06').reasons).toEqual([]);
    expect(three('2025-01-07', '2025-01-10').reasons).toEqual([]);
    expect(three('2025-01-07', '2025-01-05').reasons).toEqual(['date']);
    expect(three('2025-01-07', '2025-01-11').reasons).toEqual(['date']);
  });

  it('applies absolute and relative amount tolerances', () => {
    const g = [rec({ key: 'K', amount: 100_000 })];
    expect(run(g, [rec({ key: 'K', amount: 100_002 })])[0]?.class).toBe('mismatched');
    expect(run(g, [rec({ key: 'K', amount: 100_002 })], { match: { amountToleranceMinor: 2 } })[0]?.class).toBe('matched');
    expect(run(g, [rec({ key: 'K', amount: 100_003 })], { match: { amountToleranceMinor: 2 } })[0]?.class).toBe('mismatched');
    expect(run(g, [rec({ key: 'K', amount: 100_100 })], { match: { amountToleranceRelative: 0.001 } })[0]?.class).toBe('matched');
    expect(run(g, [rec({ key: 'K', amount: 100_200 })], { match: { amountToleranceRelative: 0.001 } })[0]?.class).toBe('mismatched');
  });

  it('an Unknown status never passes as a match, even on both sides with the same code', () => {
    const g = [rec({ key: 'K', status: 'Unknown', code: 'weird' })];
    const r = run(g, [rec({ key: 'K', status: 'Unknown', code: 'weird' })])[0];
    expect(r?.class).toBe('mismatched');
    expect(r?.reasons).toEqual(['unknown_status']);
    expect(r?.action).toBe('manual_review');
    const r2 = run(g, [rec({ key: 'K', status: 'Paid' })])[0];
    expect(r2?.reasons).toEqual(['status', 'unknown_status']);
  });

  it('a duplicate key is critical and keeps every record', () => {
    const rows = run([rec({ key: 'K', line: 1 }), rec({ key: 'K', line: 2 })], [rec({ key: 'K' })]);
    const r = rows[0];
    expect(r?.class).toBe('duplicate');
    expect(r?.duplicateIn).toEqual(['gw']);
    expect(r?.counts).toEqual([2, 1]);
    expect(r?.severity).toBe('critical');
    expect(r?.action).toBe('manual_review');
    expect(r?.records[0]?.line).toBe(1);
    expect(r?.extra?.[0]?.map((x) => x.line)).toEqual([2]);
  });
});

describe('rule sets are data', () => {
  it('the default rule set validates and survives a JSON round trip', () => {
    const parsed = parseRuleSet(DEFAULT_RULE_SET);
    expect(parseRuleSet(JSON.parse(JSON.stringify(parsed)))).toEqual(parsed);
    expect(parsed.rules.slice(0, 2).map((r) => r.id)).toEqual(['failed-everywhere', 'amount-differs']);
    expect(parsed.rules.at(-1)?.then.action).toBe('no_action');
    expect(parsed.fallback.action).toBe('manual_review');
  });

  it('rejects invalid rule sets', () => {
    const base = parseRuleSet(DEFAULT_RULE_SET);
    type Loose = { rules: { id?: string; when?: unknown; then?: { action?: string } }[]; fallback?: unknown };
    const bad = (patch: (r: Loose) => void) => {
      const copy = structuredClone(base) as unknown as Loose;
      patch(copy);
      return RuleSetSchema.safeParse(copy).success;
    };
    expect(bad(() => {})).toBe(true);
    expect(bad((r) => (r.rules[1] = structuredClone(r.rules[0] ?? {})))).toBe(false); // duplicate id
    expect(bad((r) => ((r.rules[0] ?? {}).then = { action: 'Fail And Refund' }))).toBe(false);
    expect(bad((r) => ((r.rules[1] ?? {}).when = { sources: { bank: { status: ['Done'] } } }))).toBe(false);
    expect(bad((r) => ((r.rules[1] ?? {}).when = { colour: 'red' }))).toBe(false);
    expect(bad((r) => (r.fallback = undefined))).toBe(false);
  });

  it('a custom ordered rule set picks the first matching rule; selectors take names or kinds', () => {
    const rules: RuleSetInput = {
      id: 'custom',
      version: 2,
      rules: [
        { id: 'bk-by-name', when: { sources: { bk: { status: ['Refunded'] } } }, then: { action: 'refund_seen' } },
        { id: 'bank-by-kind', when: { sources: { bank: { present: true } } }, then: { action: 'bank_has_it' } },
      ],
      fallback: { action: 'other', severity: 'critical' },
    };
    const rows = run(
      [rec({ key: 'A' }), rec({ key: 'B' }), rec({ key: 'C' })],
      [rec({ key: 'A', status: 'Refunded' }), rec({ key: 'B' })],
      { rules },
    );
    expect(rows.map((r) => [r.key, r.action, r.severity])).toEqual([
      ['A', 'refund_seen', 'warning'],
      ['B', 'bank_has_it', 'info'],
      ['C', 'other', 'critical'],
    ]);
  });

  it('handles three sources: absent from the ERP is missing there', () => {
    const rows = reconcileSync([
      { name: 'gw', kind: 'gateway', records: [rec({ key: 'A' }), rec({ key: 'B' })] },
      { name: 'bk', kind: 'bank', records: [rec({ key: 'A' }), rec({ key: 'B', status: 'Pending' })] },
      { name: 'erp', kind: 'erp', records: [rec({ key: 'A' }), rec({ key: 'B', amount: 5 })] },
    ]);
    expect(rows[0]).toMatchObject({ key: 'A', class: 'matched', action: 'settle_to_merchant' });
    expect(rows[1]).toMatchObject({ key: 'B', class: 'mismatched', reasons: ['status', 'amount'], action: 'fail_and_refund' });
    const onlyTwo = reconcileSync([
      { name: 'gw', kind: 'gateway', records: [rec({ key: 'A' })] },
      { name: 'bk', kind: 'bank', records: [rec({ key: 'A' })] },
      { name: 'erp', kind: 'erp', records: [] },
    ]);
    expect(onlyTwo[0]).toMatchObject({ class: 'missing', missingIn: ['erp'], reasons: [] });
  });
});
