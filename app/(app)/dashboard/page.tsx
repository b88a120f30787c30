import type { Metadata } from 'next';
import { Link } from '@/components/ui/Link';
import { EmptyState } from '@/components/ui/EmptyState';
import { PageHeader } from '@/components/ui/PageHeader';
import { FunnelChart, RomiByChannelChart, TrendChart } from '@/components/dashboard/Charts';
import { formatCount, formatMoney, formatMultiple, formatRatio, minorToMajorNumber, monthLabel } from '@/components/dashboard/format';
import { formatDateTime } from '@/components/sources/format';
import { requirePage } from '@/lib/auth/guard';
import { can } from '@/lib/domain/permissions';
import { dashboardData, parseRomiQuery, romiHref, type RomiQuery } from '@/lib/features/romi/dashboard';
import { ATTRIBUTION_MODELS, MODEL_LABELS, parseJoinField, type Figures } from '@/lib/romi';
import { fieldLabel } from '@/lib/features/romi/settings';
import { FRESHNESS_INFO } from '@/lib/domain/freshness';
import { firstRunSteps } from '@/lib/features/romi/first-run';
import { GettingStarted } from '@/components/dashboard/GettingStarted';

export const metadata: Metadata = { title: 'Dashboard' };
export const dynamic = 'force-dynamic';

const DRILL = '/dashboard/drill';

function Kpi({ label, value, note, href, testId }: { label: string; value: string; note?: string; href?: string; testId: string }) {
  const body = (
    <>
      <div className="kpi-label">{label}</div>
      <div className="kpi-value" data-testid={testId}>{value}</div>
      {note ? <div className="kpi-note">{note}</div> : null}
    </>
  );
  return href ? <Link href={href} className="card kpi-link" aria-label={`${label}: ${value}. Show the rows behind it`}>{body}</Link> : <div className="card">{body}</div>;
}

function Filters({ q, channels, campaigns }: { q: RomiQuery; channels: string[]; campaigns: string[] }) {
  return (
    <form method="get" action="/dashboard" className="card filters romi-filters" aria-label="Dashboard filters">
      <div className="filter-grid">
        <div className="field"><label htmlFor="f-from">From</label><input id="f-from" type="date" name="from" defaultValue={q.from ?? ''} /></div>
        <div className="field"><label htmlFor="f-to">To</label><input id="f-to" type="date" name="to" defaultValue={q.to ?? ''} /></div>
        <div className="field">
          <label htmlFor="f-channel">Channel</label>
          <select id="f-channel" name="channel" defaultValue={q.channel ?? ''}>
            <option value="">All channels</option>
            {channels.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-campaign">Campaign</label>
          <select id="f-campaign" name="campaign" defaultValue={q.campaign ?? ''}>
            <option value="">All campaigns</option>
            {campaigns.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-model">Attribution</label>
          <select id="f-model" name="model" defaultValue={q.model}>
            {ATTRIBUTION_MODELS.map((m) => <option key={m} value={m}>{MODEL_LABELS[m]}</option>)}
          </select>
        </div>
      </div>
      <div className="row-actions">
        <button className="button" type="submit">Apply filters</button>
        <Link className="button secondary" href="/dashboard">Reset</Link>
      </div>
    </form>
  );
}

/** ROMI as a percentage; "n/a" when there is no spend to return on. */
function romiLabel(f: Figures | undefined): string {
  return f?.romi === null || f?.romi === undefined ? 'n/a' : formatRatio(f.romi);
}

/** The exact ratio behind a ROMI cell, for its tooltip. */
function romiTitle(f: Figures): string {
  return f.romi === null ? 'No spend in this selection: ROMI does not apply.' : `ROMI ${f.romi.toFixed(4)} = (revenue − spend) / spend`;
}

export default async function DashboardPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePage('dashboard:view', '/dashboard');
  const q = parseRomiQuery(await searchParams);
  const data = await dashboardData(q);
  if (!data) {
    const steps = can(user.role, 'sources:manage') ? await firstRunSteps() : null;
    return (
      <>
        <PageHeader title="Return on marketing investment" description="Built only on reconciled, paid revenue. Pending and disputed amounts are shown apart and never counted." />
        {steps ? <GettingStarted steps={steps} /> : <EmptyState
          title="No figures to show yet"
          message="ROMI appears here once payments are reconciled and marketing spend is imported."
          steps={[
            { title: 'Connect the systems', detail: 'An analyst adds the gateway, bank, ERP, CRM and ad-platform sources.' },
            { title: 'Reconcile', detail: 'A run matches every transaction across systems and flags what disagrees.' },
            { title: 'Review', detail: 'Finance resolves the discrepancies; only reconciled Paid revenue counts.' },
          ]}
        />}
      </>
    );
  }
  const currencies = data.totals.filter((f) => f.currency);
  const main = currencies[0];
  const cur = main?.currency ?? 'USD';
  const channels = [...new Set(data.dimensions.pairs.map((p) => p.channel))].sort();
  const campaigns = [...new Set(data.dimensions.pairs.filter((p) => !q.channel || p.channel === q.channel).map((p) => p.campaign))].sort();
  const drill = (kind: 'revenue' | 'not_counted' | 'deals' | 'spend', over: Partial<Record<keyof RomiQuery, string | undefined>> = {}) => romiHref(DRILL, { ...q, run: q.run }, { kind, ...over });
  const inMain = (fs: Figures[]) => fs.find((f) => f.currency === cur) ?? fs[0];
  const bars = data.channels
    .map((c) => ({ c, f: inMain(c.figures) }))
    .filter(({ f }) => f && f.romi !== null)
    .map(({ c, f }) => ({ channel: c.channel, romi: f!.romi!, label: `${formatRatio(f!.romi)} (${formatMoney(f!.netRevenueMinor, cur, { compact: true })} / ${formatMoney(f!.spendMinor, cur, { compact: true })})`, href: drill('revenue', { channel: c.channel, campaign: undefined }) }));
  const trend = data.months.map((m) => {
    const f = inMain(m.figures);
    const [y, mo] = m.month.split('-').map(Number) as [number, number];
    const last = new Date(Date.UTC(y, mo, 0)).toISOString().slice(0, 10);
    const from = q.from && q.from > `${m.month}-01` ? q.from : `${m.month}-01`;
    const to = q.to && q.to < last ? q.to : last;
    return { month: m.month, label: monthLabel(m.month), revenue: minorToMajorNumber(f?.netRevenueMinor ?? 0n, cur), spend: minorToMajorNumber(f?.spendMinor ?? 0n, cur), notCounted: minorToMajorNumber(f?.notCountedMinor ?? 0n, cur), href: drill('revenue', { from, to }) };
  });
  const fu = data.funnel;
  const funnel = [
    { step: 'Leads', count: fu.leads, label: formatCount(fu.leads), href: drill('deals') },
    { step: 'Deals won', count: fu.deals, label: `${formatCount(fu.deals)} · ${formatRatio(fu.leadToDeal)} of leads`, href: drill('deals') },
    { step: 'Paid', count: fu.paid, label: `${formatCount(fu.paid)} · ${formatRatio(fu.dealToPaid)} of deals`, href: drill('revenue') },
  ];
  const ncAll = data.notCountedAll.find((f) => f.currency === cur);
  const ncShare = ncAll && ncAll.netRevenueMinor + ncAll.notCountedMinor > 0n ? Number(ncAll.notCountedMinor) / Number(ncAll.netRevenueMinor + ncAll.notCountedMinor) : null;
  const period = q.from || q.to ? `${q.from ?? 'start'} to ${q.to ?? 'today'}` : data.dimensions.firstDay ? `${data.dimensions.firstDay} to ${data.dimensions.lastDay}` : 'all time';
  const scope = [q.channel, q.campaign].filter(Boolean).join(' · ') || 'all channels';
  return (
    <>
      <PageHeader
        title="Return on marketing investment"
        description={`${period} · ${scope}. Revenue is reconciled Paid revenue only, net of refunds; pending, unreconciled and disputed amounts are shown apart and never enter ROMI.`}
        actions={<span className="pill model-pill" data-testid="attribution-model">Attribution: {MODEL_LABELS[q.model]}</span>}
      />
      <Filters q={q} channels={channels} campaigns={campaigns} />
      <p className="muted small romi-basis" data-testid="currency-note">
        {data.fx ? fxNote(data.fx) : currencies.length > 1
          ? `Figures are per currency (${currencies.map((c) => c.currency).join(', ')}); no reporting currency is set, so currencies are never added together. Charts show ${cur}.`
          : `All figures in ${cur}; no currency conversion was needed.`}{' '}
        {joinNote(data.run.joinField)} Click any figure, bar or point to see the rows behind it.
      </p>
      {data.fx?.missing.length ? (
        <div className="alert warn" role="status" data-testid="fx-missing">
          No exchange rate for {data.fx.missing.map((m) => `${m.currency} in ${monthLabel(m.month)}`).join(', ')}: those amounts are shown apart in their own currency, not in {data.fx.base}.{' '}
          {can(user.role, 'settings:view') ? <Link href="/settings#fx">Enter the rates</Link> : 'An admin can enter the rates in Settings.'}
        </div>
      ) : null}
      {currencies.map((f) => (
        <section key={f.currency} className="grid-cards kpi-grid" aria-label={`Key figures in ${f.currency}`}>
          <Kpi testId={`kpi-romi-${f.currency}`} label={`ROMI (${f.currency})`} value={romiLabel(f)} note={`ROAS ${formatMultiple(f.roas)}`} href={drill('revenue')} />
          <Kpi testId={`kpi-revenue-${f.currency}`} label="Reconciled paid revenue" value={formatMoney(f.netRevenueMinor, f.currency)} note={f.refundMinor ? `after ${formatMoney(f.refundMinor, f.currency)} refunds · ${formatCount(f.paidTx)} payments` : `${formatCount(f.paidTx)} payments`} href={drill('revenue')} />
          <Kpi testId={`kpi-spend-${f.currency}`} label="Marketing spend" value={formatMoney(f.spendMinor, f.currency)} href={drill('spend')} />
          <Kpi testId={`kpi-notcounted-${f.currency}`} label="Not yet counted" value={formatMoney(f.notCountedMinor, f.currency)} note="pending, unreconciled or disputed" href={drill('not_counted')} />
          <Kpi testId={`kpi-cpl-${f.currency}`} label="Cost per lead" value={f.costPerLeadMinor === null ? '—' : formatMoney(f.costPerLeadMinor, f.currency)} note={`${formatCount(f.leads)} leads`} href={drill('deals')} />
          <Kpi testId={`kpi-cac-${f.currency}`} label="Cost per acquired customer" value={f.costPerCustomerMinor === null ? '—' : formatMoney(f.costPerCustomerMinor, f.currency)} note={`${formatCount(f.paidDeals)} paying customers`} href={drill('revenue')} />
          <Kpi testId={`kpi-rpl-${f.currency}`} label="Revenue per lead" value={f.revenuePerLeadMinor === null ? '—' : formatMoney(f.revenuePerLeadMinor, f.currency)} href={drill('deals')} />
        </section>
      ))}
      <div className="two-col romi-charts">
        <section className="card" aria-labelledby="romi-channel-title">
          <h2 id="romi-channel-title" className="section-title">ROMI by channel</h2>
          {bars.length ? <RomiByChannelChart data={bars} /> : <p className="muted">No channel has spend in this selection, so ROMI cannot be computed.</p>}
        </section>
        <section className="card" aria-labelledby="funnel-title">
          <h2 id="funnel-title" className="section-title">Lead to deal to paid</h2>
          {fu.leads ? <FunnelChart data={funnel} /> : <p className="muted">No CRM leads in this selection.</p>}
          <p className="muted small">Lead to paid: <strong>{formatRatio(fu.leadToPaid)}</strong>. A deal counts as paid once one of its payments is reconciled Paid.</p>
        </section>
      </div>
      <section className="card" aria-labelledby="trend-title">
        <h2 id="trend-title" className="section-title">Revenue and spend over time ({cur})</h2>
        {trend.length ? <TrendChart data={trend} currency={cur} /> : <p className="muted">No dated figures in this selection.</p>}
        {data.months.length ? (
          <div className="table-wrap">
            <table className="data compact" data-testid="month-table">
              <caption className="table-caption">By month{q.channel ? ` · ${q.channel}` : ''}{q.campaign ? ` · ${q.campaign}` : ''}</caption>
              <thead><tr><th scope="col">Month</th>{currencies.length > 1 ? <th scope="col">Currency</th> : null}<th scope="col" className="num">Revenue</th><th scope="col" className="num">Spend</th><th scope="col" className="num">ROMI</th><th scope="col" className="num">Not yet counted</th></tr></thead>
              <tbody>
                {data.months.flatMap((m) => m.figures.filter((f) => f.currency).map((f) => (
                  <tr key={`${m.month}-${f.currency}`} data-month={m.month}>
                    <th scope="row">{monthLabel(m.month)}</th>
                    {currencies.length > 1 ? <td>{f.currency}</td> : null}
                    <td className="num">{formatMoney(f.netRevenueMinor, f.currency, { cents: true })}</td>
                    <td className="num">{formatMoney(f.spendMinor, f.currency, { cents: true })}</td>
                    <td className={`num ${f.romi !== null && f.romi < 0 ? 'neg' : ''}`} title={romiTitle(f)}>{romiLabel(f)}</td>
                    <td className="num">{formatMoney(f.notCountedMinor, f.currency, { cents: true })}</td>
                  </tr>
                )))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
      <section className="card table-card" aria-labelledby="channels-title">
        <h2 id="channels-title" className="section-title table-title">By channel</h2>
        <div className="table-wrap">
          <table className="data figures-table" data-testid="channel-table">
            <thead><tr><th>Channel</th>{currencies.length > 1 ? <th>Currency</th> : null}<th className="num">Revenue</th><th className="num">Spend</th><th className="num">ROMI</th><th className="num">Leads</th><th className="num">Cost per lead</th><th className="num">Customers</th><th className="num">Cost per customer</th><th className="num">Not yet counted</th></tr></thead>
            <tbody>
              {data.channels.flatMap((c) => c.figures.map((f) => (
                <tr key={`${c.channel}-${f.currency}`} data-channel={c.channel}>
                  <th scope="row"><Link href={romiHref('/dashboard', q, { channel: c.channel, campaign: undefined })}>{c.channel}</Link></th>
                  {currencies.length > 1 ? <td>{f.currency || '—'}</td> : null}
                  <td className="num"><Link href={drill('revenue', { channel: c.channel })} data-testid={`revenue-${c.channel}`} aria-label={`${c.channel} revenue ${formatMoney(f.netRevenueMinor, f.currency || cur, { cents: true })}: show transactions`}>{formatMoney(f.netRevenueMinor, f.currency || cur, { cents: true })}</Link></td>
                  <td className="num"><Link href={drill('spend', { channel: c.channel })}>{formatMoney(f.spendMinor, f.currency || cur, { cents: true })}</Link></td>
                  <td className={`num ${f.romi !== null && f.romi < 0 ? 'neg' : ''}`} title={`${romiTitle(f)} · ROAS ${formatMultiple(f.roas)}`}>{romiLabel(f)}</td>
                  <td className="num"><Link href={drill('deals', { channel: c.channel })}>{formatCount(f.leads)}</Link></td>
                  <td className="num">{f.costPerLeadMinor === null ? '—' : formatMoney(f.costPerLeadMinor, f.currency || cur)}</td>
                  <td className="num">{formatCount(f.paidDeals)}</td>
                  <td className="num">{f.costPerCustomerMinor === null ? '—' : formatMoney(f.costPerCustomerMinor, f.currency || cur)}</td>
                  <td className="num"><Link href={drill('not_counted', { channel: c.channel })}>{formatMoney(f.notCountedMinor, f.currency || cur, { cents: true })}</Link></td>
                </tr>
              )))}
            </tbody>
          </table>
        </div>
      </section>
      <section className="card table-card" aria-labelledby="campaigns-title">
        <h2 id="campaigns-title" className="section-title table-title">By campaign</h2>
        <div className="table-wrap">
          <table className="data" data-testid="campaign-table">
            <thead><tr><th>Channel</th><th>Campaign</th><th className="num">Revenue</th><th className="num">Spend</th><th className="num">ROMI</th><th className="num">Leads</th><th className="num">Revenue per lead</th></tr></thead>
            <tbody>
              {data.campaigns.flatMap((c) => c.figures.map((f) => (
                <tr key={`${c.channel}-${c.campaign}-${f.currency}`}>
                  <td>{c.channel}</td>
                  <td><Link href={romiHref('/dashboard', q, { channel: c.channel, campaign: c.campaign })}>{c.campaign}</Link></td>
                  <td className="num"><Link href={drill('revenue', { channel: c.channel, campaign: c.campaign })}>{formatMoney(f.netRevenueMinor, f.currency || cur, { cents: true })}</Link></td>
                  <td className="num"><Link href={drill('spend', { channel: c.channel, campaign: c.campaign })}>{formatMoney(f.spendMinor, f.currency || cur, { cents: true })}</Link></td>
                  <td className={`num ${f.romi !== null && f.romi < 0 ? 'neg' : ''}`} title={romiTitle(f)}>{romiLabel(f)}</td>
                  <td className="num">{formatCount(f.leads)}</td>
                  <td className="num">{f.revenuePerLeadMinor === null ? '—' : formatMoney(f.revenuePerLeadMinor, f.currency || cur)}</td>
                </tr>
              )))}
            </tbody>
          </table>
        </div>
      </section>
      <section className="card" aria-labelledby="fresh-title" data-testid="freshness">
        <h2 id="fresh-title" className="section-title">How final are these figures?</h2>
        <p>
          {ncAll && ncAll.notCountedMinor > 0n ? (
            <><strong>{formatMoney(ncAll.notCountedMinor, cur)}</strong> ({formatRatio(ncShare)}) of payments is still unreconciled or disputed and not counted yet. <Link href={romiHref(DRILL, { model: q.model, run: q.run }, { kind: 'not_counted' })}>See them</Link>{can(user.role, 'discrepancies:view') ? <> or <Link href="/discrepancies">review the discrepancies</Link></> : null}.</>
          ) : <>Every payment of this {data.run.ledger ? "ledger" : "run"} is reconciled.</>}
        </p>
        <p className="muted small">
          {data.run.ledger
            ? <>As of the {data.run.ledger.name} ledger, reconciled {data.run.ledger.lastPassAt ? `${formatDateTime(data.run.ledger.lastPassAt)} UTC` : 'not yet'} (new data reconciles into it by itself), figures built {formatDateTime(data.run.builtAt)} UTC; every resolution updates them at once.</>
            : <>Reconciliation run of {formatDateTime(data.run.runCreatedAt)} UTC, figures built {formatDateTime(data.run.builtAt)} UTC; every resolution updates them at once.</>}
        </p>
        <div className="table-wrap">
          <table className="data">
            <thead><tr><th>Source</th><th>Kind</th><th>Last delivered (UTC)</th></tr></thead>
            <tbody>
              {data.freshness.map((s) => (
                <tr key={s.id}><td>{s.name}</td><td>{s.kind}</td><td>{s.last ? formatDateTime(s.last) : 'never'}{s.status === 'stale' ? <span className="pill warn" title={`Nothing delivered for over ${s.staleAfterHours} h`}> {FRESHNESS_INFO.stale.label}</span> : null}{s.last && s.last > data.run.builtAt ? <span className="pill warn-pill"> newer than these figures</span> : null}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

/** How the figures link payments to deals, in words. */
function joinNote(joinField: string): string {
  const j = parseJoinField(joinField);
  const link = j.payment === j.deal ? `by ${fieldLabel(j.payment)}` : `by the payment's ${fieldLabel(j.payment)} and the deal's ${fieldLabel(j.deal)}`;
  return j.basis === 'deal'
    ? `Revenue is each won deal's amount in its close month, once its payment is reconciled Paid; payments are linked to deals ${link}.`
    : `Payments are linked to CRM deals ${link}.`;
}

/** Which rates the figures used, and which months have none (those amounts stay in their currency, apart). */
function fxNote(fx: NonNullable<Awaited<ReturnType<typeof dashboardData>>>['fx']): string {
  if (!fx) return '';
  const used = fx.used.length ? ` Converted with monthly rates: ${fx.used.map((r) => `${r.currency} ${r.month} ${r.rate}`).join(' · ')}.` : '';
  const missing = fx.missing.length ? ` No rate for ${fx.missing.map((m) => `${m.currency} in ${m.month}`).join(', ')}: those amounts are shown apart in their own currency until a rate is entered in Settings.` : '';
  return `Figures in ${fx.base}, the reporting currency.${used}${missing}`;
}
