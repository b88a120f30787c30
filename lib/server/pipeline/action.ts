/**
 * The server-action pipeline. Every action in app/ is one of:
 *
 *   export const resolveAction = defineAction({ name, permission, input, revalidate }, async (input, ctx) => data);
 *   export const createUserAction = defineFormAction({ ..., form, echo }, async (input, ctx) => data);   // useActionState
 *   export const signOutEverywhereAction = defineSubmitAction({ ... }, async (input, ctx) => {});      // <form action>
 *
 * In that order: a request id (the proxy's, else a new one) and a logger bound to it; the
 * permission from the matrix (signed out 401, missing MFA 403, role 403: refusals of a signed-in
 * user are audited by the guard) before anything about the input is looked at; the zod input;
 * the handler; the paths to revalidate. Whatever happens becomes one ActionResult: an AppError
 * its code, status and message (written for the user, whatever the status); a ZodError invalid_input with messages per field; anything else
 * a logged 500 with a generic message and the request id. One log line and one histogram sample
 * per call. Next.js redirects (signOut, redirect()) pass through untouched.
 */
import { revalidatePath } from 'next/cache';
import { headers } from 'next/headers';
import type { Logger } from 'pino';
import { z } from 'zod';
import { authorize } from '@/lib/auth/guard';
import type { SessionUser } from '@/lib/auth/session-schema';
import type { Action } from '@/lib/domain/permissions';
import { AppError } from '@/lib/server/core/app-error';
import { requestMeta } from '@/lib/server/http/request-meta';
import { loggerFor } from '@/lib/server/observability/logger';
import { recordAction } from '@/lib/server/observability/metrics';
import { requestIdOf } from '@/lib/server/observability/request-id';
import { declareAccess, permissionOf, type Permission } from './access';
import { expectedFailure, isNextControlFlow, issueMessages, UNEXPECTED_MESSAGE, type IssueFormatter } from './failure';
import type { ActionFailure, ActionResult, FormState } from './result';

export type { ActionFailure, ActionResult, FormState } from './result';
export { issueMessages } from './failure';

export type RevalidateTarget = string | { path: string; type: 'layout' | 'page' };

export type ActionContext<P extends Permission> = {
  /** The signed-in user (null for a public action). */
  user: P extends Action ? SessionUser : null;
  requestId: string;
  log: Logger;
  /** Client IP and user agent, for audit rows. */
  meta: { ip: string | null; userAgent: string | null };
};

type Schema = z.ZodType | undefined;
type Input<S extends Schema> = S extends z.ZodType ? z.output<S> : undefined;
/** A tuple schema takes the action's arguments as they are; any other schema takes one argument. */
type Args<S extends Schema> = S extends z.ZodTuple ? z.input<S> : S extends z.ZodType ? [input: z.input<S>] : [];

export type ActionConfig<P extends Permission, S extends Schema, _T = unknown> = {
  /** For logs and metrics: "discrepancies.resolve". */
  name: string;
  permission: P;
  /** Open to a user whose role requires MFA before they have enrolled (the enrolment actions). */
  allowMfaPending?: boolean;
  input?: S;
  /** How invalid input is worded (default: "path: message; ..."; forms: "Check the highlighted fields."). */
  invalidMessage?: IssueFormatter;
  /** Paths to revalidate after success (a function of the input for paths with an id). */
  revalidate?: RevalidateTarget | RevalidateTarget[] | ((input: Input<S>) => RevalidateTarget | RevalidateTarget[]);
};

type Handler<P extends Permission, S extends Schema, T> = (input: Input<S>, ctx: ActionContext<P>) => Promise<T>;

async function requestContext(name: string): Promise<{ requestId: string; log: Logger; meta: ActionContext<Permission>['meta'] }> {
  let incoming: Headers | null = null;
  try {
    incoming = await headers();
  } catch {
    incoming = null; // called outside a request (a script)
  }
  const requestId = (incoming && requestIdOf(incoming)) || crypto.randomUUID();
  const meta = incoming ? requestMeta(incoming) : { ip: null, userAgent: null };
  return { requestId, meta, log: loggerFor('action', { requestId, action: name }) };
}

function revalidate(targets: RevalidateTarget | RevalidateTarget[]): void {
  for (const t of Array.isArray(targets) ? targets : [targets]) {
    if (typeof t === 'string') revalidatePath(t);
    else revalidatePath(t.path, t.type);
  }
}

/** A tuple's issues are reported per argument, as if each had been parsed on its own. */
function withoutArgumentIndex(error: z.ZodError): z.ZodError {
  return new z.ZodError(error.issues.map((i) => ({ ...i, path: i.path.slice(1) })));
}

type RunOptions = { defaultInvalid: IssueFormatter; values?: () => Record<string, string> };

/** The pipeline itself; the three define* functions differ only in how arguments arrive and a failure leaves. */
async function run<P extends Permission, S extends Schema, T>(
  config: ActionConfig<P, S, T>,
  raw: () => unknown,
  handler: Handler<P, S, T>,
  options: RunOptions,
): Promise<ActionResult<T>> {
  const started = performance.now();
  const { requestId, log, meta } = await requestContext(config.name);
  const finish = (outcome: string, status: number, error?: unknown) => {
    const seconds = (performance.now() - started) / 1000;
    recordAction(config.name, outcome, seconds);
    const line = { outcome, status, ms: Math.round(seconds * 1000) };
    if (status >= 500) log.error({ ...line, err: error }, 'action failed');
    else log.info(line, 'action');
  };
  const formatIssues = config.invalidMessage ?? options.defaultInvalid;
  try {
    const { permission } = permissionOf(config.permission);
    const user = permission ? await authorize(permission, 'action', { allowMfaPending: config.allowMfaPending }) : null;
    let input = undefined as Input<S>;
    if (config.input) {
      const parsed = config.input.safeParse(raw());
      if (!parsed.success) {
        const error = config.input instanceof z.ZodTuple ? withoutArgumentIndex(parsed.error) : parsed.error;
        throw expectedFailure(error, formatIssues);
      }
      input = parsed.data as Input<S>;
    }
    const data = await handler(input, { user: user as ActionContext<P>['user'], requestId, log, meta });
    if (config.revalidate) revalidate(typeof config.revalidate === 'function' ? config.revalidate(input) : config.revalidate);
    finish('ok', 200);
    return { ok: true, data };
  } catch (error) {
    if (isNextControlFlow(error)) {
      finish('ok', 303);
      throw error;
    }
    const expected = expectedFailure(error, formatIssues);
    const values = options.values?.();
    if (expected) {
      finish(expected.code, expected.status, expected.status >= 500 ? error : undefined);
      const failure: ActionFailure = { ok: false, code: expected.code, status: expected.status, error: expected.message };
      if (expected.fields) failure.fields = expected.fields;
      const shown = expected.values ?? values;
      if (shown) failure.values = shown;
      return failure;
    }
    finish('internal', 500, error);
    return { ok: false, code: 'internal', status: 500, error: UNEXPECTED_MESSAGE, requestId, ...(values ? { values } : {}) };
  }
}

function declared<P extends Permission, F extends object>(fn: F, config: { name: string; permission: P; allowMfaPending?: boolean }): F {
  return declareAccess(fn, {
    kind: 'action',
    name: config.name,
    ...permissionOf(config.permission),
    allowMfaPending: Boolean(config.allowMfaPending),
    alternativeCredential: false,
  });
}

/** An action called from code (a button, a panel): its arguments are its input. */
export function defineAction<P extends Permission, S extends Schema = undefined, T = null>(
  config: ActionConfig<P, S, T>,
  handler: Handler<P, S, T>,
): (...args: Args<S>) => Promise<ActionResult<T>> {
  const isTuple = config.input instanceof z.ZodTuple;
  const action = async (...args: Args<S>) =>
    run(config, () => (isTuple ? args : args[0]), handler, { defaultInvalid: issueMessages.withPaths() });
  return declared(action, config);
}

export type FormActionConfig<P extends Permission, S extends Schema, T> = ActionConfig<P, S, T> & {
  /** The input the form data stands for (default: its text fields). */
  form?: (formData: FormData) => Record<string, unknown>;
  /** On failure, send the text fields back so the form shows them again. */
  echo?: boolean;
};

function textFields(formData: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of formData.entries()) if (typeof v === 'string' && !(k in out)) out[k] = v;
  return out;
}

/** An action behind `useActionState`: (previous state, form data) in, ActionResult out. */
export function defineFormAction<P extends Permission, S extends Schema = undefined, T = null>(
  config: FormActionConfig<P, S, T>,
  handler: Handler<P, S, T>,
): (previous: FormState<T>, formData: FormData) => Promise<ActionResult<T>> {
  const action = async (_previous: FormState<T>, formData: FormData) => {
    const fd = formData instanceof FormData ? formData : new FormData();
    let raw: Record<string, unknown> | undefined;
    const input = () => (raw ??= config.form ? config.form(fd) : textFields(fd));
    const values = config.echo
      ? () => Object.fromEntries(Object.entries(input()).filter((e): e is [string, string] => typeof e[1] === 'string'))
      : undefined;
    return run(config, input, handler, { defaultInvalid: issueMessages.fixed('Check the highlighted fields.'), values });
  };
  return declared(action, config);
}

/**
 * An action posted by a plain `<form action>` (no state to show): it returns nothing, and a
 * failure is thrown as an AppError for the error boundary, after the same logging and audit.
 */
export function defineSubmitAction<P extends Permission, T = void>(
  config: ActionConfig<P, undefined, T>,
  handler: Handler<P, undefined, T>,
): (formData?: FormData) => Promise<void> {
  const action = async (_formData?: FormData) => {
    const result = await run(config, () => undefined, handler, { defaultInvalid: issueMessages.withPaths() });
    if (!result.ok) throw new AppError(result.code, result.requestId ? `${result.error} (${result.requestId})` : result.error);
  };
  return declared(action, config);
}
