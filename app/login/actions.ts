'use server';

import { AuthError, CredentialsSignin } from 'next-auth';
import { signIn } from '@/lib/auth/auth';
import { safeCallbackPath } from '@/lib/auth/safe-redirect';

export type LoginState = { error: string | null; email: string };

export async function login(_prev: LoginState, formData: FormData): Promise<LoginState> {
  const email = String(formData.get('email') ?? '').trim();
  const password = String(formData.get('password') ?? '');
  if (!email || !password) return { error: 'Enter your e-mail and password.', email };

  try {
    await signIn('credentials', {
      email,
      password,
      redirectTo: safeCallbackPath(formData.get('callbackUrl')),
    });
    return { error: null, email };
  } catch (error) {
    // signIn redirects by throwing; only Auth.js errors are sign-in failures.
    if (error instanceof CredentialsSignin && error.code === 'rate_limited') {
      return { error: 'Too many sign-in attempts from your network. Wait a minute, then try again.', email };
    }
    if (error instanceof CredentialsSignin && error.code === 'account_locked') {
      return { error: 'This account is locked for a while after repeated failed sign-ins. Try again later, or ask an admin.', email };
    }
    if (error instanceof AuthError) {
      return { error: 'The e-mail or password is not right. Check both and try again.', email };
    }
    throw error;
  }
}
