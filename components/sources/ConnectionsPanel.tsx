'use client';

import { useState } from 'react';
import { generateWebhookSecretAction, pullNowAction, saveConnectorAction } from '@/app/(app)/sources/actions';

export type ConnectorView = {
  url: string;
  auth: 'none' | 'bearer' | 'basic';
  recordsPath: string;
  pagination: { type: string; cursorParam?: string; cursorPath?: string; hasMorePath?: string; pageParam?: string; sizeParam?: string; size?: number; nextPath?: string };
  incremental?: { param: string; field: string; format: 'unix' | 'iso' };
  onInvalid: 'abort' | 'valid_only';
  schedule: string | null;
  hasCredentials: boolean;
  lastPulledAt: string | null;
} | null;

export function ConnectionsPanel({
  sourceId,
  webhookUrl,
  secretCount,
  connector,
  canManage,
  canPull,
}: {
  sourceId: string;
  webhookUrl: string;
  secretCount: number;
  connector: ConnectorView;
  canManage: boolean;
  canPull: boolean;
}) {
  const [secret, setSecret] = useState<string | null>(null);
  const [count, setCount] = useState(secretCount);
  const [message, setMessage] = useState<{ tone: 'success' | 'error' | 'info'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [auth, setAuth] = useState(connector?.auth ?? 'none');
  const [pagination, setPagination] = useState(connector?.pagination.type ?? 'none');
  const [incremental, setIncremental] = useState(Boolean(connector?.incremental));

  const generate = async () => {
    setBusy(true);
    const r = await generateWebhookSecretAction(sourceId);
    setBusy(false);
    if (!r.ok) return setMessage({ tone: 'error', text: r.error });
    setSecret(r.data.secret);
    setCount(r.data.count);
  };

  const save = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const s = (k: string) => String(f.get(k) ?? '').trim();
    const p =
      pagination === 'cursor'
        ? { type: 'cursor', cursorParam: s('cursorParam'), ...(s('hasMorePath') ? { hasMorePath: s('hasMorePath') } : { cursorPath: s('cursorPath') }) }
        : pagination === 'page'
          ? { type: 'page', pageParam: s('pageParam'), ...(s('sizeParam') ? { sizeParam: s('sizeParam') } : {}), size: Number(s('size') || 100) }
          : pagination === 'link'
            ? { type: 'link', ...(s('nextPath') ? { nextPath: s('nextPath') } : {}) }
            : { type: 'none' };
    const config = {
      url: s('url'),
      auth,
      recordsPath: s('recordsPath'),
      pagination: p,
      ...(incremental ? { incremental: { param: s('incParam'), field: s('incField'), format: s('incFormat') || 'unix' } } : {}),
      onInvalid: s('onInvalid') || 'abort',
    };
    setBusy(true);
    const r = await saveConnectorAction({
      sourceId,
      config,
      credentials: auth === 'none' ? undefined : { token: s('token') || undefined, username: s('username') || undefined, password: s('password') || undefined },
      schedule: s('schedule') || null,
    });
    setBusy(false);
    setMessage(r.ok ? { tone: 'success', text: 'Connector saved.' } : { tone: 'error', text: r.error });
  };

  const pull = async () => {
    setBusy(true);
    setMessage({ tone: 'info', text: 'Pulling…' });
    const r = await pullNowAction(sourceId);
    setBusy(false);
    if (!r.ok) return setMessage({ tone: 'error', text: r.error });
    setMessage(
      r.data.status === 'committed'
        ? { tone: 'success', text: `Pulled ${r.data.rowsValid} records${r.data.rowsInvalid ? ` (${r.data.rowsInvalid} invalid left out)` : ''}.` }
        : { tone: 'error', text: r.data.message ?? 'The pull failed.' },
    );
  };

  const c = connector;
  return (
    <section className="card stack" aria-labelledby="connections-title">
      <div>
        <h2 id="connections-title">Connections</h2>
        <p className="muted">Besides uploads, a source can push events to a signed webhook or be pulled from its API.</p>
      </div>
      {message ? <div className={`alert ${message.tone}`} role="status">{message.text}</div> : null}

      <div>
        <h3>Webhook</h3>
        <p className="muted" style={{ margin: '4px 0 8px' }}>
          Endpoint <code>{webhookUrl}</code>, signed like Stripe (<code>Stripe-Signature</code>, 5-minute tolerance). {count ? `${count} active signing secret${count > 1 ? 's' : ''}.` : 'No signing secret yet: deliveries are refused.'}
        </p>
        {secret ? (
          <div className="alert success" data-testid="webhook-secret">
            New signing secret (shown once): <code>{secret}</code>. The previous secret stays valid until you rotate again.
          </div>
        ) : null}
        {canManage ? (
          <button type="button" className="button secondary" disabled={busy} onClick={generate}>
            {count ? 'Rotate the signing secret' : 'Generate a signing secret'}
          </button>
        ) : null}
      </div>

      <div>
        <h3>API pull</h3>
        <p className="muted" style={{ margin: '4px 0 8px' }}>
          {c ? `Last pulled ${c.lastPulledAt ? new Date(c.lastPulledAt).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : 'never'}${c.schedule ? `; scheduled ${c.schedule}` : ''}.` : 'Not configured.'} Credentials are stored encrypted and never shown again.
        </p>
        {canManage ? (
          <details open={Boolean(c)}>
            <summary className="link-like" style={{ marginBottom: 12 }}>{c ? 'Connector settings' : 'Configure an API connector'}</summary>
            <form onSubmit={save} className="stack" aria-label="API connector">
              <div className="mapping-grid">
                <div className="field" style={{ gridColumn: '1 / -1' }}>
                  <label htmlFor="conn-url">URL</label>
                  <input id="conn-url" name="url" type="text" defaultValue={c?.url ?? ''} placeholder="https://api.example.com/v1/payments" />
                </div>
                <div className="field">
                  <label htmlFor="conn-auth">Authentication</label>
                  <select id="conn-auth" value={auth} onChange={(e) => setAuth(e.target.value as typeof auth)}>
                    <option value="none">None</option>
                    <option value="bearer">Bearer token</option>
                    <option value="basic">Basic (user and password)</option>
                  </select>
                </div>
                {auth === 'bearer' ? (
                  <div className="field">
                    <label htmlFor="conn-token">Token</label>
                    <input id="conn-token" name="token" type="password" autoComplete="off" placeholder={c?.hasCredentials ? 'stored; leave empty to keep' : ''} />
                  </div>
                ) : null}
                {auth === 'basic' ? (
                  <>
                    <div className="field">
                      <label htmlFor="conn-user">Username</label>
                      <input id="conn-user" name="username" type="text" autoComplete="off" placeholder={c?.hasCredentials ? 'stored; leave empty to keep' : ''} />
                    </div>
                    <div className="field">
                      <label htmlFor="conn-pass">Password</label>
                      <input id="conn-pass" name="password" type="password" autoComplete="off" />
                    </div>
                  </>
                ) : null}
                <div className="field">
                  <label htmlFor="conn-records">Records path</label>
                  <input id="conn-records" name="recordsPath" type="text" defaultValue={c?.recordsPath ?? 'data'} />
                  <span className="hint">Where the array sits in each response, e.g. data.</span>
                </div>
                <div className="field">
                  <label htmlFor="conn-pagination">Pagination</label>
                  <select id="conn-pagination" value={pagination} onChange={(e) => setPagination(e.target.value)}>
                    <option value="none">None</option>
                    <option value="cursor">Cursor</option>
                    <option value="page">Page number</option>
                    <option value="link">Next link</option>
                  </select>
                </div>
                {pagination === 'cursor' ? (
                  <>
                    <div className="field"><label htmlFor="conn-cp">Cursor parameter</label><input id="conn-cp" name="cursorParam" type="text" defaultValue={c?.pagination.cursorParam ?? 'starting_after'} /></div>
                    <div className="field"><label htmlFor="conn-cpath">Next cursor path</label><input id="conn-cpath" name="cursorPath" type="text" defaultValue={c?.pagination.cursorPath ?? ''} /></div>
                    <div className="field"><label htmlFor="conn-hm">Or has-more path</label><input id="conn-hm" name="hasMorePath" type="text" defaultValue={c?.pagination.hasMorePath ?? 'has_more'} /></div>
                  </>
                ) : null}
                {pagination === 'page' ? (
                  <>
                    <div className="field"><label htmlFor="conn-pp">Page parameter</label><input id="conn-pp" name="pageParam" type="text" defaultValue={c?.pagination.pageParam ?? 'page'} /></div>
                    <div className="field"><label htmlFor="conn-sp">Size parameter</label><input id="conn-sp" name="sizeParam" type="text" defaultValue={c?.pagination.sizeParam ?? 'per_page'} /></div>
                    <div className="field"><label htmlFor="conn-size">Page size</label><input id="conn-size" name="size" type="text" inputMode="numeric" defaultValue={String(c?.pagination.size ?? 100)} /></div>
                  </>
                ) : null}
                {pagination === 'link' ? (
                  <div className="field"><label htmlFor="conn-np">Next link path</label><input id="conn-np" name="nextPath" type="text" defaultValue={c?.pagination.nextPath ?? ''} placeholder="empty: the Link header" /></div>
                ) : null}
                <div className="field">
                  <label htmlFor="conn-inc">
                    <input id="conn-inc" type="checkbox" checked={incremental} onChange={(e) => setIncremental(e.target.checked)} /> Incremental pulls
                  </label>
                  <span className="hint">Only fetch records newer than the last pull.</span>
                </div>
                {incremental ? (
                  <>
                    <div className="field"><label htmlFor="conn-ip">Since parameter</label><input id="conn-ip" name="incParam" type="text" defaultValue={c?.incremental?.param ?? 'created[gte]'} /></div>
                    <div className="field"><label htmlFor="conn-if">Timestamp field</label><input id="conn-if" name="incField" type="text" defaultValue={c?.incremental?.field ?? 'created'} /></div>
                    <div className="field">
                      <label htmlFor="conn-ifmt">Timestamp format</label>
                      <select id="conn-ifmt" name="incFormat" defaultValue={c?.incremental?.format ?? 'unix'}>
                        <option value="unix">Unix seconds</option>
                        <option value="iso">ISO 8601</option>
                      </select>
                    </div>
                  </>
                ) : null}
                <div className="field">
                  <label htmlFor="conn-schedule">Schedule (cron)</label>
                  <input id="conn-schedule" name="schedule" type="text" defaultValue={c?.schedule ?? ''} placeholder="0 */1 * * * (hourly); empty: manual" />
                </div>
                <div className="field">
                  <label htmlFor="conn-invalid">Invalid records</label>
                  <select id="conn-invalid" name="onInvalid" defaultValue={c?.onInvalid ?? 'abort'}>
                    <option value="abort">Fail the pull (retry after fixing the profile)</option>
                    <option value="valid_only">Keep the valid records</option>
                  </select>
                </div>
              </div>
              <div className="row-actions">
                <button className="button secondary" type="submit" disabled={busy}>Save connector</button>
                {canPull && c ? <button className="button" type="button" disabled={busy} onClick={pull}>Pull now</button> : null}
              </div>
            </form>
          </details>
        ) : canPull && c ? (
          <button className="button" type="button" disabled={busy} onClick={pull}>Pull now</button>
        ) : null}
      </div>
    </section>
  );
}
