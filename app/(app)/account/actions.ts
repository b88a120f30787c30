'use server';

import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { revalidatePath } from 'next/cache';
import { signOut } from '@/lib/auth/auth';
import { PermissionError, requireAction } from '@/lib/auth/guard';
import { requestMeta } from '@/lib/server/http/request-meta';
import { AccountError, changePassword, signOutEverywhere } from '@/lib/features/users/account';
import { beginMfaEnrolment, cancelMfaEnrolment, confirmMfaEnrolment, disableMfa, regenerateRecoveryCodes } from '@/lib/features/users/mfa';

/** What the security forms show after an action. Recovery codes appear once, in this answer only. */
export type SecurityState =
  | { status: 'idle' }
  | { status: 'error'; message: string }
  | { status: 'done'; message: string; recoveryCodes?: string[] };

// Every action here passes allowMfaPending: a user whose role requires MFA uses them to enrol.
const SECURITY_PATH = '/account/security';

async function meta() {
  return requestMeta(await headers());
}

async function run(work: () => Promise<SecurityState>): Promise<SecurityState> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof PermissionError || error instanceof AccountError) return { status: 'error', message: error.message };
    throw error;
  }
}

export async function beginMfaAction(): Promise<void> {
  const user = await requireAction('account:manage', { allowMfaPending: true });
  try {
    await beginMfaEnrolment(user, await meta());
  } catch (error) {
    if (!(error instanceof AccountError)) throw error;
  }
  revalidatePath(SECURITY_PATH);
}

export async function cancelMfaAction(): Promise<void> {
  const user = await requireAction('account:manage', { allowMfaPending: true });
  await cancelMfaEnrolment(user, await meta());
  revalidatePath(SECURITY_PATH);
}

export async function confirmMfaAction(_prev: SecurityState, formData: FormData): Promise<SecurityState> {
  return run(async () => {
    const user = await requireAction('account:manage', { allowMfaPending: true });
    const codes = await confirmMfaEnrolment(user, String(formData.get('code') ?? ''), await meta());
    // No revalidation here: re-rendering the page would replace the form, and with it the codes shown once.
    // The "continue" link that follows loads fresh pages.
    return { status: 'done', message: 'Two-factor authentication is on.', recoveryCodes: codes };
  });
}

export async function regenerateRecoveryCodesAction(_prev: SecurityState, formData: FormData): Promise<SecurityState> {
  return run(async () => {
    const user = await requireAction('account:manage', { allowMfaPending: true });
    const codes = await regenerateRecoveryCodes(user, String(formData.get('code') ?? ''), await meta());
    return { status: 'done', message: 'New recovery codes: the old ones no longer work.', recoveryCodes: codes };
  });
}

export async function disableMfaAction(_prev: SecurityState, formData: FormData): Promise<SecurityState> {
  return run(async () => {
    const user = await requireAction('account:manage', { allowMfaPending: true });
    await disableMfa(user, String(formData.get('code') ?? ''), await meta());
    revalidatePath('/', 'layout');
    return { status: 'done', message: 'Two-factor authentication is off.' };
  });
}

/** Changing the password ends every session, this one included: the user signs in again with the new one. */
export async function changePasswordAction(_prev: SecurityState, formData: FormData): Promise<SecurityState> {
  const result = await run(async () => {
    const user = await requireAction('account:manage', { allowMfaPending: true });
    const next = String(formData.get('newPassword') ?? '');
    if (next !== String(formData.get('confirmPassword') ?? '')) return { status: 'error', message: 'The two new passwords differ. Type the same one twice.' };
    await changePassword(user, String(formData.get('currentPassword') ?? ''), next, await meta());
    return { status: 'done', message: 'Password changed.' };
  });
  if (result.status === 'done') await signOut({ redirectTo: '/login' });
  return result;
}

/** Ends every session of the user (other browsers and devices), then this one. */
export async function signOutEverywhereAction(): Promise<void> {
  const user = await requireAction('account:manage', { allowMfaPending: true });
  await signOutEverywhere(user, await meta());
  await signOut({ redirectTo: '/login' });
  redirect('/login');
}
