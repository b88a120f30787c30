'use client';

import { useActionState } from 'react';
import { addManualSpendAction, type ManualSpendState } from '@/app/(app)/sources/actions';
import { FieldError, invalidProps } from '@/components/ui/FieldError';

const FIELDS = [
  { name: 'date', label: 'Day', type: 'date', placeholder: undefined },
  { name: 'channel', label: 'Channel', type: 'text', placeholder: 'e.g. Podcast ads' },
  { name: 'campaign', label: 'Campaign', type: 'text', placeholder: 'e.g. Q3 sponsorship' },
  { name: 'amount', label: 'Amount', type: 'text', placeholder: '1,250.00' },
  { name: 'currency', label: 'Currency', type: 'text', placeholder: 'USD' },
] as const;

/** Spend that has no export (sponsorships, events, print): one row at a time, audited. */
export function ManualSpendForm() {
  const [state, action, pending] = useActionState<ManualSpendState, FormData>(addManualSpendAction, null);
  const fields = state && !state.ok ? (state.fields ?? {}) : {};
  // After an error the form shows what was typed (React resets a form to its default values).
  const values: Record<string, string> = (state && !state.ok && state.values) || { date: '', channel: '', campaign: '', amount: '', currency: 'USD' };
  return (
    <form action={action} noValidate aria-label="Record spend">
      {state && !state.ok ? <div className="alert error" aria-live="polite">{state.error}</div> : null}
      {state?.ok ? <div className="alert success" aria-live="polite" data-testid="spend-added">{state.data.message}</div> : null}
      <div className="form-row">
        {FIELDS.map((f) => (
          <div className="field" key={f.name}>
            <label htmlFor={`spend-${f.name}`}>{f.label}</label>
            <input
              id={`spend-${f.name}`}
              name={f.name}
              type={f.type}
              placeholder={f.placeholder}
              defaultValue={values[f.name]}
              maxLength={f.name === 'currency' ? 3 : undefined}
              inputMode={f.name === 'amount' ? 'decimal' : undefined}
              {...invalidProps(`spend-${f.name}`, fields[f.name])}
            />
            <FieldError id={`spend-${f.name}`} message={fields[f.name]} />
          </div>
        ))}
        <div className="field">
          <button className="button" type="submit" disabled={pending}>{pending ? 'Recording…' : 'Record spend'}</button>
        </div>
      </div>
    </form>
  );
}
