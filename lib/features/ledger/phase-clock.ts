/**
 * Where a ledger pass spends its time, by phase: each `lap` gives the time since the previous lap to
 * the phase named, so every millisecond of the pass lands in exactly one phase. Returned with the
 * pass (the pipeline bench prints it: the profile behind the data plane's figures) and logged.
 */
export const PASS_PHASES = [
  'keys', // the next chunk's keys (a full pass pages the member sources' distinct keys)
  'records', // the chunk's records read and grouped by key
  'engine', // reconcile, classify, result rows
  'entries-read', // the stored entries of the chunk's keys
  'entries', // new entries written (and the ROMI moves' attributes read)
  'settlements', // resolutions and audit rows of what the automatic rules settled on creation
  'history', // history rows of new entries
  'updates', // changed and reopened entries, their history, ROMI moves, rules on open entries
  'commit', // the chunk's transaction committed
  'indexes', // the ledger's secondary indexes built again after a fill that set them aside
  'totals', // the ledger's counts and summary, statistics for the planner, the pass's journal
  'romi', // the ROMI aggregate rebuilt after the pass
] as const;

export type PassPhase = (typeof PASS_PHASES)[number];
export type PassPhases = Partial<Record<PassPhase, number>>;

export class PhaseClock {
  readonly ms: PassPhases = {};
  /** The process's largest resident set seen at the end of each phase (MiB): where memory peaks. */
  readonly rssMiB: PassPhases = {};
  private last = performance.now();

  /** Gives the time since the previous lap to `phase`. */
  lap(phase: PassPhase): void {
    const now = performance.now();
    this.ms[phase] = (this.ms[phase] ?? 0) + (now - this.last);
    this.rssMiB[phase] = Math.max(this.rssMiB[phase] ?? 0, Math.round(process.memoryUsage.rss() / 2 ** 20));
    this.last = now;
  }

  /** A worker's phases (a split full pass): its time added to each phase, its resident set beside this process's. */
  addWorker(ms: PassPhases, rssMiB: PassPhases): void {
    for (const [p, v] of Object.entries(ms) as [PassPhase, number][]) this.ms[p] = (this.ms[p] ?? 0) + v;
    for (const [p, v] of Object.entries(rssMiB) as [PassPhase, number][]) this.rssMiB[p] = Math.max(this.rssMiB[p] ?? 0, v);
  }

  /** Whole milliseconds by phase, in the order of PASS_PHASES, without phases that took none. */
  rounded(): PassPhases {
    const out: PassPhases = {};
    for (const p of PASS_PHASES) if (this.ms[p] !== undefined) out[p] = Math.round(this.ms[p]!);
    return out;
  }

  /** The largest resident set seen at the end of each phase, in the order of PASS_PHASES. */
  peaks(): PassPhases {
    const out: PassPhases = {};
    for (const p of PASS_PHASES) if (this.rssMiB[p] !== undefined) out[p] = this.rssMiB[p];
    return out;
  }
}
