'use client';

import { Link } from '@/components/ui/Link';
import { useActionState } from 'react';
import {
  confirmMfaAction,
  disableMfaAction,
  regenerateRecoveryCodesAction,
  type SecurityState,
} from '@/app/(app)/account/actions';
import { RecoveryCodes } from './RecoveryCodes';

const idle: SecurityState = null;

function Message({ state }: { state: SecurityState }) {
  if (!state) return null;
  if (!state.ok) return <div className="alert error" aria-live="polite" data-testid="security-error">{state.error}</div>;
  return <div className="alert success" aria-live="polite" data-testid="security-done">{state.data.message}</div>;
}

function CodeField({ id, label = 'Code from your app', hint }: { id: string; label?: string; hint?: string }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} name="code" type="text" inputMode="numeric" autoComplete="one-time-code" required spellCheck={false} style={{ maxWidth: 220 }} />
      {hint ? <span className="hint">{hint}</span> : null}
    </div>
  );
}

/** Step 2 of the set-up: a code from the app turns MFA on; the answer carries the recovery codes, once. */
export function MfaConfirmForm({ next }: { next: string }) {
  const [state, action, pending] = useActionState<SecurityState, FormData>(confirmMfaAction, idle);
  if (state?.ok && state.data.recoveryCodes) {
    return (
      <div className="stack">
        <Message state={state} />
        <RecoveryCodes codes={state.data.recoveryCodes} />
        <p><Link className="button" href={next}>I have saved my codes: continue</Link></p>
      </div>
    );
  }
  return (
    <form action={action} noValidate className="stack">
      <Message state={state} />
      <CodeField id="confirm-code" label="Code from your app" hint="Enter the 6-digit code the app shows for Paidline, to prove the set-up worked." />
      <div className="row-actions">
        <button className="button" type="submit" disabled={pending}>{pending ? 'Checking…' : 'Turn on two-factor authentication'}</button>
      </div>
    </form>
  );
}

export function RegenerateRecoveryCodesForm() {
  const [state, action, pending] = useActionState<SecurityState, FormData>(regenerateRecoveryCodesAction, idle);
  return (
    <form action={action} noValidate className="stack">
      <Message state={state} />
      {state?.ok && state.data.recoveryCodes ? <RecoveryCodes codes={state.data.recoveryCodes} /> : null}
      <CodeField id="regen-code" hint="A current code from your app (not a recovery code)." />
      <div className="row-actions">
        <button className="button secondary" type="submit" disabled={pending}>{pending ? 'Checking…' : 'Make new recovery codes'}</button>
      </div>
    </form>
  );
}

export function DisableMfaForm({ required }: { required: boolean }) {
  const [state, action, pending] = useActionState<SecurityState, FormData>(disableMfaAction, idle);
  return (
    <form action={action} noValidate className="stack">
      <Message state={state} />
      {required ? (
        <p className="muted small" style={{ margin: 0 }}>
          Your role requires two-factor authentication: after turning it off you will have to set it up again before using Paidline.
        </p>
      ) : null}
      <CodeField id="disable-code" label="Code from your app, or a recovery code" />
      <div className="row-actions">
        <button className="button secondary" type="submit" disabled={pending}>{pending ? 'Checking…' : 'Turn off two-factor authentication'}</button>
      </div>
    </form>
  );
}
