'use client';

import { useActionState, useEffect } from 'react';
import { useRouter } from 'next/navigation';
import { createSourceAction, type CreateSourceState } from '@/app/(app)/sources/actions';
import { FieldError, invalidProps } from '@/components/ui/FieldError';

export type PresetOption = { id: string; label: string; kind: string; description: string };
const KINDS = [
  ['gateway', 'Payment gateway'],
  ['bank', 'Bank'],
  ['crm', 'CRM'],
  ['erp', 'ERP'],
  ['ads', 'Ad platform'],
  ['other', 'Other'],
] as const;

export function CreateSourceForm({ presets }: { presets: PresetOption[] }) {
  const [state, action, pending] = useActionState<CreateSourceState, FormData>(createSourceAction, null);
  const router = useRouter();
  useEffect(() => {
    if (state?.ok) router.push(`/sources/${state.data.id}`);
  }, [state, router]);
  const fields = state && !state.ok ? (state.fields ?? {}) : {};
  // After an error the form shows what was chosen (React resets a form to its default values).
  const values = state && !state.ok ? state.values : undefined;
  return (
    <form action={action} noValidate>
      {state && !state.ok ? <div className="alert error" aria-live="polite">{state.error}</div> : null}
      <div className="form-row">
        <div className="field">
          <label htmlFor="source-name">Name</label>
          <input id="source-name" name="name" type="text" required placeholder="e.g. Stripe EU" defaultValue={values?.name} {...invalidProps('source-name', fields.name)} />
          <FieldError id="source-name" message={fields.name} />
        </div>
        <div className="field">
          <label htmlFor="source-kind">Kind</label>
          <select id="source-kind" name="kind" defaultValue={values?.kind || 'gateway'}>
            {KINDS.map(([value, label]) => (
              <option key={value} value={value}>{label}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="source-preset">Export format</label>
          <select id="source-preset" name="preset" defaultValue={values?.preset ?? ''}>
            <option value="">Detect from the first upload</option>
            {presets.map((p) => (
              <option key={p.id} value={p.id}>{p.label}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <button className="button" type="submit" disabled={pending}>{pending ? 'Adding…' : 'Add source'}</button>
        </div>
      </div>
    </form>
  );
}
