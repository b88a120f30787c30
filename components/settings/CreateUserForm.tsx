'use client';

import { useActionState } from 'react';
import { createUserAction, type CreateUserState } from '@/app/(app)/settings/actions';
import { ROLES, ROLE_LABELS } from '@/lib/domain/roles';
import { FieldError, invalidProps } from '@/components/ui/FieldError';

export function CreateUserForm() {
  const [state, action, pending] = useActionState<CreateUserState, FormData>(createUserAction, null);
  const fields = state && !state.ok ? (state.fields ?? {}) : {};
  // After an error the form shows what was typed (React resets a form to its default values).
  const values = state && !state.ok ? state.values : undefined;
  return (
    <form action={action} noValidate>
      {state && !state.ok ? <div className="alert error" aria-live="polite">{state.error}</div> : null}
      {state?.ok ? (
        <div className="alert success" aria-live="polite" data-testid="created-user">
          Created <strong>{state.data.email}</strong>. One-time password: <code>{state.data.password}</code> — hand it over
          securely; it is not shown again.
        </div>
      ) : null}
      <div className="form-row">
        <div className="field">
          <label htmlFor="new-name">Name</label>
          <input id="new-name" name="name" type="text" required defaultValue={values?.name} {...invalidProps('new-name', fields.name)} />
          <FieldError id="new-name" message={fields.name} />
        </div>
        <div className="field">
          <label htmlFor="new-email">E-mail</label>
          <input id="new-email" name="email" type="email" required defaultValue={values?.email} {...invalidProps('new-email', fields.email)} />
          <FieldError id="new-email" message={fields.email} />
        </div>
        <div className="field">
          <label htmlFor="new-role">Role</label>
          <select id="new-role" name="role" defaultValue={values?.role || 'analyst'}>
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
