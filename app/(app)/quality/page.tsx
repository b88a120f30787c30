import type { Metadata } from 'next';
import { Link } from '@/components/ui/Link';
import { EmptyState } from '@/components/ui/EmptyState';
import { PageHeader } from '@/components/ui/PageHeader';
import { CountBars, DurationBars, RateTrendChart, type RatePoint } from '@/components/quality/Charts';
import { formatDateTime } from '@/components/sources/format';
import { requirePage } from '@/lib/auth/guard';
import { parseQualityQuery, qualityData, type QualityQuery } from '@/lib/features/quality/queries';
import { DEFAULT_STALE_AFTER_HOURS, FRESHNESS_INFO } from '@/lib/domain/freshness';
import { bucketDateRanges } from '@/lib/features/quality/buckets';
import { FIGURES, type Figure } from '@/lib/features/quality/export';
import { formatDuration, formatPercent, hours } from '@/lib/features/quality/format';
import { reasonLabel } from '@/components/discrepancies/format';

export const metadata: Metadata = { title: 'Data quality' };
export const dynamic = 'force-dynamic';

const PERIOD_LABELS: Record<QualityQuery['period'], string> = { '30': 'Last 30 days', '90': 'Last 90 days', '365': 'Last 12 months', all: 'All time' };

function csvHref(figure: Figure, q: QualityQuery, runId?: string) {
  const p = new URLSearchParams({ figure, period: q.period });
  if (runId) p.set('run', runId);
  return `/quality/export?${p.toString()}`;
}

function Figure({ id, title, note, figure, q, runId, children }: { id: string; title: string; note?: React.ReactNode; figure: Figure; q: QualityQuery; runId?: string; children: React.ReactNode }) {
  return (
    <section className="card quality-figure" aria-labelledby={`${id}-title`} data-testid={`figure-${figure}`}>
      <div className="quality-figure-head">
        <h2 id={`${id}-title`} className="section-title">{title}</h2>
        <a className="button secondary small-button" href={csvHref(figure, q, runId)} download data-testid={`csv-${figure}`} aria-label={`Download ${FIGURES[figure]} as CSV`}>CSV</a>
      </div>
      {note ? <p className="muted small">{note}</p> : null}
      {children}
    </section>
  );
}

function Kpi({ label, value, note, testId }: { label: string; value: string; note?: string; testId: string }) {
  return (
    <div className="card">
      <div className="kpi-label">{label}</div>
      <div className="kpi-value" data-testid={testId}>{value}</div>
      {note ? <div className="kpi-note">{note}</div> : null}
    </div>
  );
}

export default async function QualityPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requirePage('quality:view', '/quality');
  const q = parseQualityQuery(await searchParams);
  const d = await qualityData(q);

  const header = (
    <PageHeader
      title="Data quality"
      description="How often the systems disagree, why, how fast finance settles it, and whether every source is still delivering."
    />
  );
  if (!d.run && !d.runs.length && !d.freshness.length) {
    return (
      <>
        {header}
        <EmptyState
          title="Nothing to measure yet"
          message="Data-quality figures appear once sources deliver data and a reconciliation run completes."
          steps={[
            { title: 'Connect the systems', detail: 'An analyst adds sources and uploads, pulls or receives their data.' },
            { title: 'Reconcile', detail: 'A run compares the systems key by key.' },
            { title: 'Review', detail: 'Finance settles the discrepancies; their timing shows here.' },
          ]}
        />
      </>
    );
  }

  const runId = d.run?.id;
  const pairs = [...new Set(d.runs.map((r) => r.pair))];
  const trend: RatePoint[] = d.runs.map((r) => ({ label: formatDateTime(r.createdAt), href: `/runs/${r.runId}`, ...Object.fromEntries(pairs.map((p) => [p, p === r.pair ? r.rate : null])) }));
  const latestRate = d.runs.find((r) => r.runId === runId)?.rate ?? null;
  const open = d.backlog.reduce((s, b) => s + b.count, 0);
  // Critical rows are what finance is measured on; else the severity with the most decisions.
  const overall = d.bySeverity.find((g) => g.group === 'critical') ?? [...d.bySeverity].sort((a, b) => b.count - a.count)[0];
  const stale = d.freshness.filter((s) => s.status !== 'fresh').length;
  const staleAfterHours = d.freshness[0]?.staleAfterHours ?? DEFAULT_STALE_AFTER_HOURS;
  const unmappedRecords = d.unmapped.reduce((s, u) => s + u.count, 0);
  const ranges = bucketDateRanges(d.now);
  const dayBeforeIso = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const backlogHref = (id: string) => {
    const p = new URLSearchParams({ run: runId ?? '', state: 'open,in_review,escalated', cls: 'all' });
    const r = ranges.find((x) => x.id === id);
    if (r?.from) p.set('from', r.from);
    if (r?.before) p.set('to', dayBeforeIso(r.before));
    return `/discrepancies?${p.toString()}`;
  };
  const period = PERIOD_LABELS[q.period];

  return (
    <>
      {header}
      <form method="get" action="/quality" className="card filters quality-filters" aria-label="Data-quality filters">
        <div className="filter-grid">
          <div className="field">
            <label htmlFor="q-period">Period</label>
            <select id="q-period" name="period" defaultValue={q.period}>
              {Object.entries(PERIOD_LABELS).map(([v, l]) => <option key={v} value={v}>{l}</option>)}
            </select>
          </div>
          <div className="field">
            <label htmlFor="q-run">Run for the per-run figures</label>
            <select id="q-run" name="run" defaultValue={runId ?? ''}>
              {[...d.runs].reverse().map((r) => <option key={r.runId} value={r.runId}>{formatDateTime(r.createdAt)} · {r.pair}</option>)}
              {runId && !d.runs.some((r) => r.runId === runId) ? <option value={runId}>{formatDateTime(d.run!.createdAt)} · {d.run!.pair}</option> : null}
            </select>
          </div>
        </div>
        <div className="row-actions">
          <button className="button" type="submit">Apply</button>
          <Link className="button secondary" href="/quality">Reset</Link>
        </div>
      </form>

      <section className="grid-cards kpi-grid six" aria-label="Key data-quality figures">
        <Kpi testId="kpi-rate" label="Discrepancy rate" value={formatPercent(latestRate)} note={d.run ? `run of ${formatDateTime(d.run.createdAt)} · ${d.run.pair}` : 'no completed run'} />
        <Kpi testId="kpi-backlog" label="Open backlog" value={open.toLocaleString('en-US')} note="open, in review or escalated in that run" />
        <Kpi testId="kpi-median" label="Median time to settle" value={formatDuration(overall?.medianMs)} note={overall ? `${overall.group} · p90 ${formatDuration(overall.p90Ms)}` : `no decisions · ${period.toLowerCase()}`} />
        <Kpi testId="kpi-auto" label="Resolved automatically" value={formatPercent(d.automatic.share, 0)} note={`${d.automatic.automatic} of ${d.automatic.automatic + d.automatic.manual} decisions · ${period.toLowerCase()}`} />
        <Kpi testId="kpi-unmapped" label="Unmapped status codes" value={String(d.unmapped.length)} note={`${unmappedRecords} records counted as Unknown`} />
        <Kpi testId="kpi-stale" label="Sources behind" value={`${stale} of ${d.freshness.length}`} note={`nothing new for over ${staleAfterHours} h`} />
      </section>

      <Figure id="rate" title="Discrepancy rate per run and pair of systems" figure="runs" q={q}
        note={<>Keys not matched ÷ all keys of each completed run, {period.toLowerCase()}; one line per set of systems compared. Click a point to open the run.</>}>
        {d.runs.length ? <RateTrendChart data={trend} pairs={pairs} /> : <p className="muted">No run completed in this period.</p>}
        {d.runs.length ? (
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Runs and their discrepancy rates">
            <table className="data" data-testid="runs-table">
              <thead><tr><th>Run</th><th>Systems</th><th className="num">Keys</th><th className="num">Mismatched</th><th className="num">Missing</th><th className="num">Duplicate</th><th className="num">Rate</th></tr></thead>
              <tbody>
                {[...d.runs].reverse().slice(0, 12).map((r) => (
                  <tr key={r.runId}>
                    <td><Link href={`/runs/${r.runId}`}>{formatDateTime(r.createdAt)}</Link></td>
                    <td>{r.pair}</td>
                    <td className="num">{r.totalKeys.toLocaleString('en-US')}</td>
                    <td className="num">{r.mismatched.toLocaleString('en-US')}</td>
                    <td className="num">{r.missing.toLocaleString('en-US')}</td>
                    <td className="num">{r.duplicate.toLocaleString('en-US')}</td>
                    <td className="num">{formatPercent(r.rate)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Figure>

      <div className="two-col">
        <Figure id="reasons" title="Why keys disagree" figure="reasons" q={q} runId={runId}
          note="Keys per reason in the chosen run; a key can have several reasons. Click a bar to list them.">
          {d.reasons.some((r) => r.count) ? (
            <CountBars name="Keys per reason" data={d.reasons.map((r) => ({ label: reasonLabel(r.reason), count: r.count, href: `/discrepancies?run=${runId}&reason=${r.reason}&cls=all` }))} colorIndex={5} />
          ) : <p className="muted">Every key of this run matched.</p>}
        </Figure>
        <Figure id="backlog" title="Backlog by age" figure="backlog" q={q} runId={runId}
          note="Open, in-review and escalated discrepancies of the chosen run by age of the transaction date. Click a bar to review them.">
          {open ? <CountBars name="Open discrepancies by age" data={d.backlog.map((b) => ({ label: b.label, count: b.count, href: backlogHref(b.id) }))} colorIndex={4} /> : <p className="muted">No open discrepancy in this run.</p>}
        </Figure>
      </div>

      <div className="two-col even">
        <Figure id="res-sev" title="Resolution time per severity" figure="resolution-severity" q={q}
          note={<>From the end of the run that raised a discrepancy to the decision a person made to settle it, {period.toLowerCase()}. Median and 90th percentile.</>}>
          {d.bySeverity.length ? (
            <>
              <DurationBars name="Resolution time per severity" data={d.bySeverity.map((g) => ({ label: `${g.group} (${g.count})`, median: hours(g.medianMs), p90: hours(g.p90Ms) }))} />
              <table className="data compact" data-testid="severity-table">
                <thead><tr><th>Severity</th><th className="num">Decisions</th><th className="num">Median</th><th className="num">p90</th></tr></thead>
                <tbody>{d.bySeverity.map((g) => <tr key={g.group}><td>{g.group}</td><td className="num">{g.count}</td><td className="num">{formatDuration(g.medianMs)}</td><td className="num">{formatDuration(g.p90Ms)}</td></tr>)}</tbody>
              </table>
            </>
          ) : <p className="muted">No discrepancy was settled in this period.</p>}
        </Figure>
        <Figure id="res-rev" title="Resolution time per reviewer" figure="resolution-reviewer" q={q}
          note={<>Decisions made by people; automatic rules settle their rows as the run ends and are counted below.</>}>
          {d.byReviewer.length ? (
            <div className="table-wrap" tabIndex={0} role="region" aria-label="Resolution time per reviewer">
            <table className="data" data-testid="reviewer-table">
              <thead><tr><th>Reviewer</th><th className="num">Settled</th><th className="num">Median</th><th className="num">p90</th></tr></thead>
              <tbody>{d.byReviewer.map((g) => <tr key={g.group}><td className="reviewer-cell">{g.group.includes('@') ? <>{g.group.slice(0, g.group.indexOf('@'))}<wbr /><span className="muted">{g.group.slice(g.group.indexOf('@'))}</span></> : g.group}</td><td className="num">{g.count}</td><td className="num">{formatDuration(g.medianMs)}</td><td className="num">{formatDuration(g.p90Ms)}</td></tr>)}</tbody>
            </table>
            </div>
          ) : <p className="muted">No discrepancy was settled in this period.</p>}
          <div className="quality-auto" data-testid="figure-automatic">
            <div>
              <strong>{formatPercent(d.automatic.share, 0)}</strong> settled automatically ({d.automatic.automatic} of {d.automatic.automatic + d.automatic.manual})
            </div>
            <a className="small" href={csvHref('automatic', q)} download data-testid="csv-automatic">CSV</a>
          </div>
        </Figure>
      </div>

      <div className="two-col">
        <Figure id="unmapped" title="Unmapped status codes" figure="unmapped" q={q} runId={runId}
          note="Status codes no profile maps: the engine counts their records as Unknown, and they never match. Map them in the source's profile.">
          {d.unmapped.length ? (
            <table className="data" data-testid="unmapped-table">
              <thead><tr><th>Source</th><th>Code</th><th className="num">Records</th></tr></thead>
              <tbody>{d.unmapped.map((u) => <tr key={`${u.source}-${u.code}`}><td>{u.source}</td><td><code>{u.code}</code></td><td className="num">{u.count}</td></tr>)}</tbody>
            </table>
          ) : <p className="muted">Every status code in this run is mapped.</p>}
        </Figure>
        <Figure id="drift" title="Schema drift" figure="drift" q={q}
          note={<>Changes in the files or events sources send, {period.toLowerCase()}: blocking ones stop an ingestion, warnings are recorded.</>}>
          {d.drift.total ? (
            <>
              <table className="data" data-testid="drift-table">
                <thead><tr><th>Source</th><th>Kind</th><th>Severity</th><th className="num">Events</th></tr></thead>
                <tbody>{d.drift.counts.map((c) => <tr key={`${c.source}-${c.kind}-${c.severity}`}><td>{c.source}</td><td>{c.kind.replace(/_/g, ' ')}</td><td><span className={`pill ${c.severity === 'blocking' ? 'bad' : 'warn'}`}>{c.severity}</span></td><td className="num">{c.count}</td></tr>)}</tbody>
              </table>
              <ul className="plain-list small quality-events">
                {d.drift.events.slice(0, 5).map((e) => <li key={e.id}><span className="muted">{formatDateTime(e.createdAt)}</span> · {e.source}: {e.message}</li>)}
              </ul>
            </>
          ) : <p className="muted">No drift in this period.</p>}
        </Figure>
      </div>

      <Figure id="fresh" title="Freshness per source" figure="freshness" q={q}
        note={`The latest committed upload, successful pull or accepted webhook of each source. Behind: nothing new for over ${staleAfterHours} hours (Settings → Notifications).`}>
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Freshness per source">
          <table className="data" data-testid="freshness-table">
            <thead><tr><th>Source</th><th>Kind</th><th>Last upload (UTC)</th><th>Last pull (UTC)</th><th>Last webhook (UTC)</th><th className="num">Age</th><th>Status</th></tr></thead>
            <tbody>
              {d.freshness.map((s) => (
                <tr key={s.id}>
                  <td>{s.name}</td>
                  <td>{s.kind}</td>
                  <td>{s.lastUpload ? formatDateTime(s.lastUpload) : '—'}</td>
                  <td>{s.lastPull ? formatDateTime(s.lastPull) : '—'}</td>
                  <td>{s.lastWebhook ? formatDateTime(s.lastWebhook) : '—'}</td>
                  <td className="num">{s.ageHours === null ? '—' : formatDuration(s.ageHours * 3_600_000)}</td>
                  <td><span className={`pill ${FRESHNESS_INFO[s.status].tone}`}>{FRESHNESS_INFO[s.status].label}</span></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Figure>
    </>
  );
}
