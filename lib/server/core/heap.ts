/**
 * How far V8 lets a process's heap grow past what the last full collection kept alive before it
 * collects again. V8 picks a factor of up to 4 on a machine with memory to spare, so a process holding
 * 150 MB of live objects while it streams rows through (a ROMI build's deals, a pass's chunk) went to
 * 450 MB of heap between collections, and the resident set with it: the 3M-row ROMI rebuild peaked at
 * 718 MiB with V8's own factor and at 426 MiB with 1.5, in the same time (95.0 s against 96.1 s). The
 * rows streamed through die young (the young generation collects them), so the old generation grows
 * slowly and the tighter factor costs few full collections.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 50;

/** The node flag, for processes started with it (scripts run by runScript). */
export const HEAP_GROWTH_FLAG = `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;

/**
 * A young generation of 64 MiB semi-spaces (V8's default on this machine: 16) for processes that
 * stream rows through (an upload's records): each row's strings and objects die before the next
 * collection instead of being promoted with the rows still buffered for the database, and the
 * collections are a quarter as many. A 1M-row upload on PostgreSQL: 18.9 s instead of 22.0 s
 * (median of four alternating runs each), peak 475 MiB instead of 362.
 */
export const YOUNG_GENERATION_FLAG = '--max-semi-space-size=64';

/** The same for this process, already running (the server, a worker, a bench): read by V8 at its next full collection. */
export function limitHeapGrowth(): void {
  setFlagsFromString(HEAP_GROWTH_FLAG);
}
