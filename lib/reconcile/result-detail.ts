/** What a reconciled key is stored with, per source: the JSON detail of a result row. */
import type { ProgressionViolation } from './progression';
import type { ResolvedCorrection } from './rules';

/** One source's side of a result row, as stored in RunResult.detail. */
export type SourceSide = {
  sourceId: string;
  /** The side's name: its source's, or a group's ("Stripe + PayPal"). */
  name: string;
  /** In a group: the source whose record this is. */
  origin?: string;
  /** Rows of this key folded into one (failed attempts, refund rows): how many. */
  combined?: number;
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
