import type { ReviewState } from '@/lib/domain/review';

/** The row state a resolution changes: snapshotted before and after for the audit trail and undo. */
export type RowState = {
  state: ReviewState;
  assigneeId: string | null;
  finalStatus: string | null;
  finalAmountMinor: string | null;
  version: number;
};
