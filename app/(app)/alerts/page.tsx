import type { Metadata } from 'next';
import { Link } from '@/components/ui/Link';
import { PageHeader } from '@/components/ui/PageHeader';
import { RetryButton } from '@/components/alerts/RetryButton';
import { CHANNEL_LABEL, DELIVERY_LABEL, DELIVERY_TONE, ESCALATION_LABEL, labelOf } from '@/components/alerts/format';
import { severityTone } from '@/components/discrepancies/format';
import { formatDateTime } from '@/components/sources/format';
import { requirePage } from '@/lib/auth/guard';
import { can } from '@/lib/domain/permissions';
import { ALERT_RULES, DELIVERY_STATES, RULE_INFO, type AlertKind } from '@/lib/features/alerts/rules';
import { ALERT_PAGE_SIZE, alertQuerySchema, deliveryCounts, listAlerts } from '@/lib/features/alerts/queries';

export const metadata: Metadata = { title: 'Alerts' };
export const dynamic = 'force-dynamic';

const STATUS_NOTE: Record<string, string> = { throttled: 'Held back by the throttle', no_channel: 'No channel configured' };

export default async function AlertsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePage('alerts:view', '/alerts');
  const sp = await searchParams;
  const q = alertQuerySchema.parse({ rule: sp.rule, state: sp.state, page: sp.page });
  const [{ rows, total }, counts] = await Promise.all([listAlerts(q), deliveryCounts()]);
  const admin = can(user.role, 'settings:notifications');
  const href = (patch: Record<string, string | undefined>) => {
    const params = new URLSearchParams();
    const merged = { rule: q.rule, state: q.state, page: q.page ? String(q.page) : undefined, ...patch };
    for (const [k, v] of Object.entries(merged)) if (v) params.set(k, v);
    const s = params.toString();
    return s ? `/alerts?${s}` : '/alerts';
  };
  const pages = Math.max(1, Math.ceil(total / ALERT_PAGE_SIZE));

  return (
    <>
      <PageHeader
        title="Alerts"
        description="Every alert Paidline raised, how often it recurred, and where each delivery stands. Nothing is dropped: held-back and failed deliveries stay here."
        actions={admin ? <Link className="button secondary" href="/settings/notifications">Notification settings</Link> : null}
      />
      <section className="card" aria-label="Deliveries by state">
        <dl className="meta-grid">
          {DELIVERY_STATES.map((s) => (
            <div key={s}>
              <dt>{labelOf(DELIVERY_LABEL, s)}</dt>
              <dd>
                <Link href={href({ state: q.state === s ? undefined : s, page: undefined })} data-testid={`count-${s}`} aria-current={q.state === s ? 'true' : undefined}>
                  <span className={`pill ${labelOf(DELIVERY_TONE, s)}`}>{counts[s] ?? 0}</span>
                </Link>
              </dd>
            </div>
          ))}
        </dl>
      </section>

      <section className="card table-card" aria-labelledby="history-title" style={{ paddingLeft: 0, paddingRight: 0 }}>
        <div className="table-toolbar">
          <h2 id="history-title" className="table-title">History <span className="muted small">({total})</span></h2>
          <form method="get" action="/alerts" className="inline-form">
            <label htmlFor="rule" className="sr-only">Rule</label>
            <select id="rule" name="rule" defaultValue={q.rule ?? ''}>
              <option value="">All rules</option>
              {[...ALERT_RULES, 'escalation', 'test'].map((r) => <option key={r} value={r}>{RULE_INFO[r as AlertKind].label}</option>)}
            </select>
            <label htmlFor="state" className="sr-only">Delivery state</label>
            <select id="state" name="state" defaultValue={q.state ?? ''}>
              <option value="">Any delivery state</option>
              {DELIVERY_STATES.map((s) => <option key={s} value={s}>{labelOf(DELIVERY_LABEL, s)}</option>)}
            </select>
            <button className="button secondary small" type="submit">Filter</button>
          </form>
        </div>
        {rows.length === 0 ? (
          <p className="muted" style={{ padding: '8px 20px' }}>No alerts{q.rule || q.state ? ' match these filters' : ' yet'}.</p>
        ) : (
          <div className="table-wrap">
            <table className="data" data-testid="alert-history">
              <thead>
                <tr>
                  <th scope="col">First seen (UTC)</th>
                  <th scope="col">Rule</th>
                  <th scope="col">Alert</th>
                  <th scope="col" className="num">Count</th>
                  <th scope="col">Deliveries</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((a) => (
                  <tr key={a.id}>
                    <td className="muted">
                      {formatDateTime(a.firstSeenAt)}
                      {a.count > 1 ? <div className="small">last {formatDateTime(a.lastSeenAt)}</div> : null}
                    </td>
                    <td>
                      {RULE_INFO[a.rule as AlertKind]?.label ?? a.rule}
                      <div><span className={`pill ${severityTone(a.severity)}`}>{a.severity}</span></div>
                    </td>
                    <td style={{ maxWidth: 460 }}>
                      <strong>{a.title}</strong>
                      {a.payload.lines.length ? (
                        <details>
                          <summary className="small">Details</summary>
                          <ul className="plain-list small">{a.payload.lines.map((l, i) => <li key={i}>{l}</li>)}</ul>
                        </details>
                      ) : null}
                      {a.payload.link ? <div className="small"><Link href={a.payload.link}>Open</Link></div> : null}
                      {a.escalation ? <div className="small">Escalation: <span className={`pill ${labelOf(ESCALATION_LABEL, a.escalation.state)?.tone ?? 'neutral'}`}>{labelOf(ESCALATION_LABEL, a.escalation.state)?.label ?? a.escalation.state}</span> {a.escalation.outcome ? <span className="muted">{a.escalation.outcome}</span> : null}</div> : null}
                      {a.payload.heldBack ? <div className="small muted">{a.payload.heldBack} similar alert(s) held back before this one</div> : null}
                    </td>
                    <td className="num">{a.count}</td>
                    <td>
                      {a.deliveries.length === 0 ? <span className="muted small">{STATUS_NOTE[a.status] ?? 'No delivery'}</span> : null}
                      <ul className="plain-list">
                        {a.deliveries.map((d) => (
                          <li key={d.id} className="small" data-testid="delivery">
                            <span className={`pill ${labelOf(DELIVERY_TONE, d.state) ?? 'neutral'}`}>{labelOf(DELIVERY_LABEL, d.state) ?? d.state}</span>{' '}
                            {labelOf(CHANNEL_LABEL, d.channel) ?? d.channel} <span className="muted">· {d.attempts} attempt{d.attempts === 1 ? '' : 's'}</span>
                            {d.state === 'retrying' && d.nextAttemptAt ? <span className="muted"> · next {formatDateTime(d.nextAttemptAt)}</span> : null}
                            {d.lastError && d.state !== 'sent' ? <div className="error-text">{d.lastError}</div> : null}
                            {admin && (d.state === 'failed' || d.state === 'suppressed') ? <div><RetryButton id={d.id} /></div> : null}
                          </li>
                        ))}
                      </ul>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {pages > 1 ? (
          <div className="pager">
            <span className="muted small">Page {q.page + 1} of {pages}</span>
            <span>
              {q.page > 0 ? <Link className="button secondary small" href={href({ page: String(q.page - 1) })}>Newer</Link> : null}{' '}
              {q.page + 1 < pages ? <Link className="button secondary small" href={href({ page: String(q.page + 1) })}>Older</Link> : null}
            </span>
          </div>
        ) : null}
      </section>
    </>
  );
}
