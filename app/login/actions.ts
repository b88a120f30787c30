'use server';

import { AuthError, CredentialsSignin } from 'next-auth';
import { MfaRequired, signIn } from '@/lib/auth/auth';
import { safeCallbackPath } from '@/lib/auth/safe-redirect';

/**
 * The sign-in form's two steps. `password`: e-mail and password. `code`: the account has MFA, the
 * password was right, and the server handed back a signed 5-minute challenge (no session yet); the
 * form now asks for a code from the authenticator app or a recovery code.
 */
export type LoginState = { error: string | null; email: string; step?: 'password' | 'code'; challenge?: string };

const CODE_WRONG = 'That code is not right. Enter the 6-digit code your app shows now, or one of your recovery codes.';

function failure(error: unknown, email: string, challenge: string | undefined): LoginState {
  const code = error instanceof CredentialsSignin ? error.code : null;
  if (code === 'rate_limited') {
    return { error: 'Too many sign-in attempts from your network. Wait a minute, then try again.', email, ...(challenge ? { step: 'code', challenge } : {}) };
  }
  if (code === 'account_locked') {
    return { error: 'This account is locked for a while after repeated failed sign-ins. Try again later, or ask an admin.', email };
  }
  if (code === 'challenge_expired') {
    return { error: 'The sign-in took too long or the account changed meanwhile. Enter your password again.', email };
  }
  if (challenge && code === 'code_replayed') {
    return { error: 'That code was already used. Wait for the next code in your app, or use a recovery code.', email, step: 'code', challenge };
  }
  if (challenge) return { error: CODE_WRONG, email, step: 'code', challenge };
  return { error: 'The e-mail or password is not right. Check both and try again.', email };
}

export async function login(prev: LoginState, formData: FormData): Promise<LoginState> {
  const redirectTo = safeCallbackPath(formData.get('callbackUrl'));
  const challenge = String(formData.get('challenge') ?? '') || undefined;
  const email = String(formData.get('email') ?? prev?.email ?? '').trim();

  if (challenge) {
    const code = String(formData.get('code') ?? '').trim();
    if (!code) return { error: 'Enter the code from your authenticator app, or a recovery code.', email, step: 'code', challenge };
    try {
      await signIn('credentials', { challenge, code, redirectTo });
      return { error: null, email };
    } catch (error) {
      // signIn redirects by throwing; only Auth.js errors are sign-in failures.
      if (error instanceof AuthError) return failure(error, email, challenge);
      throw error;
    }
  }

  const password = String(formData.get('password') ?? '');
  if (!email || !password) return { error: 'Enter your e-mail and password.', email };
  try {
    await signIn('credentials', { email, password, redirectTo });
    return { error: null, email };
  } catch (error) {
    if (error instanceof MfaRequired) return { error: null, email, step: 'code', challenge: error.challenge };
    if (error instanceof AuthError) return failure(error, email, undefined);
    throw error;
  }
}
