import { profileDataset } from '@/lib/domain/records';
import type { Metadata } from 'next';
import { Link } from '@/components/ui/Link';
import { PageHeader } from '@/components/ui/PageHeader';
import { StartRunForm } from '@/components/runs/StartRunForm';
import { formatDuration, RUN_STATUS } from '@/components/runs/format';
import { formatDateTime } from '@/components/sources/format';
import { requirePage } from '@/lib/auth/guard';
import { can } from '@/lib/domain/permissions';
import { getPrisma } from '@/lib/server/db/client';
import { recordCountsBySource } from '@/lib/server/db/source-records';
import { listRuns } from '@/lib/features/runs';
import { listRuleSets } from '@/lib/features/runs/rulesets';
import { listPasses, reconciliationOverview } from '@/lib/features/ledger';
import { NewReconciliationForm } from '@/components/runs/NewReconciliationForm';
import { ReconcileNowButton } from '@/components/runs/ReconcileNowButton';
import { PASS_STATUS, PASS_TRIGGER } from '@/components/runs/format';
import { PassOutcome } from '@/components/runs/PassOutcome';

export const metadata: Metadata = { title: 'Reconciliations' };
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
      versions: { orderBy: { version: 'desc' }, take: 1, select: { profile: true } },
    },
  });
  // Gateway first, then the bank: the engine compares every source with the first present one.
  const order = ['gateway', 'bank', 'crm', 'erp', 'ads', 'other'];
  sources.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.name.localeCompare(b.name));
  const rowsOf = await recordCountsBySource(getPrisma(), sources.map((s) => s.id));
  return sources.map((s) => ({
    id: s.id,
    name: s.name,
    kind: s.kind,
    /** Payment-status data (not CRM deals or ad spend): only these are reconciled. */
    payments: profileDataset(s.versions[0]?.profile) === 'payments',
    rows: rowsOf.get(s.id) ?? 0,
    ingestions: s.ingestions.map((i) => ({ id: i.id, label: `${i.fileName ?? i.channel} · ${i.rowsValid} rows · ${formatDateTime(i.createdAt)}` })),
  }));
}

export default async function RunsPage() {
  const user = await requirePage('runs:view', '/runs');
  const canStart = can(user.role, 'runs:start');
  const canManage = can(user.role, 'reconciliations:manage');
  const [allRuns, sources, ruleSets, reconciliations, passes] = await Promise.all([
    listRuns(),
    canStart ? runnableSources() : [],
    canStart ? listRuleSets() : [],
    reconciliationOverview(),
    listPasses({ take: 15 }),
  ]);
  // A ledger's Run row holds its entries; it is listed as its reconciliation, not as a run.
  const runs = allRuns.filter((r) => r.kind !== 'ledger');
  const ruleSetNames = [...new Set(ruleSets.map((r) => r.name))];
  return (
    <>
      <PageHeader title="Reconciliations" description="Each reconciliation keeps a ledger: one entry per transaction, reconciled again whenever one of its sources receives data, with every decision kept until the facts change." />
      <div className="stack">
        <section className="card" aria-labelledby="rec-title">
          <h2 id="rec-title" className="section-title">Reconciliations</h2>
          {reconciliations.length === 0 ? (
            <p className="muted">No reconciliation yet. Create one below: pick the sources to compare and a rule set, and its ledger stays current as data arrives.</p>
          ) : (
            <div className="table-wrap">
              <table className="data" data-testid="reconciliations-table">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Sources</th>
                    <th scope="col">Rule set</th>
                    <th scope="col" className="num">Entries</th>
                    <th scope="col" className="num">Open</th>
                    <th scope="col">Last reconciled (UTC)</th>
                    {canStart ? <th scope="col"><span className="sr-only">Actions</span></th> : null}
                  </tr>
                </thead>
                <tbody>
                  {reconciliations.map((r) => (
                    <tr key={r.id}>
                      <td><Link href={`/runs/${r.ledgerRunId}`}><strong>{r.name}</strong></Link>{r.description ? <div className="muted small">{r.description}</div> : null}</td>
                      <td>{r.sourceNames.join(' vs ')}</td>
                      <td className="muted">{r.ruleSetName}{r.rulesNewerThanLedger ? <div><span className="pill warn small" data-testid="rules-changed" title="A newer version of the rule set applies to new data; reconcile all again to apply it to every entry">Rules changed since the last full pass</span></div> : null}</td>
                      <td className="num">{r.entries.toLocaleString('en-US')}</td>
                      <td className="num">{r.open ? <Link href={`/discrepancies?run=${r.ledgerRunId}`}>{r.open.toLocaleString('en-US')}</Link> : 0}</td>
                      <td className="muted">
                        {r.lastPass ? <>{formatDateTime(r.lastPass.createdAt)} · {PASS_TRIGGER[r.lastPass.trigger] ?? r.lastPass.trigger}{r.lastPass.status !== 'completed' ? <> <span className={`pill ${PASS_STATUS[r.lastPass.status]?.tone ?? 'neutral'}`}>{PASS_STATUS[r.lastPass.status]?.label ?? r.lastPass.status}</span></> : null}</> : 'not yet'}
                      </td>
                      {canStart ? <td style={{ textAlign: 'right' }}><ReconcileNowButton id={r.id} name={r.name} /></td> : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        {passes.length ? (
          <section className="card" aria-labelledby="passes-title">
            <h2 id="passes-title" className="section-title">Recent passes</h2>
            <p className="muted small">What each pass did: an upload, pull or webhook reconciles only the keys it brought; a full pass reads every key again.</p>
            <div className="table-wrap">
              <table className="data" data-testid="passes-table">
                <thead>
                  <tr>
                    <th scope="col">When (UTC)</th>
                    <th scope="col">Reconciliation</th>
                    <th scope="col">Trigger</th>
                    <th scope="col" className="num">Keys read</th>
                    <th scope="col">What changed</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="num">Duration</th>
                  </tr>
                </thead>
                <tbody>
                  {passes.map((p) => (
                    <tr key={p.id}>
                      <td className="nowrap">{formatDateTime(p.createdAt)}</td>
                      <td><Link href={`/runs/${p.reconciliation.ledgerRunId}`}>{p.reconciliation.name}</Link></td>
                      <td>{PASS_TRIGGER[p.trigger] ?? p.trigger}{p.scope === 'full' ? <span className="muted"> · full</span> : null}{p.actorEmail ? <div className="muted small">{p.actorEmail}</div> : null}</td>
                      <td className="num">{p.keysRead.toLocaleString('en-US')}</td>
                      <td data-testid="pass-outcome"><PassOutcome pass={p} /></td>
                      <td><span className={`pill ${PASS_STATUS[p.status]?.tone ?? 'neutral'}`} title={p.message ?? undefined}>{PASS_STATUS[p.status]?.label ?? p.status}</span></td>
                      <td className="num muted">{formatDuration(p.durationMs)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        ) : null}
        {canManage ? (
          <section className="card" aria-labelledby="new-rec-title">
            <h2 id="new-rec-title" className="section-title">New reconciliation</h2>
            <NewReconciliationForm sources={sources.filter((s) => s.ingestions.length > 0 && s.payments).map((s) => ({ id: s.id, name: s.name, kind: s.kind, rows: s.rows }))} ruleSets={ruleSetNames} />
          </section>
        ) : null}
        {canStart ? (
          <section className="card" aria-labelledby="start-title">
            <h2 id="start-title" className="section-title">One-off snapshot run</h2>
            <p className="muted small">A run compares chosen ingestions once and keeps its own results, apart from the ledgers (to check an old export, say).</p>
            <StartRunForm sources={sources} ruleSets={ruleSets.map((r) => ({ id: r.id, label: `${r.name} v${r.version}${r.autoRules.length ? ` · ${r.autoRules.length} automatic rules` : ''}` }))} />
          </section>
        ) : null}
        {runs.length === 0 ? (
          <p className="muted small">No snapshot runs: the ledgers above are what the dashboard and the review queue read.</p>
        ) : (
          <section className="card" aria-labelledby="runs-title">
            <h2 id="runs-title" className="section-title">Snapshot runs</h2>
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
