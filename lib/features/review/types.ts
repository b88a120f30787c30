import type { Role } from '@/lib/domain/roles';
import { can, type Action } from '@/lib/domain/permissions';
import type { ProgressionViolation, ResolvedCorrection } from '@/lib/reconcile';

/** Who acts: a signed-in user with a role. Domain functions check the permission matrix themselves. */
export type ReviewActor = { id: string; email: string; role: Role };

import type { ReviewState } from '@/lib/domain/review';

export { REVIEW_STATES, OPEN_REVIEW_STATES, type ReviewState } from '@/lib/domain/review';

/**
 * The review modules' errors are AppErrors (lib/server/app-error.ts): 403 forbidden, 409 conflict (a
 * stale edit), 400 invalid_input (a request the user can correct: missing reason, wrong state,
 * nothing to undo), 404 not found. The pipelines map them by code and status.
 */
export { ConflictError, ForbiddenError, NotFoundError, InvalidRequestError as ReviewError } from '@/lib/server/app-error';
import { ForbiddenError } from '@/lib/server/app-error';

export function assertCan(actor: ReviewActor | null | undefined, action: Action): ReviewActor {
  if (!actor) throw new ForbiddenError('Sign in to do this.');
  if (!can(actor.role, action)) throw new ForbiddenError(`Your role (${actor.role}) does not allow ${action}.`);
  return actor;
}

/** One source's side of a result row, as stored in RunResult.detail. */
export type SourceSide = {
  sourceId: string;
  name: string;
  kind: string;
  present: boolean;
  /** Records with this key in the snapshot the run used (more than 1: duplicate). */
  count: number;
  recordId: number | null;
  status: string | null;
  code: string | null;
  /** Integer minor units as a decimal string (JSON has no bigint). */
  amountMinor: string | null;
  currency: string | null;
  date: string | null;
  line: number | null;
  /** Earlier snapshots of this key in this source (older ingestions or webhook events). */
  snapshots: number;
};

export type ResultDetail = {
  sources: SourceSide[];
  corrections: ResolvedCorrection[];
  violations: ProgressionViolation[];
};

/** The row state a resolution changes: snapshotted before and after for the audit trail and undo. */
export type RowState = {
  state: ReviewState;
  assigneeId: string | null;
  finalStatus: string | null;
  finalAmountMinor: string | null;
  version: number;
};
