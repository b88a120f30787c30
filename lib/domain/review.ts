/**
 * The review workflow's vocabulary: a discrepancy's review states (and which of them still need a
 * person), and the ways a reviewer resolves one. Labels are keyed by the unions, so a new state or
 * resolution without a label fails the type-check.
 */
import type { Tone } from './tone';

export const REVIEW_STATES = ['open', 'in_review', 'resolved', 'escalated', 'written_off'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

/** States in which a row still needs a person. */
export const OPEN_REVIEW_STATES = ['open', 'in_review', 'escalated'] as const satisfies readonly ReviewState[];
export type OpenReviewState = (typeof OPEN_REVIEW_STATES)[number];

export function isOpenReviewState(state: string): state is OpenReviewState {
  return (OPEN_REVIEW_STATES as readonly string[]).includes(state);
}

export const REVIEW_STATE_INFO = {
  open: { label: 'Open', tone: 'warn' },
  in_review: { label: 'In review', tone: 'neutral' },
  resolved: { label: 'Resolved', tone: 'ok' },
  escalated: { label: 'Escalated', tone: 'bad' },
  written_off: { label: 'Written off', tone: 'neutral' },
} as const satisfies Record<ReviewState, { label: string; tone: Tone }>;

/** How a reviewer settles a row (escalate hands it to the support bot). */
export const RESOLUTION_ACTIONS = ['apply_recommended', 'accept_source', 'manual', 'timing_difference', 'write_off', 'escalate'] as const;
export type ResolutionAction = (typeof RESOLUTION_ACTIONS)[number];

/** Everything a Resolution row can record: a reviewer's resolution, an automatic one, an assignment, an undo, a reopen by new facts. */
export type ResolutionKind = ResolutionAction | 'auto' | 'assign' | 'undo' | 'reopen';

export const RESOLUTION_LABELS = {
  apply_recommended: 'Apply the recommended action',
  accept_source: "Accept one source's value",
  manual: 'Manual correction',
  timing_difference: 'Timing difference',
  write_off: 'Write off',
  escalate: 'Escalate',
  auto: 'Resolved automatically',
  assign: 'Assigned',
  undo: 'Undone',
  reopen: 'Reopened by new data',
} as const satisfies Record<ResolutionKind, string>;
