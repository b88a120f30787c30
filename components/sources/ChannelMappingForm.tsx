'use client';

import { useMemo, useState } from 'react';
import { saveChannelMappingAction } from '@/app/(app)/sources/actions';
import type { ChannelValue } from '@/lib/features/romi/channel-map';

/**
 * The channel list: each value (a CRM lead source, an ad platform's spend) and the channel it counts as.
 * A suggestion (the ad platform that looks like a CRM channel) is offered, never applied by itself.
 */
export function ChannelMappingForm({ values, canEdit }: { values: ChannelValue[]; canEdit: boolean }) {
  const key = (v: ChannelValue) => `${v.origin}:${v.value}`;
  const [draft, setDraft] = useState<Record<string, string>>(() => Object.fromEntries(values.map((v) => [key(v), v.mapped ? v.channel : ''])));
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const channels = useMemo(() => [...new Set([...values.filter((v) => v.origin === 'deals').map((v) => v.channel), ...Object.values(draft).filter(Boolean)])].sort((a, b) => a.localeCompare(b)), [values, draft]);
  const changed = values.filter((v) => (draft[key(v)] ?? '') !== (v.mapped ? v.channel : ''));

  const save = async () => {
    setBusy(true);
    const r = await saveChannelMappingAction(changed.map((v) => ({ value: v.value, channel: draft[key(v)] ?? '' })));
    setBusy(false);
    setResult(r.ok ? { ok: true, text: `Saved ${r.data.changed} change${r.data.changed === 1 ? '' : 's'}. The dashboards are being rebuilt with them.` } : { ok: false, text: r.error });
  };

  const rows = (origin: 'deals' | 'spend') => values.filter((v) => v.origin === origin);
  const table = (origin: 'deals' | 'spend', title: string, unit: string) => (
    <div className="table-wrap">
      <table className="data" aria-label={title}>
        <caption className="table-caption">{title}</caption>
        <thead><tr><th scope="col">As written</th><th scope="col" className="num">{unit}</th><th scope="col">Counts as</th><th scope="col">Suggestion</th></tr></thead>
        <tbody>
          {rows(origin).map((v) => {
            const k = key(v);
            return (
              <tr key={k}>
                <td><strong>{v.value}</strong></td>
                <td className="num">{v.rows.toLocaleString('en-US')}</td>
                <td>
                  <input type="text" list="channel-names" value={draft[k] ?? ''} placeholder="as written" disabled={!canEdit} maxLength={80}
                    aria-label={`${v.value} counts as`} onChange={(e) => setDraft((d) => ({ ...d, [k]: e.target.value }))} />
                </td>
                <td>
                  {v.suggestion && (draft[k] ?? '') !== v.suggestion ? (
                    <button type="button" className="button secondary small" disabled={!canEdit} onClick={() => setDraft((d) => ({ ...d, [k]: v.suggestion! }))}>Use “{v.suggestion}”</button>
                  ) : <span className="muted small">—</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );

  return (
    <div className="stack" data-testid="channel-mapping">
      <datalist id="channel-names">{channels.map((c) => <option key={c} value={c} />)}</datalist>
      {rows('deals').length ? table('deals', 'From your CRM (lead source or channel)', 'Deals') : null}
      {rows('spend').length ? table('spend', 'From your ad-spend sources', 'Rows') : null}
      <p className="muted small">Leave a value empty to count it as written. A spend source without a channel column is named after the source.</p>
      {result ? <div className={`alert ${result.ok ? 'success' : 'error'}`} role="status">{result.text}</div> : null}
      {canEdit ? (
        <div className="row-actions">
          <button type="button" className="button" onClick={() => void save()} disabled={busy || !changed.length}>{busy ? 'Saving…' : changed.length ? `Save ${changed.length} change${changed.length === 1 ? '' : 's'}` : 'No changes'}</button>
        </div>
      ) : <p className="muted small">Analysts and admins can change the mapping.</p>}
    </div>
  );
}
