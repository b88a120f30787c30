'use client';

import { useActionState, useState } from 'react';
import { login, type LoginState } from '@/app/login/actions';

export function LoginForm({ callbackUrl }: { callbackUrl: string }) {
  const [state, action, pending] = useActionState<LoginState, FormData>(login, null);
  const [recovery, setRecovery] = useState(false);
  const error = state && !state.ok ? state.error : null;
  // The code step lasts as long as the form holds a challenge (see app/login/actions.ts).
  const shown = state ? (state.ok ? state.data : state.values) : undefined;
  const email = shown?.email ?? '';
  const challenge = shown?.challenge;
  const errorBox = error ? (
    <div id="login-error" className="alert error" data-testid="login-error" aria-live="polite">
      {error}
    </div>
  ) : null;

  if (challenge) {
    return (
      <form action={action} noValidate aria-describedby={error ? 'login-error' : 'code-hint'}>
        {errorBox}
        <input type="hidden" name="callbackUrl" value={callbackUrl} />
        <input type="hidden" name="challenge" value={challenge} />
        <input type="hidden" name="email" value={email} />
        <p className="muted" style={{ marginTop: 0 }}>
          Signing in as <strong>{email}</strong>. Your account uses two-factor authentication.
        </p>
        <div className="field">
          <label htmlFor="code">{recovery ? 'Recovery code' : 'Authentication code'}</label>
          <input
            key={recovery ? 'recovery' : 'totp'}
            id="code"
            name="code"
            type="text"
            autoComplete="one-time-code"
            inputMode={recovery ? 'text' : 'numeric'}
            autoFocus
            required
            spellCheck={false}
            aria-invalid={error ? true : undefined}
            placeholder={recovery ? 'xxxx-xxxx-xxxx' : '123456'}
          />
          <span id="code-hint" className="hint">
            {recovery
              ? 'One of the recovery codes you saved when you set up two-factor authentication. Each works once.'
              : 'The 6-digit code your authenticator app shows for Paidline.'}
          </span>
        </div>
        <button className="button block" type="submit" disabled={pending}>
          {pending ? 'Checking…' : 'Verify and sign in'}
        </button>
        <p className="small" style={{ display: 'flex', justifyContent: 'space-between', marginTop: 14 }}>
          <button type="button" className="link-like small" onClick={() => setRecovery((r) => !r)}>
            {recovery ? 'Use the code from your app' : 'Use a recovery code instead'}
          </button>
          <a href={`/login?callbackUrl=${encodeURIComponent(callbackUrl)}`}>Start over</a>
        </p>
      </form>
    );
  }

  return (
    <form action={action} noValidate aria-describedby={error ? 'login-error' : undefined}>
      {errorBox}
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <div className="field">
        <label htmlFor="email">E-mail</label>
        <input
          id="email"
          name="email"
          type="email"
          autoComplete="username"
          required
          defaultValue={email}
          aria-invalid={error ? true : undefined}
        />
      </div>
      <div className="field">
        <label htmlFor="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          aria-invalid={error ? true : undefined}
        />
      </div>
      <button className="button block" type="submit" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
