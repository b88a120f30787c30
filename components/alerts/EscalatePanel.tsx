'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { escalateAction } from '@/app/(app)/discrepancies/escalate-actions';

export function EscalatePanel({ id, version, telegramReady }: { id: number; version: number; telegramReady: boolean }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState<{ tone: 'error' | 'success' | 'info'; text: string } | null>(null);
  return (
    <form
      aria-label="Escalate"
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        setMessage(null);
        start(async () => {
          const res = await escalateAction(id, version, reason);
          if (!res.ok) return setMessage({ tone: 'error', text: res.error });
          setReason('');
          setMessage(res.data.delivered ? { tone: 'success', text: 'Escalated: the support chat gets the message in a moment.' } : { tone: 'info', text: 'Escalated and recorded. No Telegram chat is configured, so no message was sent (an admin sets it up in Settings → Notifications).' });
          router.refresh();
        });
      }}
    >
      {message ? <div className={`alert ${message.tone}`} role="status" data-testid="escalate-message">{message.text}</div> : null}
      {!telegramReady ? <p className="muted small">Telegram is not configured yet: the escalation is recorded here and in the alert history.</p> : null}
      <div className="field">
        <label htmlFor="e-reason">Why escalate <span className="muted">(goes into the message and the audit trail)</span></label>
        <textarea id="e-reason" rows={2} value={reason} onChange={(e) => setReason(e.target.value)} required minLength={3} />
      </div>
      <div>
        <button className="button secondary" type="submit" disabled={pending || reason.trim().length < 3}>{pending ? 'Escalating…' : 'Escalate to the support chat'}</button>
      </div>
    </form>
  );
}
