import type { Metadata } from 'next';
import { Link } from '@/components/ui/Link';
import { redirect } from 'next/navigation';
import { PrintButton } from '@/components/reports/PrintButton';
import { formatCount, formatMoney, formatMultiple } from '@/components/dashboard/format';
import { formatDateTime } from '@/components/sources/format';
import { requirePage } from '@/lib/auth/guard';
import { can } from '@/lib/domain/permissions';
import { monthlyReport } from '@/lib/features/quality/queries';
import { change, monthOf, parseMonth } from '@/lib/features/quality/month';
import { formatDuration, formatPercent } from '@/lib/features/quality/format';
import type { Figures } from '@/lib/romi';

export const metadata: Metadata = { title: 'Monthly report' };
export const dynamic = 'force-dynamic';

/** Change against the previous month; `neutral` for figures where up is neither good nor bad (spend). */
function Delta({ now, before, neutral = false }: { now: number | null; before: number | null; neutral?: boolean }) {
  const c = change(now, before);
  if (c === null) return <span className="muted">no comparison</span>;
  return <span className={c === 0 || neutral ? 'muted' : c > 0 ? 'delta-up' : 'delta-down'}>{c > 0 ? '▲' : c < 0 ? '▼' : '='} {formatPercent(Math.abs(c), 0)} vs previous month</span>;
}

function Kpi({ label, value, children, testId }: { label: string; value: string; children?: React.ReactNode; testId: string }) {
  return (
    <div className="report-kpi">
      <div className="kpi-label">{label}</div>
      <div className="kpi-value" data-testid={testId}>{value}</div>
      {children ? <div className="kpi-note">{children}</div> : null}
    </div>
  );
}

const num = (v: bigint | number | null | undefined) => (v === null || v === undefined ? null : Number(v));

export default async function MonthlyReportPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePage('reports:view', '/reports/monthly');
  const raw = (await searchParams).month;
  const m = parseMonth(typeof raw === 'string' ? raw : null);
  if (!m) {
    const last = parseMonth(monthOf(new Date()))!.prev;
    redirect(`/reports/monthly?month=${last}`);
  }
  const r = await monthlyReport(m);
  const currencies = (r.romi?.totals ?? []).filter((f) => f.currency);
  const prevOf = (cur: string): Figures | undefined => r.romiPrev?.totals.find((f) => f.currency === cur);
  const channels = r.romi?.channels ?? [];
  const critical = r.risks.open.filter((o) => o.severity === 'critical');
  const openCount = r.risks.open.reduce((s, o) => s + o.count, 0);
  const oldBacklog = r.risks.backlog.filter((b) => b.id === 'd31_90' || b.id === 'd90plus').reduce((s, b) => s + b.count, 0);

  return (
    <article className="report" aria-labelledby="report-title" data-testid="monthly-report">
      <header className="report-head">
        <div>
          <h1 id="report-title">Monthly report · {m.label}</h1>
          <p className="report-sub">
            Prepared {formatDateTime(r.generatedAt)} UTC{r.romi ? <> from the reconciliation run of {formatDateTime(r.romi.run.runCreatedAt)} UTC</> : null}. Revenue is reconciled Paid revenue only, net of refunds; attribution: last touch.
          </p>
        </div>
        <nav className="report-nav report-screen-only" aria-label="Report months">
          <Link className="button secondary" href={`/reports/monthly?month=${m.prev}`}>← {parseMonth(m.prev)!.label}</Link>
          <Link className="button secondary" href={`/reports/monthly?month=${m.next}`}>{parseMonth(m.next)!.label} →</Link>
          <PrintButton />
        </nav>
      </header>

      <section className="card report-section" aria-labelledby="romi-title" data-testid="report-romi">
        <h2 id="romi-title">Return on marketing investment</h2>
        {currencies.length ? (
          currencies.map((f) => {
            const p = prevOf(f.currency);
            return (
              <div key={f.currency} className="report-kpis">
                <Kpi testId={`report-romi-${f.currency}`} label={`ROMI (${f.currency})`} value={f.romi === null ? '—' : formatPercent(f.romi, 0)}><Delta now={f.romi} before={p?.romi ?? null} /></Kpi>
                <Kpi testId={`report-revenue-${f.currency}`} label="Reconciled paid revenue" value={formatMoney(f.netRevenueMinor, f.currency)}><Delta now={num(f.netRevenueMinor)} before={num(p?.netRevenueMinor)} /></Kpi>
                <Kpi testId={`report-spend-${f.currency}`} label="Marketing spend" value={formatMoney(f.spendMinor, f.currency)}><Delta now={num(f.spendMinor)} before={num(p?.spendMinor)} neutral /></Kpi>
                <Kpi testId={`report-roas-${f.currency}`} label="ROAS" value={formatMultiple(f.roas)}>{formatCount(f.paidDeals)} paying customers · {formatCount(f.leads)} leads</Kpi>
              </div>
            );
          })
        ) : (
          <p className="muted">No reconciled revenue or spend in {m.label}.</p>
        )}
        {channels.length ? (
          <div className="table-wrap">
            <table className="data" data-testid="report-channels">
              <thead><tr><th>Channel</th><th className="num">Revenue</th><th className="num">Spend</th><th className="num">ROMI</th><th className="num">Customers</th><th className="num">Not yet counted</th></tr></thead>
              <tbody>
                {channels.flatMap((c) => c.figures.filter((f) => f.currency).map((f) => (
                  <tr key={`${c.channel}-${f.currency}`}>
                    <td>{c.channel}</td>
                    <td className="num">{formatMoney(f.netRevenueMinor, f.currency)}</td>
                    <td className="num">{formatMoney(f.spendMinor, f.currency)}</td>
                    <td className={`num ${f.romi !== null && f.romi < 0 ? 'neg' : ''}`}>{f.romi === null ? '—' : formatPercent(f.romi, 0)}</td>
                    <td className="num">{formatCount(f.paidDeals)}</td>
                    <td className="num">{formatMoney(f.notCountedMinor, f.currency)}</td>
                  </tr>
                )))}
              </tbody>
            </table>
          </div>
        ) : null}
        {currencies.some((f) => f.notCountedMinor > 0n) ? (
          <p className="small">
            Not yet counted: {currencies.map((f) => <strong key={f.currency}>{formatMoney(f.notCountedMinor, f.currency)} </strong>)} of this month&rsquo;s payments are pending, unreconciled or disputed; they enter ROMI once finance settles them.
          </p>
        ) : null}
      </section>

      <section className="card report-section" aria-labelledby="health-title" data-testid="report-health">
        <h2 id="health-title">Reconciliation health</h2>
        <div className="report-kpis">
          <Kpi testId="report-runs" label="Runs this month" value={String(r.health.runs.length)}>{formatCount(r.health.keys)} keys reconciled</Kpi>
          <Kpi testId="report-rate" label="Discrepancy rate" value={formatPercent(r.health.rate)}>{formatCount(r.health.discrepancies)} keys disagreed</Kpi>
          <Kpi testId="report-auto" label="Settled automatically" value={formatPercent(r.health.automatic.share, 0)}>{r.health.automatic.automatic} of {r.health.automatic.automatic + r.health.automatic.manual} decisions</Kpi>
          <Kpi testId="report-decisions" label="Decisions this month" value={String(r.health.automatic.automatic + r.health.automatic.manual)}>{r.health.automatic.manual} by reviewers</Kpi>
        </div>
        {r.health.bySeverity.length ? (
          <table className="data" data-testid="report-resolution">
            <thead><tr><th>Severity</th><th className="num">Settled</th><th className="num">Median time to settle</th><th className="num">90th percentile</th></tr></thead>
            <tbody>{r.health.bySeverity.map((g) => <tr key={g.group}><td>{g.group}</td><td className="num">{g.count}</td><td className="num">{formatDuration(g.medianMs)}</td><td className="num">{formatDuration(g.p90Ms)}</td></tr>)}</tbody>
          </table>
        ) : <p className="muted">No discrepancy was settled in {m.label}.</p>}
      </section>

      <section className="card report-section" aria-labelledby="risks-title" data-testid="report-risks">
        <h2 id="risks-title">Open risks</h2>
        <p className="muted small">As of {formatDateTime(r.generatedAt)} UTC{r.risks.run ? <>, latest run ({formatDateTime(r.risks.run.createdAt)} · {r.risks.run.pair})</> : null}.</p>
        <ul className="report-list">
          <li data-testid="risk-critical">
            <strong>{critical.reduce((s, o) => s + o.count, 0)}</strong> critical discrepancies open{critical.length ? <> ({critical.map((o) => formatMoney(o.amountMinor, o.currency, { cents: true })).join(', ')})</> : null}; {openCount} open in all{oldBacklog ? <>, {oldBacklog} older than 30 days</> : null}.
          </li>
          <li data-testid="risk-stale">
            {r.risks.stale.length ? <><strong>{r.risks.stale.length}</strong> source(s) behind: {r.risks.stale.map((s) => s.name).join(', ')}.</> : <>Every source delivered data within the last 48 hours.</>}
          </li>
          <li data-testid="risk-unmapped">
            {r.risks.unmapped.length ? <><strong>{r.risks.unmapped.length}</strong> unmapped status code(s) ({r.risks.unmapped.slice(0, 4).map((u) => `${u.source} ${u.code}`).join(', ')}): those records never match until mapped.</> : <>Every status code is mapped.</>}
          </li>
          <li data-testid="risk-drift">
            {r.risks.drift ? <><strong>{r.risks.drift}</strong> schema-drift event(s) this month, {r.risks.blockingDrift} blocking.</> : <>No schema drift this month.</>}
          </li>
        </ul>
        {r.risks.open.length ? (
          <table className="data" data-testid="report-open">
            <thead><tr><th>Severity</th><th>Currency</th><th className="num">Open</th><th className="num">Amount</th></tr></thead>
            <tbody>{r.risks.open.map((o) => <tr key={`${o.severity}-${o.currency}`}><td>{o.severity}</td><td>{o.currency}</td><td className="num">{o.count}</td><td className="num">{formatMoney(o.amountMinor, o.currency, { cents: true })}</td></tr>)}</tbody>
          </table>
        ) : null}
        {can(user.role, 'quality:view') ? <p className="small report-screen-only">Details: <Link href="/quality">Data quality</Link>{can(user.role, 'discrepancies:view') ? <> · <Link href="/discrepancies?severity=critical">critical discrepancies</Link></> : null}.</p> : null}
      </section>

      <p className="report-foot">
        Paidline · ROMI = (reconciled paid revenue − spend) ÷ spend, from the same pre-aggregate as the dashboard. Discrepancy rate = keys that disagreed ÷ keys reconciled in the month&rsquo;s runs. Time to settle runs from the end of the run that raised a discrepancy to the decision that settled it.
      </p>
    </article>
  );
}
