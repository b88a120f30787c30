/**
 * One vocabulary: every status, review state, class, reason and severity has its label and its
 * position, and the engine's orders are these lists (not copies that can drift). The `@ts-expect-error`
 * lines are checked by the type-check (`npm run typecheck`, part of `npm test`): a label map that
 * misses a member does not compile.
 */
import { describe, expect, it } from 'vitest';
import { STATUS_ORDER } from './rules';
import { statusIndex } from './engine';
import { CLASSES as ENGINE_CLASSES, SEVERITIES as ENGINE_SEVERITIES } from './index';
import { CANONICAL_STATUSES, STATUSES, STATUS_INFO, type Status } from '@/lib/domain/statuses';
import { OPEN_REVIEW_STATES, REVIEW_STATES, REVIEW_STATE_INFO, RESOLUTION_ACTIONS, RESOLUTION_LABELS, type ReviewState } from '@/lib/domain/review';
import { CLASSES, CLASS_LABELS, REASONS, REASON_LABELS, SEVERITIES, SEVERITY_INFO, type MatchClass } from '@/lib/domain/discrepancies';

describe('statuses', () => {
  it('the engine indexes statuses in the glossary’s own order, every status at its own place', () => {
    expect(STATUS_ORDER).toBe(STATUSES);
    expect(STATUSES.map((s) => statusIndex(s))).toEqual(STATUSES.map((_, i) => i));
    // Only Unknown is Unknown: a canonical status never falls back to it.
    for (const s of CANONICAL_STATUSES) expect(statusIndex(s)).not.toBe(statusIndex('Unknown'));
  });

  it('every status has a label and a meaning', () => {
    for (const s of STATUSES) expect(STATUS_INFO[s].label.length, s).toBeGreaterThan(0);
    expect(Object.keys(STATUS_INFO).sort()).toEqual([...STATUSES].sort());
  });

  it('a label map that misses a status does not compile', () => {
    // @ts-expect-error Refunded, Cancelled and Unknown are missing
    const partial: Record<Status, string> = { Pending: 'P', Authorized: 'A', Paid: 'P', Failed: 'F' };
    expect(Object.keys(partial)).toHaveLength(4);
  });
});

describe('review states, classes, reasons and severities', () => {
  it('every member has its label', () => {
    for (const s of REVIEW_STATES) expect(REVIEW_STATE_INFO[s].label, s).toBeTruthy();
    for (const a of RESOLUTION_ACTIONS) expect(RESOLUTION_LABELS[a], a).toBeTruthy();
    for (const c of CLASSES) expect(CLASS_LABELS[c], c).toBeTruthy();
    for (const r of REASONS) expect(REASON_LABELS[r], r).toBeTruthy();
    for (const s of SEVERITIES) expect(SEVERITY_INFO[s].label, s).toBeTruthy();
  });

  it('the open states are review states, and the engine’s lists are these', () => {
    for (const s of OPEN_REVIEW_STATES) expect(REVIEW_STATES).toContain(s);
    expect(ENGINE_CLASSES).toBe(CLASSES);
    expect(ENGINE_SEVERITIES).toBe(SEVERITIES);
  });

  it('label maps missing a member do not compile', () => {
    // @ts-expect-error written_off is missing
    const states: Record<ReviewState, string> = { open: 'o', in_review: 'i', resolved: 'r', escalated: 'e' };
    // @ts-expect-error duplicate is missing
    const classes: Record<MatchClass, string> = { matched: 'm', mismatched: 'x', missing: 'n' };
    expect(Object.keys({ ...states, ...classes })).toHaveLength(7);
  });
});
