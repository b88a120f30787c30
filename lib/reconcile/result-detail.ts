/** What a reconciled key is stored with, per source: the JSON detail of a result row. */
import type { ProgressionViolation } from './progression';
import type { ResolvedCorrection } from './rules';

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
