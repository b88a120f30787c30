'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { assignAction, resolveAction, undoAction } from '@/app/(app)/discrepancies/actions';
import { isOpenReviewState } from '@/lib/domain/review';

type Props = {
  id: number;
  version: number;
  state: string;
  recommended: { action: string; label: string; applicable: boolean };
  sources: { name: string; present: boolean; summary: string }[];
  currency: string;
  canResolve: boolean;
  canUndo: { action: string; until: string } | null;
  assignees: { id: string; email: string }[];
  assigneeId: string | null;
  meId: string;
};


export function ResolvePanel(p: Props) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [action, setAction] = useState(p.recommended.applicable ? 'apply_recommended' : 'accept_source');
  const [source, setSource] = useState(p.sources.find((s) => s.present)?.name ?? '');
  const [status, setStatus] = useState('Paid');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState<{ tone: 'error' | 'success'; text: string } | null>(null);

  const done = (res: { ok: true } | { ok: false; error: string }, success: string) => {
    if (!res.ok) setMessage({ tone: 'error', text: res.error });
    else {
      setMessage({ tone: 'success', text: success });
      setReason('');
      router.refresh();
    }
  };

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setMessage(null);
    let amountMinor: string | undefined;
    if (action === 'manual') {
      const m = /^\s*(\d{1,15})(?:\.(\d{1,2}))?\s*$/.exec(amount);
      if (!m) return setMessage({ tone: 'error', text: 'Enter the corrected amount, such as 120.50.' });
      amountMinor = String(BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0')));
    }
    start(async () =>
      done(
        await resolveAction(p.id, p.version, { action: action as never, reason, ...(action === 'accept_source' ? { source } : {}), ...(action === 'manual' ? { status: status as never, amountMinor } : {}) }),
        'Decision recorded.',
      ),
    );
  };

  if (!p.canResolve) {
    return <p className="muted" data-testid="read-only-note">You can read this discrepancy; finance reviewers resolve it.</p>;
  }
  return (
    <div className="stack">
      {message ? <div className={`alert ${message.tone}`} role="status">{message.text}</div> : null}
      {p.canUndo ? (
        <div className="alert info undo-box">
          Last decision: <strong>{p.canUndo.action}</strong>. You can undo it until {p.canUndo.until} UTC.{' '}
          <button type="button" className="button secondary small" disabled={pending} onClick={() => start(async () => done(await undoAction(p.id), 'Decision undone: the discrepancy is open again.'))}>
            Undo
          </button>
        </div>
      ) : null}
      {isOpenReviewState(p.state) ? (
        <>
          <form onSubmit={submit} aria-label="Resolve" className="resolve-form">
            <fieldset className="plain-fieldset">
              <legend className="field-legend">Resolution</legend>
              <label className="radio"><input type="radio" name="action" value="apply_recommended" checked={action === 'apply_recommended'} disabled={!p.recommended.applicable} onChange={() => setAction('apply_recommended')} /> Apply the recommended action <span className="muted">({p.recommended.applicable ? p.recommended.label : 'the procedure has no final status for this case'})</span></label>
              <label className="radio"><input type="radio" name="action" value="accept_source" checked={action === 'accept_source'} onChange={() => setAction('accept_source')} /> Accept one source&apos;s value</label>
              {action === 'accept_source' ? (
                <div className="indent">
                  {p.sources.map((s) => (
                    <label key={s.name} className="radio"><input type="radio" name="source" value={s.name} disabled={!s.present} checked={source === s.name} onChange={() => setSource(s.name)} /> {s.name} <span className="muted">{s.summary}</span></label>
                  ))}
                </div>
              ) : null}
              <label className="radio"><input type="radio" name="action" value="manual" checked={action === 'manual'} onChange={() => setAction('manual')} /> Manual correction</label>
              {action === 'manual' ? (
                <div className="indent form-row">
                  <div className="field">
                    <label htmlFor="m-status">Final status</label>
                    <select id="m-status" value={status} onChange={(e) => setStatus(e.target.value)}>
                      {['Pending', 'Authorized', 'Paid', 'Failed', 'Refunded', 'Cancelled'].map((s) => <option key={s}>{s}</option>)}
                    </select>
                  </div>
                  <div className="field">
                    <label htmlFor="m-amount">Final amount ({p.currency})</label>
                    <input id="m-amount" type="text" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} placeholder="0.00" />
                  </div>
                </div>
              ) : null}
              <label className="radio"><input type="radio" name="action" value="timing_difference" checked={action === 'timing_difference'} onChange={() => setAction('timing_difference')} /> Timing difference <span className="muted">(the bank&apos;s record stands)</span></label>
              <label className="radio"><input type="radio" name="action" value="write_off" checked={action === 'write_off'} onChange={() => setAction('write_off')} /> Write off</label>
              <label className="radio"><input type="radio" name="action" value="escalate" checked={action === 'escalate'} onChange={() => setAction('escalate')} /> Escalate</label>
            </fieldset>
            <div className="field">
              <label htmlFor="r-reason">Reason <span className="muted">(required, kept in the audit trail)</span></label>
              <textarea id="r-reason" rows={3} value={reason} onChange={(e) => setReason(e.target.value)} required minLength={3} />
            </div>
            <button className="button" type="submit" disabled={pending || reason.trim().length < 3}>{pending ? 'Saving…' : 'Record decision'}</button>
          </form>
          <div className="assign-row">
            <label htmlFor="assignee" className="muted small">Assigned to</label>
            <select
              id="assignee"
              value={p.assigneeId ?? ''}
              disabled={pending}
              onChange={(e) => start(async () => done(await assignAction(p.id, p.version, e.target.value || null), e.target.value ? 'Assigned.' : 'Unassigned.'))}
            >
              <option value="">Nobody</option>
              {p.assignees.map((a) => <option key={a.id} value={a.id}>{a.id === p.meId ? `${a.email} (me)` : a.email}</option>)}
            </select>
          </div>
        </>
      ) : null}
    </div>
  );
}
