import type { Metadata } from 'next';
import { Link } from '@/components/ui/Link';
import { EmptyState } from '@/components/ui/EmptyState';
import { reconciliationOfRun, reconciliationOverview } from '@/lib/features/ledger';
import { PageHeader } from '@/components/ui/PageHeader';
import { DiscrepancyTable } from '@/components/discrepancies/DiscrepancyTable';
import { Filters } from '@/components/discrepancies/Filters';
import { formatDateTime } from '@/components/sources/format';
import { requirePage } from '@/lib/auth/guard';
import { can } from '@/lib/domain/permissions';
import { backlogBuckets, listDiscrepancies, parseDiscrepancyQuery } from '@/lib/features/review/discrepancies';
import { getRun, latestCompletedRun, listRuns } from '@/lib/features/runs';
import { listAssignees } from '@/lib/features/review/resolve';

export const metadata: Metadata = { title: 'Discrepancies' };
export const dynamic = 'force-dynamic';

export default async function DiscrepanciesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePage('discrepancies:view', '/discrepancies');
  const query = parseDiscrepancyQuery(await searchParams);
  const runId = query.run ?? (await latestCompletedRun())?.id;
  const run = runId ? await getRun(runId) : null;
  if (!run || run.status !== 'completed') {
    return (
      <>
        <PageHeader title="Discrepancies" description="Transactions on which the systems disagree, with the action the procedure recommends." />
        <EmptyState
          title="Nothing to review"
          message={run ? 'This run has not completed yet; its discrepancies appear here when it does.' : 'When a run finds a transaction the systems disagree on, it appears here for finance to resolve, with a full audit trail.'}
          steps={can(user.role, 'runs:start') ? [{ title: 'Start a run', detail: 'Under Runs, pick the gateway and the bank and start a reconciliation.' }] : undefined}
        />
      </>
    );
  }
  const [page, backlog, runs, assignees, ledger] = await Promise.all([
    listDiscrepancies(run.id, query, { me: user.id }),
    backlogBuckets(run.id),
    listRuns(undefined, { take: 20 }),
    listAssignees(),
    run.kind === 'ledger' ? reconciliationOfRun(run.id) : Promise.resolve(null),
  ]);
  const reconciliationNames = new Map((await reconciliationOverview()).map((r) => [r.ledgerRunId, r.name]));
  const label = (r: { id: string; createdAt: Date; sourceNames: string[] }) => reconciliationNames.has(r.id) ? `${reconciliationNames.get(r.id)} (ledger)` : `Run of ${formatDateTime(r.createdAt)} · ${r.sourceNames.join(' vs ')}`;
  const exportParams = new URLSearchParams();
  for (const [k, v] of Object.entries(await searchParams)) if (typeof v === 'string' && v && k !== 'page' && k !== 'size') exportParams.set(k, v);
  exportParams.set('run', run.id);
  const totalOpen = backlog.reduce((n, b) => n + b.count, 0);
  return (
    <>
      <PageHeader
        title="Discrepancies"
        description={ledger
          ? `${ledger.name} ledger · ${run.inputsParsed.sources.map((s) => s.name).join(' vs ')} · ${run.totalKeys.toLocaleString('en-US')} keys · reconciled ${ledger.lastPassAt ? `${formatDateTime(ledger.lastPassAt)} UTC` : 'not yet'}`
          : `Run of ${formatDateTime(run.createdAt)} UTC · ${run.inputsParsed.sources.map((s) => s.name).join(' vs ')} · ${run.totalKeys.toLocaleString('en-US')} keys`}
        actions={
          runs.filter((r) => r.status === 'completed').length > 1 ? (
            <form method="get" action="/discrepancies" className="inline-form">
              <label htmlFor="run-pick" className="muted small">Show</label>
              <select id="run-pick" name="run" defaultValue={run.id}>
                {runs.filter((r) => r.status === 'completed').map((r) => <option key={r.id} value={r.id}>{label(r)}</option>)}
              </select>
              <button className="button secondary small" type="submit">Show</button>
            </form>
          ) : (
            <Link href={`/runs/${run.id}`} className="button secondary">{ledger ? 'Ledger and passes' : 'Run summary'}</Link>
          )
        }
      />
      <section className="backlog" aria-label="Open backlog by age" data-testid="backlog">
        <div className="backlog-total"><span className="kpi-label">Open backlog</span><strong>{totalOpen.toLocaleString('en-US')}</strong></div>
        {backlog.filter((b) => b.label !== 'No date' || b.count).map((b) => (
          <div key={b.label} className="backlog-bucket"><span className="kpi-label">{b.label}</span><strong>{b.count.toLocaleString('en-US')}</strong></div>
        ))}
        <p className="muted small">Age counts days since the transaction date.</p>
      </section>
      <Filters query={query} runId={run.id} sources={run.inputsParsed.sources.map((s) => s.name)} assignees={assignees} />
      <DiscrepancyTable
        rows={page.rows}
        total={page.total}
        capped={page.capped}
        page={page.page}
        size={page.size}
        sort={query.sort}
        dir={query.dir}
        canResolve={can(user.role, 'discrepancies:resolve')}
        exportHref={`/api/discrepancies/export?${exportParams.toString()}`}
      />
    </>
  );
}
