'use client';

import { useState, useTransition } from 'react';
import { useRouter } from 'next/navigation';
import { cancelIngestionAction, decideIngestionAction } from '@/app/(app)/sources/actions';

/**
 * What an upload still waiting for someone offers on its source page, whoever left the upload panel:
 * invalid rows -> commit the valid ones or abort; no mapping yet -> cancel (upload again to map it).
 */
export function PendingDecision({ ingestionId, status, rowsInvalid }: { ingestionId: string; status: 'needs_decision' | 'staged'; rowsInvalid: number }) {
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const router = useRouter();
  const run = (fn: () => Promise<{ ok: true } | { ok: false; error: string }>) =>
    start(async () => {
      setError(null);
      const r = await fn();
      if (!r.ok) setError(r.error);
      else router.refresh();
    });
  return (
    <div className="row-actions pending-decision">
      {status === 'needs_decision' ? (
        <>
          <button type="button" className="button small" disabled={pending} onClick={() => run(() => decideIngestionAction(ingestionId, 'commit'))}>
            Commit the valid rows
          </button>
          <button type="button" className="button secondary small" disabled={pending} onClick={() => run(() => decideIngestionAction(ingestionId, 'abort'))} aria-label={`Abort this upload and its ${rowsInvalid} invalid rows`}>
            Abort
          </button>
        </>
      ) : (
        <button type="button" className="button secondary small" disabled={pending} onClick={() => run(() => cancelIngestionAction(ingestionId))}>
          Cancel this upload
        </button>
      )}
      {error ? <span className="error-text" role="status">{error}</span> : null}
    </div>
  );
}
