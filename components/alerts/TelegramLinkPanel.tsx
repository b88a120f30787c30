'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { createLinkCodeAction, unlinkTelegramAction } from '@/app/(app)/telegram/actions';

export function TelegramLinkPanel({ linked }: { linked: { username: string | null; since: string } | null }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [code, setCode] = useState<{ code: string; expiresAt: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="stack">
      {error ? <div className="alert error" role="status">{error}</div> : null}
      {linked ? (
        <p data-testid="telegram-linked">
          Linked to Telegram {linked.username ? <strong>@{linked.username}</strong> : 'account'} since {linked.since} UTC.{' '}
          <button type="button" className="button secondary small" disabled={pending} onClick={() => start(async () => { const r = await unlinkTelegramAction(); if (!r.ok) setError(r.error ?? 'Could not unlink.'); else { setCode(null); router.refresh(); } })}>
            Unlink
          </button>
        </p>
      ) : (
        <p className="muted">Not linked yet: buttons you press in the support chat are refused until you link.</p>
      )}
      {code ? (
        <div className="alert info" role="status">
          Send <code data-testid="link-command">/link {code.code}</code> to the Paidline bot in Telegram before {new Date(code.expiresAt).toISOString().slice(11, 16)} UTC. The code works once.
        </div>
      ) : null}
      <div>
        <button type="button" className="button" disabled={pending} onClick={() => start(async () => { setError(null); const r = await createLinkCodeAction(); if (r.ok) setCode({ code: r.data.code, expiresAt: r.data.expiresAt }); else setError(r.error); })}>
          {linked ? 'Link another Telegram account' : 'Create a link code'}
        </button>
      </div>
    </div>
  );
}
