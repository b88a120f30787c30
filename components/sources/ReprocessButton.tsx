'use client';

import { useState } from 'react';
import { useRouter } from 'next/navigation';
import { reprocessIngestionAction } from '@/app/(app)/sources/actions';
import { ConfirmDialog } from '@/components/ui/ConfirmDialog';
import { useToast } from '@/components/ui/Toasts';

/** Reads an upload ingested with an older profile again with the newest version (its records replaced in one transaction). */
export function ReprocessButton({ ingestionId, fileName, version }: { ingestionId: string; fileName: string | null; version: number }) {
  const router = useRouter();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  return (
    <ConfirmDialog
      trigger={<button type="button" className="link-like small reprocess-link" disabled={busy}>{busy ? 'Reading…' : `Read again with v${version}…`}</button>}
      title={`Read ${fileName ?? 'this upload'} again with profile v${version}?`}
      description={<p>Its records are replaced by what profile v{version} reads from the same rows, in one go (or not at all, when a row does not fit). The reconciliations then update the keys it changes; decisions on unchanged facts stay.</p>}
      confirmLabel="Read again"
      onConfirm={async () => {
        setBusy(true);
        const r = await reprocessIngestionAction(ingestionId);
        setBusy(false);
        if (!r.ok) return toast({ tone: 'error', title: 'Nothing was changed', description: r.error });
        toast({ tone: 'success', title: `Read again with profile v${r.data.version}`, description: `${r.data.records.toLocaleString('en-US')} records replaced; the reconciliations update by themselves.` });
        router.refresh();
      }}
    />
  );
}
