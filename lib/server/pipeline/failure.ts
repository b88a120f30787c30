/** How both pipelines turn what a handler threw into an AppError, and how they word invalid input. */
import { unstable_rethrow } from 'next/navigation';
import { z } from 'zod';
import { AppError } from '@/lib/server/core/app-error';
import { isBusy } from '@/lib/server/db/sqlite-busy';

export const UNEXPECTED_MESSAGE = 'Something went wrong on our side. Try again; if it persists, quote this request id.';

/** redirect(), notFound(), forbidden() and friends throw; those must reach Next.js untouched. */
export function isNextControlFlow(error: unknown): boolean {
  try {
    unstable_rethrow(error);
    return false;
  } catch {
    return true;
  }
}

export type IssueFormatter = (error: z.ZodError) => string;

/** Ways to word zod issues for the user. */
export const issueMessages = {
  /** `path: message` per issue; `label` when the issue has no path. */
  withPaths:
    (label = 'input', separator = '; '): IssueFormatter =>
    (error) =>
      error.issues.map((i) => `${i.path.join('.') || label}: ${i.message}`).join(separator),
  /** The messages alone. */
  plain:
    (separator = ' '): IssueFormatter =>
    (error) =>
      error.issues.map((i) => i.message).join(separator),
  /** One fixed message (forms, whose fields carry the details). */
  fixed:
    (message: string): IssueFormatter =>
    () =>
      message,
};

/** The first message per top-level field. */
export function fieldMessages(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path[0];
    if (key === undefined) continue;
    fields[String(key)] ??= issue.message;
  }
  return fields;
}

/** The AppError a handler's failure means, or null when it is unexpected (a bug, an outage). */
export function expectedFailure(error: unknown, formatIssues: IssueFormatter): AppError | null {
  if (error instanceof AppError) return error;
  if (error instanceof z.ZodError) return new AppError('invalid_input', formatIssues(error), { fields: fieldMessages(error), cause: error });
  if (busyDatabase(error)) return new AppError('busy', BUSY_MESSAGE, { cause: error, headers: { 'Retry-After': '30' } });
  return null;
}

/**
 * SQLite's single writer: a change waits up to SQLITE_BUSY_TIMEOUT_MS for the write lock, and a large
 * write can hold it longer (a 1M-key ledger's ROMI build, 15-25 s). The refused change did nothing.
 */
const BUSY_MESSAGE = 'The database is busy with a large write (a reconciliation pass, an upload or a ROMI build), so nothing was changed. Try again in a minute.';

/** A refusal for SQLite's write lock (or a transaction that could not start in time), however the driver or Prisma wrapped it. */
function busyDatabase(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isBusy(e)) return true;
    // Prisma's "Operation has timed out": a transaction that could not start in time (SQLite: the write
    // lock was not free; PostgreSQL: no connection was) never began.
    const code = (e as { code?: unknown }).code;
    if (code === 'P1008') return true;
    // Prisma's "Transaction API error: Unable to start a transaction in the given time." (its maxWait).
    if (code === 'P2028' && /Unable to start a transaction/.test(String((e as { message?: unknown }).message ?? ''))) return true;
    // Prisma's driver-adapter errors carry the driver's in `meta.driverAdapterError` or its kind.
    const meta = (e as { meta?: { driverAdapterError?: unknown } }).meta;
    if (meta?.driverAdapterError && isBusy(meta.driverAdapterError)) return true;
  }
  return false;
}
