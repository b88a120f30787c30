import { STATUSES, type Status } from './glossary';
import {
  CLASSES,
  REASONS,
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
      id: 'failed-everywhere',
      description: 'Failed (or cancelled) at the gateway and the bank: no money moved, so differing amounts call for no refund.',
      when: { amount: 'differ', sources: { gateway: { status: ['Failed', 'Cancelled'] }, bank: { status: ['Failed', 'Cancelled'] } } },
      then: { action: 'no_action', label: 'Failed everywhere: no money moved, nothing to refund' },
    },
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
      id: 'refunded-after-bank-credit',
      description:
        'The gateway refunded a payment the bank had credited: the bank line stays (the refund leaves as a debit of its own), ' +
        'so the payment ends Refunded and counts no revenue.',
      when: {
        class: ['mismatched'],
        reasonsNone: ['amount', 'currency'],
        sources: { gateway: { status: ['Refunded'] }, bank: { status: ['Paid'] } },
      },
      then: {
        action: 'record_refund',
        label: 'Refunded after the bank credit: record the refund',
        corrections: [{ source: 'bank', op: 'set_status', status: 'Refunded' }],
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

/**
 * The facts a rule looks at for one key, in compact form: class index (in
 * CLASSES), reasons as a bit mask (bit i = REASONS[i]) and per source the
 * status index (in STATUS_ORDER) of its first record, or -1 when absent.
 */
export interface RowFacts {
  cls: number;
  reasons: number;
  statuses: ArrayLike<number>;
}

/** Status order used by RowFacts.statuses: the glossary's own order (lib/domain/statuses.ts), not a second list. */
export const STATUS_ORDER: readonly Status[] = STATUSES;

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
  /** Final severity: the class's base severity raised by the rule and the escalations. */
  severity: Severity;
}

const SEV_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
export function maxSeverity(a: Severity, b: Severity | null | undefined): Severity {
  return b && SEV_RANK[b] > SEV_RANK[a] ? b : a;
}

/** Base severity per class before rules raise it. */
export const CLASS_SEVERITY: Record<MatchClass, Severity> = {
  matched: 'info',
  mismatched: 'warning',
  missing: 'warning',
  duplicate: 'warning',
};

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

const statusMask = (list: readonly Status[]) => list.reduce((m, s) => m | (1 << STATUS_ORDER.indexOf(s)), 0);
const reasonMask = (list: readonly Reason[]) => list.reduce((m, r) => m | (1 << REASONS.indexOf(r)), 0);
const AMOUNT_BIT = 1 << REASONS.indexOf('amount');

function compileSourceCondition(idx: number[], c: SourceCondition): Pred {
  if (idx.length === 0) return () => false;
  const status = c.status ? statusMask(c.status) : 0;
  const notStatus = c.notStatus ? statusMask(c.notStatus) : 0;
  const present = c.present;
  return (f) => {
    for (const i of idx) {
      const st = f.statuses[i] ?? -1;
      if (present !== undefined && (st >= 0) !== present) return false;
      if (status && (st < 0 || !(status & (1 << st)))) return false;
      if (notStatus && st >= 0 && notStatus & (1 << st)) return false;
    }
    return true;
  };
}

export function compileCondition(c: Condition, sources: readonly SourceInfo[]): Pred {
  const preds: Pred[] = [];
  if (c.class) {
    const set = c.class.reduce((m, k) => m | (1 << CLASSES.indexOf(k)), 0);
    preds.push((f) => (set & (1 << f.cls)) !== 0);
  }
  if (c.reasonsAll) {
    const m = reasonMask(c.reasonsAll);
    preds.push((f) => (f.reasons & m) === m);
  }
  if (c.reasonsAny) {
    const m = reasonMask(c.reasonsAny);
    preds.push((f) => (f.reasons & m) !== 0);
  }
  if (c.reasonsNone) {
    const m = reasonMask(c.reasonsNone);
    preds.push((f) => (f.reasons & m) === 0);
  }
  if (c.amount === 'differ') preds.push((f) => (f.reasons & AMOUNT_BIT) !== 0);
  if (c.amount === 'agree') {
    preds.push((f) => {
      if (f.reasons & AMOUNT_BIT) return false;
      let present = 0;
      for (let i = 0; i < f.statuses.length; i++) if ((f.statuses[i] ?? -1) >= 0) present++;
      return present >= 2;
    });
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

/**
 * Compiles a rule set against the run's sources. The returned evaluator is
 * memoised on the facts (class, reasons, per-source status): a run has only a
 * handful of distinct fact combinations, so rules cost nothing per row.
 */
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
  const compute = (facts: RowFacts): RuleOutcome => {
    let severity: Severity = CLASS_SEVERITY[CLASSES[facts.cls] as MatchClass];
    for (const s of sev) if (s.pred(facts)) severity = maxSeverity(severity, s.severity);
    for (const r of rules) {
      if (r.pred(facts)) {
        return {
          action: r.rule.then.action,
          label: r.rule.then.label,
          ruleId: r.rule.id,
          corrections: r.corrections,
          severity: maxSeverity(severity, r.rule.then.severity),
        };
      }
    }
    return { action: fallback.action, label: fallback.label, ruleId: null, corrections: [], severity: maxSeverity(severity, fallback.severity) };
  };
  const memo = new Map<number, RuleOutcome>();
  const n = sources.length;
  const memoable = n <= 12;
  // up to 3 sources the signatures fit a small array (no hashing per row)
  const table: (RuleOutcome | undefined)[] | null = n <= 3 ? new Array<RuleOutcome | undefined>(8 ** n * 128).fill(undefined) : null;
  return (facts) => {
    if (!memoable) return compute(facts);
    // signature: class (2 bits) + reasons (5 bits) + per source status+1 (3 bits each)
    let sig = 0;
    for (let i = n - 1; i >= 0; i--) sig = sig * 8 + ((facts.statuses[i] ?? -1) + 1);
    sig = (sig * 32 + facts.reasons) * 4 + facts.cls;
    if (table !== null) {
      let o = table[sig];
      if (o === undefined) table[sig] = o = compute(facts);
      return o;
    }
    let o = memo.get(sig);
    if (o === undefined) {
      o = compute(facts);
      memo.set(sig, o);
    }
    return o;
  };
}
