import type { Status } from './glossary';
import {
  RuleSetSchema,
  type Condition,
  type MatchClass,
  type Reason,
  type RuleSet,
  type RuleSetInput,
  type Severity,
  type SourceCondition,
} from './schemas';
import type { SourceInfo } from './normalize';

/**
 * The default rule set: payment gateway vs bank, the bank holding the final
 * status ("Completed" means Paid). It is plain data, validated by RuleSetSchema:
 * the app stores, versions and edits copies of it.
 */
export const DEFAULT_RULE_SET: RuleSetInput = {
  id: 'gateway-vs-bank',
  version: 1,
  description:
    'Payment gateway vs bank. The bank holds the final status; the gateway must wait for it.',
  rules: [
    {
      id: 'amount-differs',
      description: 'Amounts differ: this rule comes first, whatever the statuses say.',
      when: { amount: 'differ' },
      then: {
        action: 'fail_and_refund',
        label: 'Fail the transaction and refund the payer',
        corrections: [
          { source: 'gateway', op: 'set_status', status: 'Failed' },
          { source: 'bank', op: 'set_status', status: 'Failed' },
        ],
      },
    },
    {
      id: 'bank-paid-gateway-pending',
      when: {
        class: ['mismatched'],
        reasonsNone: ['amount', 'currency'],
        sources: { bank: { status: ['Paid'] }, gateway: { status: ['Pending'] } },
      },
      then: {
        action: 'set_gateway_paid_and_settle',
        label: 'Set the gateway to Paid and settle to the merchant',
        corrections: [{ source: 'gateway', op: 'set_status', status: 'Paid' }],
      },
    },
    {
      id: 'bank-paid-gateway-failed',
      when: {
        class: ['mismatched'],
        reasonsNone: ['amount', 'currency'],
        sources: { bank: { status: ['Paid'] }, gateway: { status: ['Failed'] } },
      },
      then: {
        action: 'fail_at_bank_and_refund',
        label: 'Fail the transaction at the bank and refund the payer',
        corrections: [{ source: 'bank', op: 'set_status', status: 'Failed' }],
      },
    },
    {
      id: 'bank-pending-gateway-paid',
      when: {
        class: ['mismatched'],
        reasonsNone: ['amount', 'currency'],
        sources: { bank: { status: ['Pending'] }, gateway: { status: ['Paid'] } },
      },
      then: {
        action: 'set_bank_paid_and_settle',
        label: 'Set the bank to Paid and settle to the merchant',
        corrections: [{ source: 'bank', op: 'set_status', status: 'Paid' }],
      },
    },
    {
      id: 'bank-pending-gateway-failed',
      when: {
        class: ['mismatched'],
        reasonsNone: ['amount', 'currency'],
        sources: { bank: { status: ['Pending'] }, gateway: { status: ['Failed'] } },
      },
      then: {
        action: 'fail_at_bank_refund_if_funded',
        label: 'Fail the transaction at the bank; refund the payer if funds arrived',
        corrections: [{ source: 'bank', op: 'set_status', status: 'Failed' }],
      },
    },
    {
      id: 'bank-failed-gateway-paid',
      when: {
        class: ['mismatched'],
        reasonsNone: ['amount', 'currency'],
        sources: { bank: { status: ['Failed'] }, gateway: { status: ['Paid'] } },
      },
      then: {
        action: 'set_bank_paid_manual_debit',
        label: 'Set the bank to Paid with a manual debit',
        corrections: [{ source: 'bank', op: 'set_status', status: 'Paid' }],
      },
    },
    {
      id: 'bank-failed-gateway-pending',
      when: {
        class: ['mismatched'],
        reasonsNone: ['amount', 'currency'],
        sources: { bank: { status: ['Failed'] }, gateway: { status: ['Pending'] } },
      },
      then: {
        action: 'fail_no_funds_moved',
        label: 'Fail the transaction: no funds moved',
        corrections: [{ source: 'gateway', op: 'set_status', status: 'Failed' }],
      },
    },
    {
      id: 'missing-at-gateway-bank-paid',
      when: {
        class: ['missing'],
        sources: { gateway: { present: false }, bank: { status: ['Paid'] } },
      },
      then: {
        action: 'create_gateway_paid',
        label: 'Create the gateway record as Paid',
        corrections: [{ source: 'gateway', op: 'create', status: 'Paid' }],
      },
    },
    {
      id: 'matched-paid',
      description: 'Both systems agree the payment is Paid.',
      when: { class: ['matched'], sources: { bank: { status: ['Paid'] } } },
      then: { action: 'settle_to_merchant', label: 'Settle to the merchant' },
    },
    {
      id: 'matched-not-paid',
      description:
        'Judgment call: the procedure says "matched -> settle to the merchant", but settling a payment ' +
        'both systems still call Pending (or Failed, Refunded...) would pay out money that never arrived. ' +
        'The systems agree, so nothing is corrected: wait for the bank\'s final status.',
      when: { class: ['matched'] },
      then: { action: 'no_action', label: 'Systems agree and nothing is paid yet: no correction, wait for the bank' },
    },
  ],
  fallback: { action: 'manual_review', label: 'Manual review' },
  severity: [
    {
      id: 'gateway-paid-bank-not-paid',
      description:
        'The bank holds the final status and the gateway must wait for it: a gateway Paid while the bank ' +
        'says anything else or has nothing must never happen. Review the process at once.',
      when: { sources: { gateway: { status: ['Paid'] }, bank: { notStatus: ['Paid'] } } },
      severity: 'critical',
    },
    {
      id: 'duplicate-key',
      description: 'The same key more than once in one source: replay or injection suspicion.',
      when: { class: ['duplicate'] },
      severity: 'critical',
    },
  ],
};

/** Validates a rule set (throws a ZodError when invalid). */
export function parseRuleSet(input: unknown): RuleSet {
  return RuleSetSchema.parse(input);
}

/** The facts a rule looks at for one key. */
export interface RowFacts {
  class: MatchClass;
  reasons: readonly Reason[];
  /** Per source (in source order): occurrences of the key. */
  counts: readonly number[];
  /** Per source: status of the first record, null when absent. */
  statuses: readonly (Status | null)[];
}

export interface ResolvedCorrection {
  source: string;
  op: 'set_status' | 'create';
  status: Status;
}

export interface RuleOutcome {
  action: string;
  label: string;
  /** Rule id, or null for the fallback. */
  ruleId: string | null;
  corrections: ResolvedCorrection[];
  /** Highest severity demanded by the rule and the severity escalations (or null). */
  severity: Severity | null;
}

const SEV_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
export function maxSeverity(a: Severity, b: Severity | null | undefined): Severity {
  return b && SEV_RANK[b] > SEV_RANK[a] ? b : a;
}

type Pred = (f: RowFacts) => boolean;

/** Source selector -> source indices: a name wins, otherwise every source of that kind. */
export function resolveSelector(selector: string, sources: readonly SourceInfo[]): number[] {
  const byName = sources.findIndex((s) => s.name === selector);
  if (byName >= 0) return [byName];
  const out: number[] = [];
  sources.forEach((s, i) => {
    if (s.kind === selector) out.push(i);
  });
  return out;
}

function compileSourceCondition(idx: number[], c: SourceCondition): Pred {
  if (idx.length === 0) return () => false;
  const status = c.status ? new Set<Status>(c.status) : null;
  const notStatus = c.notStatus ? new Set<Status>(c.notStatus) : null;
  const present = c.present;
  return (f) => {
    for (const i of idx) {
      const count = f.counts[i] ?? 0;
      const st = f.statuses[i] ?? null;
      if (present !== undefined && (count > 0) !== present) return false;
      if (status && (count === 0 || st === null || !status.has(st))) return false;
      if (notStatus && count > 0 && st !== null && notStatus.has(st)) return false;
    }
    return true;
  };
}

export function compileCondition(c: Condition, sources: readonly SourceInfo[]): Pred {
  const preds: Pred[] = [];
  if (c.class) {
    const set = new Set(c.class);
    preds.push((f) => set.has(f.class));
  }
  if (c.reasonsAll) {
    const list = c.reasonsAll;
    preds.push((f) => list.every((r) => f.reasons.includes(r)));
  }
  if (c.reasonsAny) {
    const list = c.reasonsAny;
    preds.push((f) => list.some((r) => f.reasons.includes(r)));
  }
  if (c.reasonsNone) {
    const list = c.reasonsNone;
    preds.push((f) => !list.some((r) => f.reasons.includes(r)));
  }
  if (c.amount === 'differ') preds.push((f) => f.reasons.includes('amount'));
  if (c.amount === 'agree') {
    preds.push((f) => !f.reasons.includes('amount') && f.counts.filter((n) => n > 0).length >= 2);
  }
  if (c.sources) {
    for (const [sel, sc] of Object.entries(c.sources)) {
      preds.push(compileSourceCondition(resolveSelector(sel, sources), sc));
    }
  }
  return (f) => {
    for (const p of preds) if (!p(f)) return false;
    return true;
  };
}

/** Compiles a rule set against the run's sources into an evaluator. */
export function compileRuleSet(
  input: RuleSetInput | RuleSet,
  sources: readonly SourceInfo[],
): (facts: RowFacts) => RuleOutcome {
  const rs = RuleSetSchema.parse(input);
  const rules = rs.rules.map((r) => {
    const corrections: ResolvedCorrection[] = [];
    for (const c of r.then.corrections) {
      for (const i of resolveSelector(c.source, sources)) {
        const s = sources[i];
        if (s) corrections.push({ source: s.name, op: c.op, status: c.status });
      }
    }
    return { pred: compileCondition(r.when, sources), rule: r, corrections };
  });
  const sev = rs.severity.map((s) => ({ pred: compileCondition(s.when, sources), severity: s.severity }));
  const fallback = rs.fallback;
  return (facts) => {
    let severity: Severity | null = null;
    for (const s of sev) {
      if (s.pred(facts)) severity = severity === null ? s.severity : maxSeverity(severity, s.severity);
    }
    for (const r of rules) {
      if (r.pred(facts)) {
        const rsev = r.rule.then.severity;
        if (rsev) severity = severity === null ? rsev : maxSeverity(severity, rsev);
        return {
          action: r.rule.then.action,
          label: r.rule.then.label,
          ruleId: r.rule.id,
          corrections: r.corrections,
          severity,
        };
      }
    }
    if (fallback.severity) severity = severity === null ? fallback.severity : maxSeverity(severity, fallback.severity);
    return { action: fallback.action, label: fallback.label, ruleId: null, corrections: [], severity };
  };
}
