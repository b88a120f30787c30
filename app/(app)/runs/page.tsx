import type { Metadata } from 'next';
import Link from 'next/link';
import { EmptyState } from '@/components/ui/EmptyState';
import { PageHeader } from '@/components/ui/PageHeader';
import { StartRunForm } from '@/components/runs/StartRunForm';
import { formatDuration, RUN_STATUS } from '@/components/runs/format';
import { formatDateTime } from '@/components/sources/format';
import { requirePage } from '@/lib/auth/guard';
import { can } from '@/lib/domain/permissions';
import { getPrisma } from '@/lib/server/db/client';
import { listRuns } from '@/lib/features/runs';
import { listRuleSets } from '@/lib/features/runs/rulesets';

export const metadata: Metadata = { title: 'Runs' };
export const dynamic = 'force-dynamic';

async function runnableSources() {
  const sources = await getPrisma().source.findMany({
    where: { archivedAt: null },
    orderBy: { name: 'asc' },
    select: {
      id: true,
      name: true,
      kind: true,
      ingestions: { where: { status: 'committed' }, orderBy: { createdAt: 'desc' }, select: { id: true, fileName: true, channel: true, rowsValid: true, createdAt: true } },
    },
  });
  // Gateway first, then the bank: the engine compares every source with the first present one.
  const order = ['gateway', 'bank', 'crm', 'erp', 'ads', 'other'];
  sources.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.name.localeCompare(b.name));
  return sources.map((s) => ({
    id: s.id,
    name: s.name,
    kind: s.kind,
    ingestions: s.ingestions.map((i) => ({ id: i.id, label: `${i.fileName ?? i.channel} · ${i.rowsValid} rows · ${formatDateTime(i.createdAt)}` })),
  }));
}

export default async function RunsPage() {
  const user = await requirePage('runs:view', '/runs');
  const canStart = can(user.role, 'runs:start');
  const [runs, sources, ruleSets] = await Promise.all([listRuns(), canStart ? runnableSources() : [], canStart ? listRuleSets() : []]);
  return (
    <>
      <PageHeader title="Reconciliation runs" description="Each run matches transactions across the chosen sources and records every discrepancy." />
      <div className="stack">
        {canStart ? (
          <section className="card" aria-labelledby="start-title">
            <h2 id="start-title" className="section-title">Start a run</h2>
            <StartRunForm sources={sources} ruleSets={ruleSets.map((r) => ({ id: r.id, label: `${r.name} v${r.version}${r.autoRules.length ? ` · ${r.autoRules.length} automatic rules` : ''}` }))} />
          </section>
        ) : null}
        {runs.length === 0 ? (
          <EmptyState
            title="No runs yet"
            message="A run compares two or more sources by transaction id, amount and date, then classifies each key as matched, mismatched, missing or duplicated."
            steps={[
              { title: 'Upload data', detail: 'Add exports from the gateway and the bank under Sources.' },
              { title: 'Start a run', detail: 'Pick the sources and the rule set; the run works in the background.' },
            ]}
          />
        ) : (
          <section className="card" aria-labelledby="runs-title">
            <h2 id="runs-title" className="section-title">Recent runs</h2>
            <div className="table-wrap">
              <table className="data" data-testid="runs-table">
                <thead>
                  <tr>
                    <th scope="col">Started (UTC)</th>
                    <th scope="col">Sources</th>
                    <th scope="col">Rule set</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="num">Keys</th>
                    <th scope="col" className="num">Matched</th>
                    <th scope="col" className="num">Discrepancies</th>
                    <th scope="col" className="num">Critical</th>
                    <th scope="col">Duration</th>
                    <th scope="col">By</th>
                  </tr>
                </thead>
                <tbody>
                  {runs.map((r) => {
                    const st = RUN_STATUS[r.status] ?? { label: r.status, tone: 'neutral' as const };
                    return (
                      <tr key={r.id}>
                        <td><Link href={`/runs/${r.id}`}>{formatDateTime(r.createdAt)}</Link></td>
                        <td>{r.sourceNames.join(' vs ')}</td>
                        <td className="muted">{r.ruleSet.name} v{r.ruleSet.version}</td>
                        <td><span className={`pill ${st.tone}`} title={r.message ?? undefined}>{st.label}</span></td>
                        <td className="num">{r.totalKeys.toLocaleString('en-US')}</td>
                        <td className="num">{r.matched.toLocaleString('en-US')}</td>
                        <td className="num">{(r.totalKeys - r.matched).toLocaleString('en-US')}</td>
                        <td className="num">{r.critical ? <span className="pill bad">{r.critical}</span> : 0}</td>
                        <td className="muted">{formatDuration(r.durationMs)}</td>
                        <td className="muted">{r.createdByEmail ?? '—'}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </section>
        )}
      </div>
    </>
  );
}
