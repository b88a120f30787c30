/**
 * The one error type a user may see. Domain code throws an AppError (or one of the few named
 * subclasses below, kept where callers and tests tell them apart) with a code; the server-action
 * and route pipelines (lib/server/pipeline) turn it into a result or a JSON response with the
 * code's HTTP status and the error's message, which is written for the user. Anything that is
 * not an AppError is a bug or an outage: the pipelines log it and answer with a generic 500.
 *
 * No Next.js or zod imports: domain modules, CLIs and workers import this file.
 */

/** Every code, with the HTTP status it answers with. */
export const APP_ERROR_STATUS = {
  /** The input cannot be used as sent (a form field, a JSON body, a wrong state the user can fix). */
  invalid_input: 400,
  /** No session, or one that has ended. */
  unauthenticated: 401,
  /** The role does not allow it (the permission matrix, or a domain rule on the actor). */
  forbidden: 403,
  /** The role requires two-factor authentication and the user has not enrolled yet. */
  mfa_required: 403,
  not_found: 404,
  /** A stale edit, a name or e-mail already taken, an upload in another state. */
  conflict: 409,
  /** The same work is already running (a pull of the source). */
  busy: 409,
  too_large: 413,
  /** The request was understood but its content cannot be read (a file that is not a readable export). */
  unreadable: 422,
  rate_limited: 429,
  /** Another service (Telegram, SMTP, a payment API) refused or failed. */
  upstream: 502,
  internal: 500,
} as const;

export type AppErrorCode = keyof typeof APP_ERROR_STATUS;
export type AppErrorStatus = (typeof APP_ERROR_STATUS)[AppErrorCode];

export type AppErrorOptions = {
  /** Messages per form field (the form highlights them). */
  fields?: Record<string, string>;
  /** Form values to show again instead of what was sent (e.g. without a spent sign-in challenge). */
  values?: Record<string, string>;
  /** Extra JSON fields of a route's error body (`{ error, ...details }`). */
  details?: Record<string, unknown>;
  /** Extra response headers of a route's error (Retry-After). */
  headers?: Record<string, string>;
  cause?: unknown;
};

export class AppError extends Error {
  override name = 'AppError';
  readonly code: AppErrorCode;
  readonly status: AppErrorStatus;
  readonly fields?: Record<string, string>;
  readonly values?: Record<string, string>;
  readonly details?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(code: AppErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = APP_ERROR_STATUS[code];
    this.fields = options.fields;
    this.values = options.values;
    this.details = options.details;
    this.headers = options.headers;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** A domain rule on the actor refused it (403), whatever the page showed. */
export class ForbiddenError extends AppError {
  declare readonly status: 403;
  constructor(message = 'Your role does not allow this action.') {
    super('forbidden', message);
    this.name = 'ForbiddenError';
  }
}

/** A stale edit: someone changed the row after it was read (409). */
export class ConflictError extends AppError {
  declare readonly status: 409;
  constructor(message: string) {
    super('conflict', message);
    this.name = 'ConflictError';
  }
}

/** A request the user can correct: a missing reason, a wrong state, nothing to undo (400). */
export class InvalidRequestError extends AppError {
  declare readonly status: 400;
  constructor(message: string, options: AppErrorOptions = {}) {
    super('invalid_input', message, options);
    this.name = 'InvalidRequestError';
  }
}

export class NotFoundError extends AppError {
  declare readonly status: 404;
  constructor(message: string) {
    super('not_found', message);
    this.name = 'NotFoundError';
  }
}
