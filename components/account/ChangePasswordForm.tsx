'use client';

import { useActionState } from 'react';
import { changePasswordAction, type SecurityState } from '@/app/(app)/account/actions';

export function ChangePasswordForm() {
  const [state, action, pending] = useActionState<SecurityState, FormData>(changePasswordAction, null);
  return (
    <form action={action} noValidate className="stack">
      {state && !state.ok ? <div className="alert error" aria-live="polite">{state.error}</div> : null}
      <div className="form-row">
        <div className="field">
          <label htmlFor="current-password">Current password</label>
          <input id="current-password" name="currentPassword" type="password" autoComplete="current-password" required />
        </div>
        <div className="field">
          <label htmlFor="new-password">New password</label>
          <input id="new-password" name="newPassword" type="password" autoComplete="new-password" minLength={12} required aria-describedby="new-password-hint" />
          <span id="new-password-hint" className="hint">At least 12 characters.</span>
        </div>
        <div className="field">
          <label htmlFor="confirm-password">New password again</label>
          <input id="confirm-password" name="confirmPassword" type="password" autoComplete="new-password" required />
        </div>
      </div>
      <div className="row-actions">
        <button className="button secondary" type="submit" disabled={pending}>{pending ? 'Changing…' : 'Change password and sign out everywhere'}</button>
      </div>
    </form>
  );
}
