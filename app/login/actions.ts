'use server';

import { AuthError, CredentialsSignin } from 'next-auth';
import { z } from 'zod';
import { MfaRequired, signIn } from '@/lib/auth/auth';
import { safeCallbackPath } from '@/lib/auth/safe-redirect';
import { AppError, InvalidRequestError } from '@/lib/server/core/app-error';
import { defineFormAction, type FormState } from '@/lib/server/pipeline/action';

/**
 * The sign-in form's two steps. `password`: e-mail and password. `code`: the account has MFA, the
 * password was right, and the server handed back a signed 5-minute challenge (no session yet); the
 * form now asks for a code from the authenticator app or a recovery code. The step the form shows
 * is the challenge it holds: in the data after the password, in the failure's values after a
 * wrong code (a failure without it goes back to the password).
 */
export type LoginStep = { email: string; challenge?: string };
export type LoginState = FormState<LoginStep>;

const CODE_WRONG = 'That code is not right. Enter the 6-digit code your app shows now, or one of your recovery codes.';

function refusal(message: string, email: string, challenge?: string, code: 'unauthenticated' | 'rate_limited' | 'invalid_input' = 'unauthenticated'): AppError {
  return new AppError(code, message, { values: challenge ? { email, challenge } : { email } });
}

function failure(error: unknown, email: string, challenge: string | undefined): AppError {
  const code = error instanceof CredentialsSignin ? error.code : null;
  if (code === 'rate_limited') return refusal('Too many sign-in attempts from your network. Wait a minute, then try again.', email, challenge, 'rate_limited');
  if (code === 'account_locked') return refusal('This account is locked for a while after repeated failed sign-ins. Try again later, or ask an admin.', email);
  if (code === 'challenge_expired') return refusal('The sign-in took too long or the account changed meanwhile. Enter your password again.', email);
  if (challenge && code === 'code_replayed') return refusal('That code was already used. Wait for the next code in your app, or use a recovery code.', email, challenge);
  if (challenge) return refusal(CODE_WRONG, email, challenge);
  return refusal('The e-mail or password is not right. Check both and try again.', email);
}

const text = (formData: FormData, name: string) => String(formData.get(name) ?? '');

export const login = defineFormAction(
  {
    name: 'auth.sign_in',
    permission: { public: 'The sign-in form: it is how a session starts.' },
    input: z.object({ callbackUrl: z.unknown(), challenge: z.string(), email: z.string(), code: z.string(), password: z.string() }),
    form: (formData) => ({
      callbackUrl: formData.get('callbackUrl'),
      challenge: text(formData, 'challenge'),
      email: text(formData, 'email').trim(),
      code: text(formData, 'code').trim(),
      password: text(formData, 'password'),
    }),
  },
  async (input): Promise<LoginStep> => {
    const redirectTo = safeCallbackPath(input.callbackUrl);
    const challenge = input.challenge || undefined;
    const { email } = input;

    if (challenge) {
      if (!input.code) throw new InvalidRequestError('Enter the code from your authenticator app, or a recovery code.', { values: { email, challenge } });
      try {
        await signIn('credentials', { challenge, code: input.code, redirectTo });
        return { email };
      } catch (error) {
        // signIn redirects by throwing; only Auth.js errors are sign-in failures.
        if (error instanceof AuthError) throw failure(error, email, challenge);
        throw error;
      }
    }

    if (!email || !input.password) throw new InvalidRequestError('Enter your e-mail and password.', { values: { email } });
    try {
      await signIn('credentials', { email, password: input.password, redirectTo });
      return { email };
    } catch (error) {
      if (error instanceof MfaRequired) return { email, challenge: error.challenge };
      if (error instanceof AuthError) throw failure(error, email, undefined);
      throw error;
    }
  },
);
