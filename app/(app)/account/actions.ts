'use server';

import { redirect } from 'next/navigation';
import { z } from 'zod';
import { signOut } from '@/lib/auth/auth';
import { changePassword, signOutEverywhere } from '@/lib/features/users/account';
import { beginMfaEnrolment, cancelMfaEnrolment, confirmMfaEnrolment, disableMfa, regenerateRecoveryCodes } from '@/lib/features/users/mfa';
import { InvalidRequestError } from '@/lib/server/core/app-error';
import { defineFormAction, defineSubmitAction, type ActionResult } from '@/lib/server/pipeline/action';

/** What the security forms show after an action. Recovery codes appear once, in this answer only. */
export type SecurityDone = { message: string; recoveryCodes?: string[] };
export type SecurityState = ActionResult<SecurityDone> | null;

// Every action here is open to a user whose role requires MFA and who has not enrolled yet
// (allowMfaPending): they use them to enrol.
const ACCOUNT = { permission: 'account:manage', allowMfaPending: true } as const;
const SECURITY_PATH = '/account/security';

const codeForm = { input: z.object({ code: z.string() }), form: (formData: FormData) => ({ code: String(formData.get('code') ?? '') }) };

export const beginMfaAction = defineSubmitAction({ name: 'account.mfa.begin', ...ACCOUNT, revalidate: SECURITY_PATH }, async (_input, { user, meta }) => {
  try {
    await beginMfaEnrolment(user, meta);
  } catch (error) {
    // Already on, or the user is gone: the page shows the current state.
    if (!(error instanceof InvalidRequestError)) throw error;
  }
});

export const cancelMfaAction = defineSubmitAction({ name: 'account.mfa.cancel', ...ACCOUNT, revalidate: SECURITY_PATH }, async (_input, { user, meta }) => {
  await cancelMfaEnrolment(user, meta);
});

// No revalidation here: re-rendering the page would replace the form, and with it the codes shown once.
// The "continue" link that follows loads fresh pages.
export const confirmMfaAction = defineFormAction({ name: 'account.mfa.confirm', ...ACCOUNT, ...codeForm }, async ({ code }, { user, meta }): Promise<SecurityDone> => {
  const codes = await confirmMfaEnrolment(user, code, meta);
  return { message: 'Two-factor authentication is on.', recoveryCodes: codes };
});

export const regenerateRecoveryCodesAction = defineFormAction(
  { name: 'account.mfa.recovery_codes', ...ACCOUNT, ...codeForm },
  async ({ code }, { user, meta }): Promise<SecurityDone> => {
    const codes = await regenerateRecoveryCodes(user, code, meta);
    return { message: 'New recovery codes: the old ones no longer work.', recoveryCodes: codes };
  },
);

export const disableMfaAction = defineFormAction(
  { name: 'account.mfa.disable', ...ACCOUNT, ...codeForm, revalidate: { path: '/', type: 'layout' } },
  async ({ code }, { user, meta }): Promise<SecurityDone> => {
    await disableMfa(user, code, meta);
    return { message: 'Two-factor authentication is off.' };
  },
);

/** Changing the password ends every session, this one included: the user signs in again with the new one. */
export const changePasswordAction = defineFormAction(
  {
    name: 'account.password.change',
    ...ACCOUNT,
    input: z.object({ currentPassword: z.string(), newPassword: z.string(), confirmPassword: z.string() }),
    form: (formData) => ({
      currentPassword: String(formData.get('currentPassword') ?? ''),
      newPassword: String(formData.get('newPassword') ?? ''),
      confirmPassword: String(formData.get('confirmPassword') ?? ''),
    }),
  },
  async (input, { user, meta }): Promise<SecurityDone> => {
    if (input.newPassword !== input.confirmPassword) throw new InvalidRequestError('The two new passwords differ. Type the same one twice.');
    await changePassword(user, input.currentPassword, input.newPassword, meta);
    await signOut({ redirectTo: '/login' });
    return { message: 'Password changed.' };
  },
);

/** Ends every session of the user (other browsers and devices), then this one. */
export const signOutEverywhereAction = defineSubmitAction({ name: 'account.sign_out_everywhere', ...ACCOUNT }, async (_input, { user, meta }) => {
  await signOutEverywhere(user, meta);
  await signOut({ redirectTo: '/login' });
  redirect('/login');
});
