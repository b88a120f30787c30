'use client';

import { useActionState } from 'react';
import { createUserAction, type CreateUserState } from '@/app/(app)/settings/actions';
import { ROLES, ROLE_LABELS } from '@/lib/auth/roles';

export function CreateUserForm() {
  const [state, action, pending] = useActionState<CreateUserState, FormData>(createUserAction, { status: 'idle' });
  const fields = state.status === 'error' ? (state.fields ?? {}) : {};
  return (
    <form action={action} noValidate>
      {state.status === 'error' ? <div className="alert error" aria-live="polite">{state.message}</div> : null}
      {state.status === 'created' ? (
        <div className="alert success" aria-live="polite" data-testid="created-user">
          Created <strong>{state.email}</strong>. One-time password: <code>{state.password}</code> — hand it over
          securely; it is not shown again.
        </div>
      ) : null}
      <div className="form-row">
        <div className="field">
          <label htmlFor="new-name">Name</label>
          <input id="new-name" name="name" type="text" required aria-invalid={fields.name ? true : undefined} aria-describedby={fields.name ? 'new-name-err' : undefined} />
          {fields.name ? <span id="new-name-err" className="hint" style={{ color: 'var(--danger)' }}>{fields.name}</span> : null}
        </div>
        <div className="field">
          <label htmlFor="new-email">E-mail</label>
          <input id="new-email" name="email" type="email" required aria-invalid={fields.email ? true : undefined} aria-describedby={fields.email ? 'new-email-err' : undefined} />
          {fields.email ? <span id="new-email-err" className="hint" style={{ color: 'var(--danger)' }}>{fields.email}</span> : null}
        </div>
        <div className="field">
          <label htmlFor="new-role">Role</label>
          <select id="new-role" name="role" defaultValue="analyst">
            {ROLES.map((r) => (
              <option key={r} value={r}>{ROLE_LABELS[r]}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <button className="button" type="submit" disabled={pending}>{pending ? 'Creating…' : 'Create user'}</button>
        </div>
      </div>
    </form>
  );
}
