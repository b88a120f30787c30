'use client';

import { useState } from 'react';
import { useRouter } from 'next/navigation';
import { reprocessIngestionAction } from '@/app/(app)/sources/actions';

/** Reads an upload ingested with an older profile again with the newest version (its records replaced in one transaction). */
export function ReprocessButton({ ingestionId, version }: { ingestionId: string; version: number }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!asking) return <button type="button" className="link-like small" onClick={() => setAsking(true)}>Read again with v{version}…</button>;
  return (
    <span className="reprocess" role="group" aria-label="Read again">
      <span className="small">Replace its records with v{version}&apos;s reading?</span>{' '}
      <button type="button" className="button small" disabled={busy} onClick={async () => {
        setBusy(true);
        const r = await reprocessIngestionAction(ingestionId);
        setBusy(false);
        if (!r.ok) return setError(r.error);
        setAsking(false);
        router.refresh();
      }}>{busy ? 'Reading…' : 'Read again'}</button>{' '}
      <button type="button" className="button secondary small" onClick={() => setAsking(false)}>Cancel</button>
      {error ? <span className="error-text small" role="alert"> {error}</span> : null}
    </span>
  );
}
