import type { Metadata } from 'next';
import { Link } from '@/components/ui/Link';
import { PageHeader } from '@/components/ui/PageHeader';
import { formatMoney } from '@/components/dashboard/format';
import { requirePage } from '@/lib/auth/guard';
import { can } from '@/lib/domain/permissions';
import { dashboardRun } from '@/lib/features/romi/romi-queries';
import { drillDown } from '@/lib/features/romi/drill-down';
import { DRILL_TITLES, parseRomiQuery, romiHref } from '@/lib/features/romi/dashboard';
import { MODEL_LABELS } from '@/lib/romi';

export const metadata: Metadata = { title: 'Dashboard · rows behind a figure' };
export const dynamic = 'force-dynamic';

const SHOWN = 500;
const KINDS = ['revenue', 'not_counted', 'deals', 'spend'] as const;

export default async function DrillPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePage('dashboard:view', '/dashboard/drill');
  const q = parseRomiQuery(await searchParams);
  const kind = q.kind ?? 'revenue';
  const run = await dashboardRun(undefined, q.run);
  const scope = [q.channel ?? 'All channels', q.campaign, q.from || q.to ? `${q.from ?? 'start'} to ${q.to ?? 'today'}` : 'whole period'].filter(Boolean).join(' · ');
  const page = run ? await drillDown(run.runId, q.model, kind, { from: q.from, to: q.to, channel: q.channel, campaign: q.campaign }, { take: SHOWN }) : null;
  const totals = new Map<string, bigint>();
  for (const p of page?.payments ?? []) totals.set(p.currency, (totals.get(p.currency) ?? 0n) + p.creditedMinor);
  for (const s of page?.spend ?? []) totals.set(s.currency, (totals.get(s.currency) ?? 0n) + s.amountMinor);
  return (
    <>
      <PageHeader
        title={DRILL_TITLES[kind]}
        description={`${scope} · attribution: ${MODEL_LABELS[q.model]}. ${kind === 'revenue' ? 'Only transactions reconciled as Paid (refunds subtract).' : kind === 'not_counted' ? 'Pending, unreconciled or disputed: never in ROMI until resolved.' : ''}`}
        actions={
          <div className="row-actions">
            <Link className="button secondary" href={romiHref('/dashboard', { ...q, kind: undefined })}>Back to the dashboard</Link>
            {can(user.role, 'data:export') && run ? <a className="button" href={romiHref('/api/romi/export', { ...q, kind })} download>Export CSV</a> : null}
          </div>
        }
      />
      <nav className="row-actions drill-tabs" aria-label="Rows behind the figures">
        {KINDS.map((k) => <Link key={k} href={romiHref('/dashboard/drill', { ...q, kind: k })} className={`pill ${k === kind ? 'pill-active' : ''}`} aria-current={k === kind ? 'page' : undefined}>{DRILL_TITLES[k]}</Link>)}
      </nav>
      {!run || !page ? <p className="muted">No reconciled figures yet.</p> : (
        <section className="card table-card">
          <h2 className="section-title table-title" data-testid="drill-summary">
            {(page.payments.length + page.deals.length + page.spend.length).toLocaleString('en-US')}{page.next !== null ? '+' : ''} rows
            {[...totals].map(([c, v]) => ` · ${formatMoney(v, c, { cents: true })}`).join('')}
            {page.next !== null ? ` (first ${SHOWN} shown; the CSV has them all)` : ''}
          </h2>
          <div className="table-wrap">
            {kind === 'revenue' || kind === 'not_counted' ? (
              <table className="data" data-testid="drill-table">
                <thead><tr><th>Transaction</th><th>Date</th><th>State</th><th>Final status</th><th>Channel</th><th>Campaign</th><th className="num">Amount</th><th className="num">Credited</th><th>Deal</th></tr></thead>
                <tbody>
                  {page.payments.map((p) => (
                    <tr key={`${p.resultId}-${p.channel}-${p.campaign}`} data-key={p.key}>
                      <td>{can(user.role, 'discrepancies:view') ? <Link href={`/discrepancies/${p.resultId}`}>{p.key}</Link> : p.key}</td>
                      <td>{p.date ?? '—'}</td>
                      <td>{p.state.replace('_', ' ')}</td>
                      <td>{p.finalStatus ?? '—'}</td>
                      <td>{p.channel}</td>
                      <td>{p.campaign}</td>
                      <td className="num">{formatMoney(p.amountMinor, p.currency, { cents: true })}</td>
                      <td className="num">{formatMoney(p.creditedMinor, p.currency, { cents: true })}{p.weightPpm < 1_000_000 ? <span className="muted small"> ({Math.round(p.weightPpm / 10_000)}%)</span> : null}</td>
                      <td>{p.dealKey ?? '—'}</td>
                    </tr>
                  ))}
                  {!page.payments.length ? <tr><td colSpan={9} className="empty-row">No transactions behind this figure.</td></tr> : null}
                </tbody>
              </table>
            ) : kind === 'deals' ? (
              <table className="data" data-testid="drill-table">
                <thead><tr><th>Deal</th><th>Created</th><th>Stage</th><th>Customer</th><th>Channel</th><th>Campaign</th><th className="num">Credit</th><th>Source</th></tr></thead>
                <tbody>
                  {page.deals.map((d) => (
                    <tr key={`${d.recordId}-${d.channel}-${d.campaign}`}>
                      <td>{d.key}</td><td>{d.date ?? '—'}</td><td>{d.status === 'Paid' ? 'Won' : d.status === 'Cancelled' ? 'Lost' : 'Open'}</td><td>{d.customer}</td><td>{d.channel}</td><td>{d.campaign}</td><td className="num">{Math.round(d.weightPpm / 10_000)}%</td><td>{d.source}</td>
                    </tr>
                  ))}
                  {!page.deals.length ? <tr><td colSpan={8} className="empty-row">No deals behind this figure.</td></tr> : null}
                </tbody>
              </table>
            ) : (
              <table className="data" data-testid="drill-table">
                <thead><tr><th>Date</th><th>Source</th><th>Channel</th><th>Campaign</th><th className="num">Spend</th></tr></thead>
                <tbody>
                  {page.spend.map((s) => (
                    <tr key={s.recordId}><td>{s.date ?? '—'}</td><td>{s.source}</td><td>{s.channel}</td><td>{s.campaign}</td><td className="num">{formatMoney(s.amountMinor, s.currency, { cents: true })}</td></tr>
                  ))}
                  {!page.spend.length ? <tr><td colSpan={5} className="empty-row">No spend behind this figure.</td></tr> : null}
                </tbody>
              </table>
            )}
          </div>
        </section>
      )}
    </>
  );
}
