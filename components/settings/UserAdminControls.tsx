'use client';

import { useActionState } from 'react';
import {
  resetUserMfaAction,
  resetUserPasswordAction,
  setUserDisabledAction,
  setUserRoleAction,
  type UserAdminState,
} from '@/app/(app)/settings/actions';
import { ROLES, ROLE_LABELS, type Role } from '@/lib/domain/roles';

const idle: UserAdminState = null;

function Outcome({ state }: { state: UserAdminState }) {
  if (!state) return null;
  return (
    <div className={`alert ${state.ok ? 'success' : 'error'} small`} aria-live="polite" style={{ margin: '8px 0 0' }}>
      {state.ok ? state.data.message : state.error}
      {state.ok && state.data.password ? (
        <>
          {' '}
          <code data-testid="reset-password">{state.data.password}</code>
        </>
      ) : null}
    </div>
  );
}

/** An admin's controls for one user; each change ends that user's sessions and is audited. */
export function UserAdminControls({ user }: { user: { id: string; email: string; role: Role; mfaEnabled: boolean; disabled: boolean } }) {
  const [roleState, roleAction, rolePending] = useActionState<UserAdminState, FormData>(setUserRoleAction, idle);
  const [pwState, pwAction, pwPending] = useActionState<UserAdminState, FormData>(resetUserPasswordAction, idle);
  const [mfaState, mfaAction, mfaPending] = useActionState<UserAdminState, FormData>(resetUserMfaAction, idle);
  const [disState, disAction, disPending] = useActionState<UserAdminState, FormData>(setUserDisabledAction, idle);
  const last = [roleState, pwState, mfaState, disState].find((s) => s !== null) ?? idle;
  return (
    <details className="menu">
      <summary className="button secondary small" aria-label={`Manage ${user.email}`}>Manage</summary>
      <div className="menu-panel" style={{ minWidth: 300 }}>
        <form action={roleAction} className="row-actions" style={{ marginBottom: 8 }}>
          <input type="hidden" name="userId" value={user.id} />
          <label className="sr-only" htmlFor={`role-${user.id}`}>Access level for {user.email}</label>
          <select id={`role-${user.id}`} name="role" defaultValue={user.role}>
            {ROLES.map((r) => (
              <option key={r} value={r}>{ROLE_LABELS[r]}</option>
            ))}
          </select>
          <button className="button secondary small" type="submit" disabled={rolePending}>Change role</button>
        </form>
        <div className="row-actions">
          <form action={pwAction}>
            <input type="hidden" name="userId" value={user.id} />
            <button className="button secondary small" type="submit" disabled={pwPending}>Reset password</button>
          </form>
          {user.mfaEnabled ? (
            <form action={mfaAction}>
              <input type="hidden" name="userId" value={user.id} />
              <button className="button secondary small" type="submit" disabled={mfaPending}>Reset two-factor</button>
            </form>
          ) : null}
          <form action={disAction}>
            <input type="hidden" name="userId" value={user.id} />
            <input type="hidden" name="disabled" value={user.disabled ? 'false' : 'true'} />
            <button className="button secondary small" type="submit" disabled={disPending}>{user.disabled ? 'Enable' : 'Disable'}</button>
          </form>
        </div>
        <Outcome state={last} />
      </div>
    </details>
  );
}
