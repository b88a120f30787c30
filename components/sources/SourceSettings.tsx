'use client';

import { useActionState, useState, useTransition } from 'react';
import { useRouter } from 'next/navigation';
import { removeSourceAction, renameSourceAction } from '@/app/(app)/sources/actions';
import type { FormState } from '@/lib/server/pipeline/result';

/**
 * A source's name and description, and its removal: delete when nothing depends on it (no records, no
 * reconciliation), else archive (its records stay for the ledgers and the audit trail). Both ask first.
 */
export function SourceSettings({ id, name, description, deletable, blockers }: { id: string; name: string; description: string; deletable: boolean; blockers: string }) {
  const [state, rename, renaming] = useActionState<FormState<{ renamed: boolean }>, FormData>(renameSourceAction, null);
  const [confirm, setConfirm] = useState<'archive' | 'delete' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const router = useRouter();
  const remove = (how: 'archive' | 'delete') =>
    start(async () => {
      setError(null);
      const r = await removeSourceAction(id, how);
      if (!r.ok) return setError(r.error);
      router.push('/sources');
    });
  return (
    <div className="stack">
      <form action={rename} data-testid="source-settings">
        <input type="hidden" name="id" value={id} />
        {state && !state.ok ? <div className="alert error" role="status" aria-live="polite">{state.error}</div> : null}
        {state?.ok ? <div className="alert success" role="status" aria-live="polite">Saved.</div> : null}
        <div className="form-row">
          <div className="field">
            <label htmlFor="source-name">Name</label>
            <input id="source-name" name="name" type="text" required maxLength={80} defaultValue={name} />
          </div>
          <div className="field" style={{ flex: 1 }}>
            <label htmlFor="source-description">Description <span className="muted">(optional)</span></label>
            <input id="source-description" name="description" type="text" maxLength={500} defaultValue={description} />
          </div>
        </div>
        <button type="submit" className="button secondary" disabled={renaming}>{renaming ? 'Saving…' : 'Save name'}</button>
      </form>
      <div className="danger-zone">
        {error ? <div className="alert error" role="status">{error}</div> : null}
        {confirm ? (
          <div className="row-actions">
            <span>
              {confirm === 'delete'
                ? <>Delete <strong>{name}</strong> with its profile versions and uploads? This cannot be undone.</>
                : <>Archive <strong>{name}</strong>? It leaves the lists and stops receiving data; its records stay for the ledgers.</>}
            </span>
            <button type="button" className="button danger" disabled={pending} onClick={() => remove(confirm)}>{confirm === 'delete' ? 'Delete' : 'Archive'}</button>
            <button type="button" className="button secondary" onClick={() => setConfirm(null)}>Keep it</button>
          </div>
        ) : (
          <div className="row-actions">
            {deletable ? <button type="button" className="button secondary" onClick={() => setConfirm('delete')}>Delete this source…</button> : null}
            <button type="button" className="button secondary" onClick={() => setConfirm('archive')}>Archive this source…</button>
            {!deletable ? <span className="muted small">It cannot be deleted: {blockers} depend on it.</span> : null}
          </div>
        )}
      </div>
    </div>
  );
}
