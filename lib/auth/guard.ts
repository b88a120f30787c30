import { cache } from 'react';
import { forbidden, redirect } from 'next/navigation';
import { headers } from 'next/headers';
import { after } from 'next/server';
import { auth } from './auth';
import { can, type Action } from '../domain/permissions';
import { sessionUserSchema, type SessionUser } from './session-schema';
import { AppError } from '@/lib/server/core/app-error';
import { writeAudit } from '@/lib/server/db/audit';
import { getPrisma } from '@/lib/server/db/client';
import { requestMeta } from '../server/http/request-meta';
import { enterLine } from '@/lib/server/page-concurrency';
import { sessionState } from '@/lib/features/users/queries';
import { MFA_ENROLMENT_PATH, MFA_REQUIRED_MESSAGE, mfaRequiredFor } from '../features/users/totp';

type SessionCheck = { user: SessionUser; mfaPending: boolean };

/**
 * The session's user after checking it against the database: a token that was signed out (its id is on
 * the deny list), whose session version is not the user's (signed out everywhere, password or role
 * changed, MFA reset), or whose user is disabled or gone, counts as signed out. `mfaPending`: the role requires MFA and the user has not enrolled yet.
 */
async function checkedSession(): Promise<SessionCheck | null> {
  const session = await auth();
  const parsed = sessionUserSchema.safeParse(session?.user);
  if (!parsed.success) return null;
  const { sessionVersion: version, sessionId } = (session?.user ?? {}) as { sessionVersion?: unknown; sessionId?: unknown };
  // A token without its id predates server-side sign-out: it counts as signed out.
  if (typeof sessionId !== 'string' || !sessionId) return null;
  const state = await sessionState(parsed.data.id, sessionId);
  if (!state || state.disabled || state.revoked || typeof version !== 'number' || state.sessionVersion !== version || state.role !== parsed.data.role) {
    return null;
  }
  return { user: parsed.data, mfaPending: mfaRequiredFor(parsed.data.role) && !state.mfaEnabled };
}

/**
 * A page request's session, checked once however many of its layouts and pages ask (React's per-request
 * cache), and its user's place among their pages in flight (lib/server/page-concurrency.ts), held
 * until the response has been sent.
 */
const pageSession = cache(async (): Promise<SessionCheck | null> => {
  const checked = await checkedSession();
  if (checked) {
    const release = await enterLine(checked.user.id);
    try {
      after(release);
    } catch {
      release(); // called outside a request (tests): there is no response to wait for
    }
  }
  return checked;
});

/** The signed-in user, or null. The JWT's claims are validated, never trusted blindly. */
export async function currentUser(): Promise<SessionUser | null> {
  return (await checkedSession())?.user ?? null;
}

/** The signed-in user and whether they still have to enrol in MFA (for the shell and the enrolment page). */
export async function currentSession(): Promise<SessionCheck | null> {
  return checkedSession();
}

async function auditMfaPending(user: SessionUser, target: string): Promise<void> {
  const meta = requestMeta(await headers());
  await writeAudit(getPrisma(), {
    actor: user,
    action: 'auth.mfa.enrolment_required',
    entityType: 'User',
    entityId: user.id,
    after: { role: user.role, target },
    ...meta,
  });
}

async function auditDenial(user: SessionUser, action: Action, target: string): Promise<void> {
  const meta = requestMeta(await headers());
  await writeAudit(getPrisma(), {
    actor: user,
    action: 'permission.denied',
    entityType: 'Permission',
    entityId: action,
    after: { role: user.role, target },
    ...meta,
  });
}

/** For pages: signed out -> /login; not allowed -> the 403 page. */
export async function requirePage(action: Action, path: string): Promise<SessionUser> {
  const checked = await pageSession();
  if (!checked) redirect(`/login?callbackUrl=${encodeURIComponent(path)}`);
  const { user } = checked;
  if (checked.mfaPending) {
    await auditMfaPending(user, path);
    redirect(MFA_ENROLMENT_PATH);
  }
  if (!can(user.role, action)) {
    await auditDenial(user, action, path);
    forbidden();
  }
  return user;
}

/** For any signed-in page that every role may open (the shell, the MFA enrolment page): no MFA confinement here. */
export async function requireSignedIn(path: string): Promise<SessionUser> {
  const user = (await pageSession())?.user ?? null;
  if (!user) redirect(`/login?callbackUrl=${encodeURIComponent(path)}`);
  return user;
}

/** Where a permission is checked: the messages and the audit target differ, the decision does not. */
export type Surface = 'action' | 'api';

const SIGNED_OUT: Record<Surface, string> = {
  action: 'Your session has ended. Sign in again.',
  api: 'Sign in to use this API.',
};

function deniedMessage(surface: Surface, user: SessionUser, action: Action): string {
  return surface === 'action' ? 'Your role does not allow this action.' : `Your role (${user.role}) does not allow ${action}.`;
}

/**
 * For server actions and route handlers (through lib/server/pipeline): the user, or an AppError
 * (401 unauthenticated, 403 mfa_required, 403 forbidden), whatever the page showed. Refusals of a
 * signed-in user are audited. A user who must enrol in MFA first is refused except by the actions
 * that enrol them (`allowMfaPending`).
 */
export async function authorize(action: Action, surface: Surface, opts: { allowMfaPending?: boolean } = {}): Promise<SessionUser> {
  const checked = await checkedSession();
  if (!checked) throw new AppError('unauthenticated', SIGNED_OUT[surface]);
  const { user } = checked;
  if (checked.mfaPending && !opts.allowMfaPending) {
    await auditMfaPending(user, `${surface}:${action}`);
    throw new AppError('mfa_required', MFA_REQUIRED_MESSAGE);
  }
  if (!can(user.role, action)) {
    await auditDenial(user, action, `${surface}:${action}`);
    throw new AppError('forbidden', deniedMessage(surface, user, action));
  }
  return user;
}
