'use server';

import { AuthError, CredentialsSignin } from 'next-auth';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { MfaRequired, SignInHeld, signIn } from '@/lib/auth/auth';
import { DEVICE_COOKIE, DEVICE_COOKIE_DAYS, newDeviceCookie } from '@/lib/auth/device-cookie';
import { isHttps } from '@/lib/auth/security-headers';
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

function wait(seconds: number): string {
  if (seconds < 90) return `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes < 90 ? `${minutes} minutes` : `${Math.ceil(minutes / 60)} hours`;
}

function failure(error: unknown, email: string, challenge: string | undefined): AppError {
  if (error instanceof SignInHeld) {
    // The same words whether or not the account exists: the hold depends only on what was typed, and where.
    return refusal(
      `Too many failed sign-ins for this e-mail. Try again in ${wait(error.retryAfterSeconds)}. ` +
        'A browser you have signed in with before is not held back by attempts from elsewhere. ' +
        'Forgot the password? An admin can reset it under Settings → Users; an admin who is held back can lift it on the server with npm run user:unlock -- --email <e-mail>.',
      email,
      undefined,
      'rate_limited',
    );
  }
  const code = error instanceof CredentialsSignin ? error.code : null;
  if (code === 'rate_limited') return refusal('Too many sign-in attempts from your network. Wait a minute, then try again.', email, challenge, 'rate_limited');
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
        await signIn('credentials', { challenge, code: input.code, redirect: false });
      } catch (error) {
        if (error instanceof AuthError) throw failure(error, email, challenge);
        throw error;
      }
      await rememberDevice(email);
      redirect(redirectTo);
    }

    if (!email || !input.password) throw new InvalidRequestError('Enter your e-mail and password.', { values: { email } });
    try {
      await signIn('credentials', { email, password: input.password, redirect: false });
    } catch (error) {
      if (error instanceof MfaRequired) return { email, challenge: error.challenge };
      if (error instanceof AuthError) throw failure(error, email, undefined);
      throw error;
    }
    await rememberDevice(email);
    redirect(redirectTo);
  },
);

/** After a complete sign-in: this browser is a trusted device for this account (lib/auth/device-cookie.ts). */
async function rememberDevice(email: string): Promise<void> {
  const value = newDeviceCookie(email);
  if (!value) return;
  const incoming = await headers();
  const secure = isHttps(new URL(process.env.PAIDLINE_PUBLIC_URL || 'http://localhost'), incoming);
  (await cookies()).set(DEVICE_COOKIE, value, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: DEVICE_COOKIE_DAYS * 86_400 });
}
