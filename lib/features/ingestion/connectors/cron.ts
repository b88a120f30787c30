/** Cron expressions of pull schedules (croner), validated with a message a person can act on. */
import { Cron } from 'croner';
import { InvalidRequestError } from '@/lib/server/core/app-error';

/** Validates a cron expression; returns it trimmed or throws an InvalidRequestError with a clear message. */
export function validateCron(expression: string): string {
  const expr = expression.trim();
  const fields = expr.split(/\s+/).filter(Boolean).length;
  if (fields < 5 || fields > 6) {
    throw new InvalidRequestError(
      `Invalid pull schedule "${expr.slice(0, 100)}": use 5 fields (minute hour day-of-month month day-of-week), e.g. "0 * * * *" for hourly, or 6 with seconds first.`,
    );
  }
  try {
    const c = new Cron(expr, { paused: true });
    const next = c.nextRun();
    c.stop();
    if (!next) throw new Error('it never runs');
  } catch (e) {
    throw new InvalidRequestError(`Invalid pull schedule "${expr.slice(0, 100)}": ${(e as Error).message}.`);
  }
  return expr;
}
