import { forbidden, redirect } from 'next/navigation';
import { headers } from 'next/headers';
import { NextResponse } from 'next/server';
import { auth } from './auth';
import { can, type Action } from './permissions';
import { sessionUserSchema, type SessionUser } from './session-schema';
import { writeAudit } from '@/lib/db/audit';
import { getPrisma } from '@/lib/db/client';
import { requestMeta } from './request-meta';

/** The signed-in user, or null. The JWT's claims are validated, never trusted blindly. */
export async function currentUser(): Promise<SessionUser | null> {
  const session = await auth();
  const parsed = sessionUserSchema.safeParse(session?.user);
  return parsed.success ? parsed.data : null;
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
  const user = await currentUser();
  if (!user) redirect(`/login?callbackUrl=${encodeURIComponent(path)}`);
  if (!can(user.role, action)) {
    await auditDenial(user, action, path);
    forbidden();
  }
  return user;
}

/** For any signed-in page that every role may open (the account page, the shell). */
export async function requireSignedIn(path: string): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) redirect(`/login?callbackUrl=${encodeURIComponent(path)}`);
  return user;
}

export class PermissionError extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

/** For server actions: throws PermissionError(401/403), whatever the page showed. */
export async function requireAction(action: Action): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) throw new PermissionError(401, 'Your session has ended. Sign in again.');
  if (!can(user.role, action)) {
    await auditDenial(user, action, `action:${action}`);
    throw new PermissionError(403, 'Your role does not allow this action.');
  }
  return user;
}

/** For route handlers: the user, or a 401/403 JSON response to return as is. */
export async function requireApi(action: Action): Promise<SessionUser | NextResponse> {
  const user = await currentUser();
  if (!user) return NextResponse.json({ error: 'Sign in to use this API.' }, { status: 401 });
  if (!can(user.role, action)) {
    await auditDenial(user, action, `api:${action}`);
    return NextResponse.json({ error: `Your role (${user.role}) does not allow ${action}.` }, { status: 403 });
  }
  return user;
}
