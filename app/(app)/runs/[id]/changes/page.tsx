import type { Metadata } from 'next';
import { Link } from '@/components/ui/Link';
import { notFound } from 'next/navigation';
import { PageHeader } from '@/components/ui/PageHeader';
import { formatDateTime } from '@/components/sources/format';
import { classLabel, stateInfo } from '@/components/discrepancies/format';
import { PASS_TRIGGER } from '@/components/runs/format';
import { factsText } from '@/components/runs/facts';
import { requirePage } from '@/lib/auth/guard';
import { ledgerChangesSince, reconciliationOfRun } from '@/lib/features/ledger';

export const metadata: Metadata = { title: 'What changed in the ledger' };
export const dynamic = 'force-dynamic';

const CHANGE: Record<string, { label: string; tone: string }> = {
  created: { label: 'New', tone: 'neutral' },
  changed: { label: 'Facts changed', tone: 'warn' },
  reopened: { label: 'Reopened', tone: 'bad' },
};

/** A ledger now against the point in time a pass finished: the entries created, changed or reopened since. */
export default async function LedgerChangesPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ since?: string }> }) {
  const { id } = await params;
  const since = (await searchParams).since ?? '';
  await requirePage('runs:view', `/runs/${id}/changes`);
  const ledger = await reconciliationOfRun(id);
  if (!ledger) notFound();
  const diff = await ledgerChangesSince(ledger.id, since);
  if (!diff) notFound();
  const at = diff.since.finishedAt ?? diff.since.createdAt;
  return (
    <>
      <p style={{ marginBottom: 8 }}><Link href={`/runs/${id}`}>← {ledger.name}</Link></p>
      <PageHeader
        title="What changed in the ledger"
        description={`${ledger.name} now, against the ledger after the ${PASS_TRIGGER[diff.since.trigger]?.toLowerCase() ?? diff.since.trigger} pass of ${formatDateTime(at)} UTC: ${diff.passesAfter.toLocaleString('en-US')} pass${diff.passesAfter === 1 ? '' : 'es'} since.`}
      />
      <div className="stack">
        <section className="grid-cards" aria-label="Changes since then">
          <div className="card"><div className="kpi-label">New entries</div><div className="kpi-value" data-testid="changes-created">{diff.counts.created.toLocaleString('en-US')}</div><div className="kpi-note">keys seen for the first time</div></div>
          <div className="card"><div className="kpi-label">Facts changed</div><div className="kpi-value" data-testid="changes-changed">{diff.counts.changed.toLocaleString('en-US')}</div><div className="kpi-note">on entries still in review</div></div>
          <div className="card"><div className="kpi-label">Reopened</div><div className="kpi-value" data-testid="changes-reopened">{diff.counts.reopened.toLocaleString('en-US')}</div><div className="kpi-note">settled, then new facts arrived</div></div>
        </section>
        <section className="card table-card" aria-labelledby="changes-title">
          <h2 id="changes-title" className="section-title table-title">Entries{diff.truncated ? ` (the ${diff.entries.length} most recently changed)` : ''}</h2>
          {diff.entries.length === 0 ? (
            <p className="muted" style={{ padding: '0 20px 16px' }}>Nothing changed since then: every entry has the facts and the decision it had.</p>
          ) : (
            <div className="table-wrap">
              <table className="data" data-testid="ledger-changes">
                <thead><tr><th scope="col">Transaction</th><th scope="col">What happened</th><th scope="col">Then</th><th scope="col">Now</th><th scope="col">Review state</th></tr></thead>
                <tbody>
                  {diff.entries.map((e) => {
                    const st = stateInfo(e.state);
                    return (
                      <tr key={e.resultId}>
                        <td><Link href={`/discrepancies/${e.resultId}`}>{e.key}</Link><div className="muted small">{classLabel(e.cls)}</div></td>
                        <td>
                          {[...new Set(e.changes)].map((c) => <span key={c} className={`pill ${CHANGE[c]?.tone ?? 'neutral'}`} style={{ marginRight: 4 }}>{CHANGE[c]?.label ?? c}</span>)}
                          {e.reasons.length ? <div className="small">{e.reasons[e.reasons.length - 1]}</div> : null}
                          {e.changes.length > 1 ? <div className="muted small">{e.changes.length} passes changed it</div> : null}
                        </td>
                        <td className="small">{e.factsThen ? factsText(e.factsThen) : <em className="muted">not in the ledger yet</em>}</td>
                        <td className="small">{factsText(e.factsNow)}</td>
                        <td><span className={`pill ${st.tone}`}>{st.label}</span></td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </div>
    </>
  );
}
