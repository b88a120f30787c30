'use client';

import { useState, useTransition } from 'react';
import { useRouter } from 'next/navigation';
import { CopyButton } from '@/components/account/CopyButton';
import { ConfirmDialog } from '@/components/ui/ConfirmDialog';
import { useToast } from '@/components/ui/Toasts';
import { createWebhookSubscriptionAction, deleteWebhookSubscriptionAction } from '@/app/(app)/settings/notifications/actions';

export type SubscriptionView = {
  id: string;
  url: string;
  events: string[];
  description: string;
  createdAt: string;
  deliveries: { sent: number; failed: number; waiting: number; lastAt: string | null; lastError: string | null };
};

/** Webhooks out: the company's subscriptions, a form to add one (its secret shown once), and delete. */
export function WebhookSubscriptions({ subscriptions, events }: { subscriptions: SubscriptionView[]; events: { id: string; label: string }[] }) {
  const router = useRouter();
  const notify = useToast();
  const [pending, start] = useTransition();
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [chosen, setChosen] = useState<string[]>(events.map((e) => e.id));
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ url: string; secret: string } | null>(null);

  function submit(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    start(async () => {
      const result = await createWebhookSubscriptionAction({ url, events: chosen as never, description });
      if (!result.ok) {
        setError(result.error);
        return;
      }
      setCreated({ url, secret: result.data.secret });
      setUrl('');
      setDescription('');
      router.refresh();
    });
  }

  function remove(id: string, target: string) {
    start(async () => {
      const result = await deleteWebhookSubscriptionAction(id);
      notify(result.ok ? { tone: 'success', title: 'Subscription deleted', description: `Nothing more is sent to ${target}.` } : { tone: 'error', title: 'Not deleted', description: result.error });
      router.refresh();
    });
  }

  const label = new Map(events.map((e) => [e.id, e.label]));
  return (
    <section className="card" aria-labelledby="webhooks-out-title">
      <h2 id="webhooks-out-title" style={{ marginBottom: 4 }}>Webhooks out</h2>
      <p className="muted" style={{ marginTop: 0, maxWidth: 760 }}>
        Send Paidline&apos;s events to your own systems (a finance bot, a data pipeline). Each event is a JSON POST signed with the subscription&apos;s own secret in
        <code> X-Paidline-Signature</code> (<code>t=…,v1=HMAC-SHA256(secret, &quot;t.body&quot;)</code>), retried with backoff until your endpoint answers 2xx.
      </p>
      {created ? (
        <div className="alert success" role="status" style={{ marginBottom: 16 }}>
          <p style={{ margin: '0 0 6px' }}>
            <strong>Subscribed {created.url}.</strong> Its signing secret, shown this once: copy it into the receiver now.
          </p>
          <div className="secret-value-row">
            <code id="webhook-secret" className="secret-value" data-testid="webhook-secret">{created.secret}</code>
            <CopyButton text={created.secret} label="Copy secret" selectId="webhook-secret" />
            <button type="button" className="button secondary small" onClick={() => setCreated(null)}>Done</button>
          </div>
        </div>
      ) : null}
      {subscriptions.length ? (
        <table className="data" aria-label="Webhook subscriptions" style={{ marginBottom: 18 }}>
          <thead>
            <tr>
              <th>Endpoint</th>
              <th>Events</th>
              <th className="num">Sent</th>
              <th className="num">Waiting</th>
              <th className="num">Failed</th>
              <th>Last delivery</th>
              <th><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {subscriptions.map((s) => (
              <tr key={s.id}>
                <td style={{ minWidth: 260, maxWidth: 420, overflowWrap: 'anywhere' }}>
                  <code>{s.url}</code>
                  {s.description ? <div className="muted">{s.description}</div> : null}
                </td>
                <td>
                  {s.events.map((e) => (
                    <span key={e} className="pill neutral" title={label.get(e)} style={{ marginRight: 4, display: 'inline-block', marginBottom: 2 }}>{e}</span>
                  ))}
                </td>
                <td className="num">{s.deliveries.sent}</td>
                <td className="num">{s.deliveries.waiting}</td>
                <td className="num">{s.deliveries.failed ? <span className="pill bad">{s.deliveries.failed}</span> : 0}</td>
                <td>
                  {s.deliveries.lastAt ? new Date(s.deliveries.lastAt).toISOString().slice(0, 16).replace('T', ' ') : <span className="muted">none yet</span>}
                  {s.deliveries.lastError ? <div className="muted" style={{ color: 'var(--danger)' }}>{s.deliveries.lastError}</div> : null}
                </td>
                <td>
                  <ConfirmDialog
                    trigger={<button type="button" className="button secondary small" disabled={pending}>Delete</button>}
                    title="Delete this subscription?"
                    description={<p>Nothing more is sent to <code>{s.url}</code>. Events waiting for a retry are dropped.</p>}
                    confirmLabel="Delete subscription"
                    danger
                    onConfirm={() => remove(s.id, s.url)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">No subscriptions yet.</p>
      )}
      <form onSubmit={submit} aria-labelledby="webhook-new-title" className="stack" style={{ maxWidth: 760 }}>
        <h3 id="webhook-new-title" style={{ margin: '0 0 8px' }}>Subscribe an endpoint</h3>
        <label className="field">
          <span>Endpoint URL</span>
          <input type="url" required value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://hooks.example.com/paidline" />
        </label>
        <label className="field">
          <span>Description <span className="muted">(optional)</span></span>
          <input type="text" value={description} onChange={(e) => setDescription(e.target.value)} maxLength={200} placeholder="Finance ops bot" />
        </label>
        <fieldset className="field" style={{ border: 0, padding: 0, margin: '4px 0' }}>
          <legend>Events</legend>
          {events.map((e) => (
            <label key={e.id} style={{ display: 'block', margin: '4px 0' }}>
              <input type="checkbox" checked={chosen.includes(e.id)} onChange={(ev) => setChosen((xs) => (ev.target.checked ? [...xs, e.id] : xs.filter((x) => x !== e.id)))} /> <code>{e.id}</code>{' '}
              <span className="muted">{e.label}</span>
            </label>
          ))}
        </fieldset>
        {error ? <p className="alert error" role="alert">{error}</p> : null}
        <div>
          <button className="button" type="submit" disabled={pending || !url || chosen.length === 0}>{pending ? 'Subscribing…' : 'Subscribe'}</button>
        </div>
      </form>
    </section>
  );
}
