'use client';

import { useState } from 'react';
import { useRouter } from 'next/navigation';
import { profileDraftAction, reprocessIngestionAction, saveProfileAction } from '@/app/(app)/sources/actions';
import type { IngestionPreview } from '@/lib/features/ingestion/preview-ingestion';
import { MappingForm } from './UploadPanel';

/**
 * Edits a source's profile without uploading again: the mapping form over the newest ingested upload's
 * rows; saving creates the next version, and the upload can then be read again with it.
 */
export function ProfileEditor({ sourceId }: { sourceId: string }) {
  const router = useRouter();
  const [preview, setPreview] = useState<(IngestionPreview & { readWithVersion: number | null }) | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [saved, setSaved] = useState<{ version: number; ingestionId: string; fileName: string | null } | null>(null);
  const [busy, setBusy] = useState(false);

  const open = async () => {
    setMessage(null);
    const r = await profileDraftAction(sourceId);
    if (!r.ok) return setMessage({ ok: false, text: r.error });
    setPreview({
      ingestionId: r.data.ingestionId,
      fileName: r.data.fileName,
      format: r.data.format,
      header: r.data.header,
      sampleRows: r.data.sampleRows,
      notes: [],
      suggestion: { presetId: null, presetLabel: null, profile: r.data.current.profile, confidence: 'profile' },
      current: r.data.current,
      drift: [],
      readWithVersion: r.data.readWithVersion,
    });
  };

  const reprocess = async () => {
    if (!saved) return;
    setBusy(true);
    const r = await reprocessIngestionAction(saved.ingestionId);
    setBusy(false);
    setMessage(r.ok ? { ok: true, text: `${saved.fileName ?? 'The upload'} was read again with profile v${r.data.version}: ${r.data.records.toLocaleString('en-US')} records replaced. The reconciliations update by themselves.` } : { ok: false, text: r.error });
    if (r.ok) {
      setSaved(null);
      router.refresh();
    }
  };

  return (
    <div className="profile-editor" data-testid="profile-editor">
      {message ? <div className={`alert ${message.ok ? 'success' : 'error'}`} role="status">{message.text}</div> : null}
      {saved ? (
        <div className="alert info" role="status">
          Saved as profile v{saved.version}. New uploads are read with it. Read {saved.fileName ?? 'the last upload'} again with it now?{' '}
          <span className="row-actions" style={{ display: 'inline-flex' }}>
            <button type="button" className="button small" disabled={busy} onClick={() => void reprocess()}>{busy ? 'Reading…' : `Read it again with v${saved.version}`}</button>
            <button type="button" className="button secondary small" onClick={() => setSaved(null)}>Not now</button>
          </span>
        </div>
      ) : null}
      {preview ? (
        <MappingForm
          mode="edit"
          preview={preview}
          onSheet={async () => undefined}
          onCancel={() => setPreview(null)}
          onSubmit={async (profile) => {
            const r = await saveProfileAction(sourceId, profile);
            if (!r.ok) return setMessage({ ok: false, text: r.error });
            setPreview(null);
            setMessage(null);
            setSaved({ version: r.data.version, ingestionId: preview.ingestionId, fileName: preview.fileName });
            router.refresh();
          }}
        />
      ) : (
        <button type="button" className="button secondary" onClick={() => void open()}>Edit the profile…</button>
      )}
    </div>
  );
}
