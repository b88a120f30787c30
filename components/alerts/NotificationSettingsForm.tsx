'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { registerTelegramWebhookAction, saveNotificationsAction, sendTestAlertAction, type SettingsResult } from '@/app/(app)/settings/notifications/actions';
import type { NotificationConfig } from '@/lib/features/alerts/settings';
import { ALERT_RULES, CHANNELS, RULE_INFO, type AlertRule, type Channel } from '@/lib/features/alerts/rules';
import { CHANNEL_LABEL } from './format';

type Props = {
  config: NotificationConfig;
  has: { telegramBotToken: boolean; smtpPassword: boolean; webhookSecret: boolean };
  webhookEndpoint: string;
  endpointPublic: boolean;
};

/** globals.css styles text inputs only; number and URL fields look the same. */
const BOX: React.CSSProperties = { font: 'inherit', padding: '9px 11px', border: '1px solid #c9cfdc', borderRadius: 8, background: '#fff', minHeight: 40 };


export function NotificationSettingsForm({ config: initial, has, webhookEndpoint, endpointPublic }: Props) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [c, setC] = useState<NotificationConfig>(initial);
  const [token, setToken] = useState('');
  const [clearToken, setClearToken] = useState(false);
  const [smtpPassword, setSmtpPassword] = useState('');
  const [clearSmtp, setClearSmtp] = useState(false);
  const [rotate, setRotate] = useState(false);
  const [result, setResult] = useState<SettingsResult | null>(null);

  const set = <K extends keyof NotificationConfig>(key: K, value: NotificationConfig[K]) => setC((prev) => ({ ...prev, [key]: value }));
  const tg = (patch: Partial<NotificationConfig['telegram']>) => set('telegram', { ...c.telegram, ...patch });
  const mail = (patch: Partial<NotificationConfig['email']>) => set('email', { ...c.email, ...patch });
  const th = (patch: Partial<NotificationConfig['thresholds']>) => set('thresholds', { ...c.thresholds, ...patch });
  const rule = (r: AlertRule) => c.rules[r] ?? { enabled: true, channels: [...CHANNELS] };
  const setRule = (r: AlertRule, patch: Partial<{ enabled: boolean; channels: Channel[] }>) => set('rules', { ...c.rules, [r]: { ...rule(r), ...patch } });
  const num = (v: string) => (v === '' ? 0 : Number(v));

  const run = (fn: () => Promise<SettingsResult>, after?: () => void) =>
    start(async () => {
      setResult(null);
      const r = await fn();
      setResult(r);
      if (r.ok) {
        after?.();
        router.refresh();
      }
    });

  const save = (e: React.FormEvent) => {
    e.preventDefault();
    run(
      () => saveNotificationsAction({ config: c, telegramBotToken: { value: token, clear: clearToken }, smtpPassword: { value: smtpPassword, clear: clearSmtp }, rotateWebhookSecret: rotate }),
      () => {
        setToken('');
        setSmtpPassword('');
        setClearToken(false);
        setClearSmtp(false);
        setRotate(false);
      },
    );
  };

  return (
    <form onSubmit={save} aria-label="Notification settings" className="stack">
      {result ? (
        <div className={`alert ${result.ok ? 'success' : 'error'}`} role="status" data-testid="settings-result">
          {result.ok ? result.data.message : result.error}
          {result.ok && result.data.generatedSecret ? <div style={{ marginTop: 6 }}>Signing secret: <code data-testid="generated-secret">{result.data.generatedSecret}</code></div> : null}
        </div>
      ) : null}

      <fieldset className="card">
        <legend className="section-title">Telegram support bot</legend>
        <div className="form-row">
          <div className="field">
            <label htmlFor="tg-token">Bot token</label>
            <input id="tg-token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} placeholder={has.telegramBotToken ? 'Stored (encrypted): leave blank to keep' : '123456789:AA…'} />
            {has.telegramBotToken ? <label className="check"><input type="checkbox" checked={clearToken} onChange={(e) => setClearToken(e.target.checked)} /> Remove the stored token</label> : null}
          </div>
          <div className="field">
            <label htmlFor="tg-api">Bot API base URL</label>
            <input id="tg-api" type="url" style={BOX} value={c.telegram.apiBaseUrl} onChange={(e) => tg({ apiBaseUrl: e.target.value })} />
            <span className="hint">https://api.telegram.org unless you run a Bot API server of your own.</span>
          </div>
        </div>
        <div className="form-row">
          <div className="field">
            <label htmlFor="tg-default">Default chat id</label>
            <input id="tg-default" type="text" value={c.telegram.defaultChatId} onChange={(e) => tg({ defaultChatId: e.target.value })} placeholder="-1001234567890" />
          </div>
          <div className="field">
            <label htmlFor="tg-finance">Finance team chat</label>
            <input id="tg-finance" type="text" value={c.telegram.teamChats.finance} onChange={(e) => tg({ teamChats: { ...c.telegram.teamChats, finance: e.target.value } })} placeholder="escalations, runs" />
          </div>
          <div className="field">
            <label htmlFor="tg-data">Data team chat</label>
            <input id="tg-data" type="text" value={c.telegram.teamChats.data} onChange={(e) => tg({ teamChats: { ...c.telegram.teamChats, data: e.target.value } })} placeholder="ingestion, drift, webhooks" />
          </div>
          <div className="field">
            <label htmlFor="tg-critical">Critical chat</label>
            <input id="tg-critical" type="text" value={c.telegram.severityChats.critical} onChange={(e) => tg({ severityChats: { ...c.telegram.severityChats, critical: e.target.value } })} placeholder="on-call" />
          </div>
        </div>
        <p className="muted small">A chat for the alert&apos;s severity wins, then its team&apos;s, then the default. Leave blank what you do not use.</p>
        <dl className="meta-grid" style={{ marginTop: 10 }}>
          <div>
            <dt>Webhook for button presses</dt>
            <dd><code>{webhookEndpoint}</code></dd>
          </div>
          <div>
            <dt>Register it</dt>
            <dd>
              <button type="button" className="button secondary small" disabled={pending || !has.telegramBotToken} onClick={() => run(() => registerTelegramWebhookAction())}>Register with Telegram</button>
              {!endpointPublic ? <div className="muted small">Needs PAIDLINE_PUBLIC_URL set to a public https address.</div> : null}
            </dd>
          </div>
        </dl>
      </fieldset>

      <fieldset className="card">
        <legend className="section-title">E-mail (SMTP, optional)</legend>
        <div className="form-row">
          <div className="field"><label htmlFor="m-host">SMTP host</label><input id="m-host" type="text" value={c.email.host} onChange={(e) => mail({ host: e.target.value })} placeholder="smtp.example.com" /></div>
          <div className="field"><label htmlFor="m-port">Port</label><input id="m-port" type="number" style={BOX} min={1} max={65535} value={c.email.port} onChange={(e) => mail({ port: num(e.target.value) })} /></div>
          <div className="field"><label className="check"><input type="checkbox" checked={c.email.secure} onChange={(e) => mail({ secure: e.target.checked })} /> TLS from the start (port 465)</label></div>
        </div>
        <div className="form-row">
          <div className="field"><label htmlFor="m-user">User</label><input id="m-user" type="text" autoComplete="off" value={c.email.user} onChange={(e) => mail({ user: e.target.value })} /></div>
          <div className="field">
            <label htmlFor="m-pass">Password</label>
            <input id="m-pass" type="password" autoComplete="off" value={smtpPassword} onChange={(e) => setSmtpPassword(e.target.value)} placeholder={has.smtpPassword ? 'Stored (encrypted): leave blank to keep' : ''} />
            {has.smtpPassword ? <label className="check"><input type="checkbox" checked={clearSmtp} onChange={(e) => setClearSmtp(e.target.checked)} /> Remove the stored password</label> : null}
          </div>
          <div className="field"><label htmlFor="m-from">From</label><input id="m-from" type="text" value={c.email.from} onChange={(e) => mail({ from: e.target.value })} placeholder="Paidline <alerts@example.com>" /></div>
          <div className="field"><label htmlFor="m-to">To</label><input id="m-to" type="text" value={c.email.to} onChange={(e) => mail({ to: e.target.value })} placeholder="finance-ops@example.com, …" /></div>
        </div>
      </fieldset>

      <fieldset className="card">
        <legend className="section-title">Signed webhook (optional)</legend>
        <div className="field">
          <label htmlFor="w-url">URL</label>
          <input id="w-url" type="url" style={BOX} value={c.webhook.url} onChange={(e) => set('webhook', { url: e.target.value })} placeholder="https://hooks.example.com/paidline" />
          <span className="hint">Each alert is POSTed as JSON with <code>X-Paidline-Signature: t=…,v1=…</code> (HMAC-SHA256 of &quot;timestamp.body&quot;, see the README).</span>
        </div>
        <label className="check"><input type="checkbox" checked={rotate} onChange={(e) => setRotate(e.target.checked)} /> {has.webhookSecret ? 'Generate a new signing secret (the old one stops working)' : 'Generate a signing secret'}</label>
      </fieldset>

      <fieldset className="card">
        <legend className="section-title">Rules</legend>
        <div className="table-wrap">
          <table className="data">
            <thead>
              <tr><th scope="col">Rule</th><th scope="col">On</th>{CHANNELS.map((ch) => <th key={ch} scope="col">{CHANNEL_LABEL[ch]}</th>)}</tr>
            </thead>
            <tbody>
              {ALERT_RULES.map((r) => (
                <tr key={r}>
                  <td><strong>{RULE_INFO[r].label}</strong><div className="muted small">{RULE_INFO[r].description}</div></td>
                  <td><input type="checkbox" aria-label={`${RULE_INFO[r].label} on`} checked={rule(r).enabled} onChange={(e) => setRule(r, { enabled: e.target.checked })} /></td>
                  {CHANNELS.map((ch) => (
                    <td key={ch}>
                      <input
                        type="checkbox"
                        aria-label={`${RULE_INFO[r].label} by ${CHANNEL_LABEL[ch]}`}
                        checked={rule(r).channels.includes(ch)}
                        onChange={(e) => setRule(r, { channels: e.target.checked ? [...rule(r).channels, ch] : rule(r).channels.filter((x) => x !== ch) })}
                      />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="form-row" style={{ marginTop: 12 }}>
          <div className="field"><label htmlFor="t-rate">Discrepancy rate above (%)</label><input id="t-rate" type="number" style={BOX} min={0} max={100} step="0.1" value={c.thresholds.discrepancyRatePercent} onChange={(e) => th({ discrepancyRatePercent: num(e.target.value) })} /></div>
          <div className="field"><label htmlFor="t-stale">Source stale after (hours)</label><input id="t-stale" type="number" style={BOX} min={1} value={c.thresholds.staleHours} onChange={(e) => th({ staleHours: num(e.target.value) })} /></div>
          <div className="field"><label htmlFor="t-sig">Signature failures</label><input id="t-sig" type="number" style={BOX} min={1} value={c.thresholds.signatureFailures} onChange={(e) => th({ signatureFailures: num(e.target.value) })} /></div>
          <div className="field"><label htmlFor="t-sigw">… within (minutes)</label><input id="t-sigw" type="number" style={BOX} min={1} value={c.thresholds.signatureWindowMinutes} onChange={(e) => th({ signatureWindowMinutes: num(e.target.value) })} /></div>
        </div>
        <div className="form-row">
          <div className="field"><label htmlFor="t-dedup">Same alert counted, not resent, within (minutes)</label><input id="t-dedup" type="number" style={BOX} min={1} value={c.dedupWindowMinutes} onChange={(e) => set('dedupWindowMinutes', num(e.target.value))} /></div>
          <div className="field"><label htmlFor="t-throttle">At most per rule per hour</label><input id="t-throttle" type="number" style={BOX} min={1} value={c.throttlePerHour} onChange={(e) => set('throttlePerHour', num(e.target.value))} /></div>
          <div className="field">
            <label className="check"><input type="checkbox" checked={c.autoEscalateCritical} onChange={(e) => set('autoEscalateCritical', e.target.checked)} /> Escalate critical discrepancies automatically</label>
            <span className="hint">Gateway Paid while the bank says Failed or has nothing.</span>
          </div>
          <div className="field"><label htmlFor="t-autolimit">Automatic escalations per run, at most</label><input id="t-autolimit" type="number" style={BOX} min={1} value={c.autoEscalateLimit} onChange={(e) => set('autoEscalateLimit', num(e.target.value))} /></div>
        </div>
      </fieldset>

      <div className="row-actions">
        <button className="button" type="submit" disabled={pending}>{pending ? 'Saving…' : 'Save settings'}</button>
        <button className="button secondary" type="button" disabled={pending} onClick={() => run(() => sendTestAlertAction())}>Send a test alert</button>
      </div>
    </form>
  );
}
