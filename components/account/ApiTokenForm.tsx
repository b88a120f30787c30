'use client';

import { startTransition, useActionState, useEffect, useRef, useState } from 'react';
import { createApiTokenAction, type CreateTokenState, type CreatedToken } from '@/app/(app)/account/tokens/actions';
import { FieldError, invalidProps } from '@/components/ui/FieldError';
import { CopyButton } from './CopyButton';

const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' });

export const EXPIRY_CHOICES: readonly { value: string; label: string }[] = [
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '365 days' },
  { value: 'never', label: 'No expiry' },
];

/** The secret of a token just made, shown this once, with how to use it. */
function NewTokenSecret({ token, onDone }: { token: CreatedToken; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, [token.secret]);
  // Only ever rendered after the form was sent from this browser, so the address is the one the person uses.
  const origin = typeof window === 'undefined' ? '' : window.location.origin;
  const cli = `PAIDLINE_URL=${origin} PAIDLINE_TOKEN=${token.secret} npm run paidline -- whoami`;
  const curl = `curl -H "Authorization: Bearer ${token.secret}" ${origin}/api/v1/me`;
  return (
    <section className="card secret-card" aria-labelledby="new-token-title" data-testid="new-token">
      <div className="secret-card-head">
        <h2 id="new-token-title" ref={heading} tabIndex={-1}>
          Your new token <span className="muted secret-card-name">“{token.name}”</span>
        </h2>
        <span className={`pill ${token.readOnly ? 'neutral' : 'warn'}`}>{token.readOnly ? 'Read only' : 'Read & write'}</span>
      </div>
      <p className="secret-warning" id="new-token-warning">
        <strong>Copy it now: it will not be shown again.</strong> Paidline keeps only a fingerprint of it; if it is lost, revoke it and
        make a new one. {token.expiresAt ? `It expires on ${dateFormat.format(new Date(token.expiresAt))} (UTC).` : 'It does not expire.'}
      </p>
      <div className="secret-value-row">
        <code className="secret-value" id="new-token-secret" data-testid="token-secret" aria-describedby="new-token-warning">{token.secret}</code>
        <CopyButton text={token.secret} label="Copy token" selectId="new-token-secret" className="button" />
      </div>
      <div className="secret-examples">
        <div>
          <div className="secret-example-head">
            <h3 className="small-heading">With the Paidline CLI</h3>
            <CopyButton text={cli} label="Copy" selectId="new-token-cli" className="link-like small" />
          </div>
          <pre className="command" id="new-token-cli">{cli}</pre>
        </div>
        <div>
          <div className="secret-example-head">
            <h3 className="small-heading">With curl</h3>
            <CopyButton text={curl} label="Copy" selectId="new-token-curl" className="link-like small" />
          </div>
          <pre className="command" id="new-token-curl">{curl}</pre>
        </div>
      </div>
      <p className="muted small">Keep it out of source code and shared files: put it in your password manager or your CI&apos;s secret settings.</p>
      <div className="row-actions">
        <button type="button" className="button secondary small" onClick={onDone}>I have copied it</button>
      </div>
    </section>
  );
}

/**
 * The form that makes a personal access token, and the secret once made. `aside` (the page's
 * explanation) sits beside the form. The secret lives only in this component's state: a reload
 * or leaving the page loses it, as intended.
 */
export function ApiTokenForm({ aside }: { aside?: React.ReactNode }) {
  const [state, dispatch, pending] = useActionState<CreateTokenState, FormData>(createApiTokenAction, null);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const form = useRef<HTMLFormElement>(null);
  const fields = state && !state.ok ? (state.fields ?? {}) : {};
  const created = state?.ok ? state.data : null;

  // A token made: the form starts afresh for the next one. After a refusal it keeps what was typed.
  useEffect(() => {
    if (state?.ok) form.current?.reset();
  }, [state]);

  return (
    <>
      {created && dismissed !== created.secret ? <NewTokenSecret token={created} onDone={() => setDismissed(created.secret)} /> : null}
      <div className="two-col tokens-intro">
        <section className="card" aria-labelledby="new-token-form-title">
          <h2 id="new-token-form-title" className="section-title">New token</h2>
          <form
            ref={form}
            action={dispatch}
            onSubmit={(event) => {
              // Sent by hand so a refusal does not clear the form (React resets a form after its action).
              event.preventDefault();
              const data = new FormData(event.currentTarget);
              startTransition(() => dispatch(data));
            }}
            noValidate
          >
            {state && !state.ok ? <div className="alert error" aria-live="polite" data-testid="token-error">{state.error}</div> : null}
            <div className="field">
              <label htmlFor="token-name">Name</label>
              <input
                id="token-name"
                name="name"
                type="text"
                required
                maxLength={80}
                autoComplete="off"
                placeholder="Nightly bank upload"
                aria-describedby={fields.name ? 'token-name-err' : 'token-name-hint'}
                {...invalidProps('token-name', fields.name)}
              />
              {fields.name ? <FieldError id="token-name" message={fields.name} /> : <span id="token-name-hint" className="hint">What uses it, so you can tell it apart later.</span>}
            </div>
            <div className="form-row token-options">
              <div className="field">
                <label htmlFor="token-expiry">Expires after</label>
                <select id="token-expiry" name="expiresInDays" defaultValue="90" {...invalidProps('token-expiry', fields.expiresInDays)}>
                  {EXPIRY_CHOICES.map((c) => (
                    <option key={c.value} value={c.value}>{c.label}</option>
                  ))}
                </select>
                <FieldError id="token-expiry" message={fields.expiresInDays} />
              </div>
              <div className="field">
                <label className="check" htmlFor="token-read-only">
                  <input id="token-read-only" name="readOnly" type="checkbox" aria-describedby="token-read-only-hint" />
                  Read only
                </label>
                <span id="token-read-only-hint" className="hint">It can read and export, but change nothing.</span>
              </div>
            </div>
            <div className="row-actions">
              <button className="button" type="submit" disabled={pending}>{pending ? 'Creating…' : 'Create token'}</button>
            </div>
          </form>
        </section>
        {aside}
      </div>
    </>
  );
}
