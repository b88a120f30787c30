'use client';

import { useState } from 'react';
import { useRouter } from 'next/navigation';
import { revokeApiTokenAction } from '@/app/(app)/account/tokens/actions';
import { ConfirmDialog } from '@/components/ui/ConfirmDialog';
import { useToast } from '@/components/ui/Toasts';

/** Revokes a token after asking; `owner` is set when it is someone else's (an admin's list). */
export function RevokeTokenButton({ tokenId, name, prefix, owner }: { tokenId: string; name: string; prefix: string; owner?: string }) {
  const router = useRouter();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  return (
    <ConfirmDialog
      trigger={
        <button type="button" className="button secondary small" disabled={busy} aria-label={`Revoke ${name}${owner ? ` of ${owner}` : ''}`}>
          {busy ? 'Revoking…' : 'Revoke'}
        </button>
      }
      title={`Revoke “${name}”?`}
      description={
        <p>
          Token <code>{prefix}…</code>{owner ? <> of <strong>{owner}</strong></> : null} stops working at once: scripts and the CLI using it
          get “401 Unauthorized” from now on. This cannot be undone; make a new token to replace it.
        </p>
      }
      confirmLabel="Revoke token"
      danger
      onConfirm={async () => {
        setBusy(true);
        const r = await revokeApiTokenAction(tokenId);
        setBusy(false);
        if (!r.ok) return toast({ tone: 'error', title: 'Nothing was revoked', description: r.error });
        toast({ tone: 'success', title: `“${name}” revoked`, description: owner ? `${owner} can no longer use it.` : 'It no longer works.' });
        router.refresh();
      }}
    />
  );
}
