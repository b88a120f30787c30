/**
 * Lets the event loop turn once (setImmediate). Long database work through the SQLite driver runs as
 * a chain of synchronous calls and resolved promises that never leaves the microtask queue: timers,
 * I/O and native finalizers wait until it ends. libsql frees a prepared statement's memory in such a
 * finalizer, so a pass that never yielded kept every statement it ran (a 53k-entry fill grew by
 * 600 MiB; yielding once a chunk keeps it flat), and nothing else in the process got a turn.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
