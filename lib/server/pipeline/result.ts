/**
 * The one result shape of server actions, for forms and for buttons alike. Type-only and free of
 * server imports, so client components import it.
 */
import type { AppErrorCode } from '@/lib/server/core/app-error';

export type ActionFailure = {
  ok: false;
  code: AppErrorCode;
  /** The HTTP status the same failure has on the API. */
  status: number;
  /** For the user, as is. */
  error: string;
  /** Messages per form field. */
  fields?: Record<string, string>;
  /** The form's values, to fill the form again. */
  values?: Record<string, string>;
  /** Only on an unexpected failure (500): quoted to support, it finds the logged error. */
  requestId?: string;
};

export type ActionResult<T = null> = { ok: true; data: T } | ActionFailure;

/** What a useActionState form holds: null before the first submit. */
export type FormState<T = null> = ActionResult<T> | null;
