'use client';

import { useActionState } from 'react';
import { reconcileNowAction } from '@/app/(app)/runs/actions';
import type { FormState } from '@/lib/server/pipeline/result';

/** Queues a full pass of one reconciliation (decisions whose facts did not change stay). */
export function ReconcileNowButton({ id, name }: { id: string; name: string }) {
  const [state, action, pending] = useActionState<FormState<{ queued: boolean }>, FormData>(reconcileNowAction, null);
  return (
    <form action={action} className="inline-form">
      <input type="hidden" name="id" value={id} />
      <button type="submit" className="button secondary small" disabled={pending} aria-label={`Reconcile every key of ${name} again`}>
        {pending ? 'Queuing…' : state?.ok ? 'Queued' : 'Reconcile all again'}
      </button>
      {state && !state.ok ? <span className="error small" role="status">{state.error}</span> : null}
    </form>
  );
}
