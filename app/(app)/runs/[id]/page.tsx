import { profileDataset } from '@/lib/domain/records';
import type { Metadata } from 'next';
import { Link } from '@/components/ui/Link';
import { notFound } from 'next/navigation';
import { PageHeader } from '@/components/ui/PageHeader';
import { ClassChart } from '@/components/runs/ClassChart';
import { RunProgress } from '@/components/runs/RunProgress';
import { formatDuration, RUN_STATUS } from '@/components/runs/format';
import { formatDateTime } from '@/components/sources/format';
import { requirePage } from '@/lib/auth/guard';
import { getRun, listRuns, runReviewCounts } from '@/lib/features/runs';
import { reconciledPaidTotals } from '@/lib/features/review/reconciled-state';
import { listPasses, reconciliationOfRun } from '@/lib/features/ledger';
import { getPrisma } from '@/lib/server/db/client';
import { recordCountsBySource } from '@/lib/server/db/source-records';
import { PASS_STATUS, PASS_TRIGGER } from '@/components/runs/format';
import { PassOutcome } from '@/components/runs/PassOutcome';
import { formatMoney } from '@/lib/domain/money';
import { EditReconciliationForm } from '@/components/runs/EditReconciliationForm';
import { RomiSettingsForm } from '@/components/runs/RomiSettingsForm';
import { parseRomiSettings } from '@/lib/features/romi/settings';
import { romiChoices } from '@/lib/features/romi/configure';
import { parseMatching } from '@/lib/features/ledger/matching';
import { can } from '@/lib/domain/permissions';
import { listRuleSets } from '@/lib/features/runs/rulesets';
import { groupLabel, memberGroups, parseMembers } from '@/lib/features/ledger/members';

export const metadata: Metadata = { title: 'Run' };
export const dynamic = 'force-dynamic';

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requirePage('runs:view', `/runs/${id}`);
  const run = await getRun(id);
  if (!run) notFound();
  const st = RUN_STATUS[run.status] ?? { label: run.status, tone: 'neutral' as const };
  const done = run.status === 'completed';
  const ledger = run.kind === 'ledger' ? await reconciliationOfRun(id) : null;
  const [states, paid, others, passes, actionCounts] = await Promise.all([
    done ? runReviewCounts(id) : Promise.resolve({} as Record<string, number>),
    done ? reconciledPaidTotals({ runId: id }) : Promise.resolve({} as Record<string, bigint>),
    listRuns(undefined, { take: 20 }),
    ledger ? listPasses({ reconciliationId: ledger.id, take: 20 }) : Promise.resolve([]),
    ledger ? getPrisma().runResult.groupBy({ by: ['action'], where: { runId: id, state: { in: ['open', 'in_review', 'escalated'] } }, _count: { _all: true } }) : Promise.resolve([]),
  ]);
  // A ledger keeps its counters current; a run's come with its engine summary.
  const classes = run.summaryParsed?.classes ?? { matched: run.matched, mismatched: run.mismatched, missing: run.missing, duplicate: run.duplicate };
  const actions: [string, number][] = run.summaryParsed ? Object.entries(run.summaryParsed.actions) : actionCounts.map((a) => [a.action, a._count._all]);
  const matchRate = run.summaryParsed ? run.summaryParsed.matchRate : run.totalKeys ? run.matched / run.totalKeys : null;
  const open = (states.open ?? 0) + (states.in_review ?? 0) + (states.escalated ?? 0);
  const summary = run.summaryParsed;
  const amountsByClass = summary
    ? (['matched', 'mismatched', 'missing', 'duplicate'] as const).map((cls) => {
        const byCurrency = summary.amounts[cls] ?? {};
        const text = Object.entries(byCurrency)
          .map(([cur, bySource]) => Object.entries(bySource).map(([src, v]) => `${src} ${formatMoney(v, cur, { cents: true })}`).join(' · '))
          .join('; ');
        return { cls, text };
      })
    : [];
  const settings = ledger && can(user.role, 'reconciliations:manage') ? await ledgerSettings(ledger.id) : null;
  const compareWith = ledger ? [] : others.filter((r) => r.id !== id && r.status === 'completed' && r.kind !== 'ledger');
  return (
    <>
      <p style={{ marginBottom: 8 }}><Link href="/runs">← Reconciliations</Link></p>
      <PageHeader
        title={ledger ? ledger.name : `Run of ${formatDateTime(run.createdAt)} UTC`}
        description={ledger
          ? `Ledger · ${sidesText(ledger.members, run.inputsParsed.sources)} · rule set ${run.ruleSet.name} (newest version) · reconciled ${ledger.lastPassAt ? `${formatDateTime(ledger.lastPassAt)} UTC` : 'not yet'}, again whenever its sources receive data`
          : `${run.inputsParsed.sources.map((s) => s.name).join(' vs ')} · rule set ${run.ruleSet.name} v${run.ruleSet.version}`}
        actions={done ? <Link className="button" href={`/discrepancies?run=${id}`}>Review discrepancies</Link> : null}
      />
      <div className="stack">
        <RunProgress runId={id} initial={{ status: run.status, phase: run.phase, progress: run.progress, progressTotal: run.progressTotal, message: run.message }} />
        {run.status === 'failed' ? <div className="alert error">{run.message ?? 'The run failed.'} Nothing of it was kept.</div> : null}
        <section className="grid-cards six" aria-label="Run summary" data-testid="run-summary">
          <div className="card"><div className="kpi-label">Status</div><div className="kpi-value"><span className={`pill ${st.tone}`} data-testid="run-status">{st.label}</span></div><div className="kpi-note">{formatDuration(run.durationMs)}</div></div>
          <div className="card"><div className="kpi-label">Keys</div><div className="kpi-value" data-testid="kpi-keys">{run.totalKeys.toLocaleString('en-US')}</div><div className="kpi-note">{matchRate !== null ? `${Math.round(matchRate * 1000) / 10}% matched` : '—'}</div></div>
          <div className="card"><div className="kpi-label">Matched</div><div className="kpi-value" data-testid="kpi-matched">{run.matched.toLocaleString('en-US')}</div><div className="kpi-note">{run.autoResolved.toLocaleString('en-US')} resolved automatically</div></div>
          <div className="card"><div className="kpi-label">Mismatched</div><div className="kpi-value" data-testid="kpi-mismatched">{run.mismatched.toLocaleString('en-US')}</div><div className="kpi-note">{summary ? Object.entries(summary.reasons).filter(([, n]) => n).map(([r, n]) => `${r} ${n}`).join(' · ') : ''}</div></div>
          <div className="card"><div className="kpi-label">Missing</div><div className="kpi-value" data-testid="kpi-missing">{run.missing.toLocaleString('en-US')}</div><div className="kpi-note">{summary ? Object.entries(summary.missing).map(([s, n]) => `not in ${s}: ${n}`).join(' · ') : ''}</div></div>
          <div className="card"><div className="kpi-label">Critical</div><div className="kpi-value" data-testid="kpi-critical">{run.critical.toLocaleString('en-US')}</div><div className="kpi-note">{done ? `${open.toLocaleString('en-US')} still open` : ''}</div></div>
        </section>
        {done && (summary || ledger) ? (
          <div className="two-col">
            <section className="card" aria-labelledby="chart-title">
              <h2 id="chart-title" className="section-title">Keys per class</h2>
              <ClassChart data={[
                { name: 'Matched', keys: classes.matched },
                { name: 'Mismatched', keys: classes.mismatched },
                { name: 'Missing', keys: classes.missing },
                { name: 'Duplicate', keys: classes.duplicate },
              ]} />
            </section>
            <section className="card" aria-labelledby="review-title">
              <h2 id="review-title" className="section-title">Review</h2>
              <dl className="meta-grid">
                <div><dt>Open</dt><dd>{(states.open ?? 0).toLocaleString('en-US')}</dd></div>
                <div><dt>In review</dt><dd>{(states.in_review ?? 0).toLocaleString('en-US')}</dd></div>
                <div><dt>Escalated</dt><dd>{(states.escalated ?? 0).toLocaleString('en-US')}</dd></div>
                <div><dt>Resolved</dt><dd>{(states.resolved ?? 0).toLocaleString('en-US')}</dd></div>
                <div><dt>Written off</dt><dd>{(states.written_off ?? 0).toLocaleString('en-US')}</dd></div>
                <div><dt>Reconciled Paid</dt><dd data-testid="reconciled-paid">{Object.entries(paid).map(([c, v]) => formatMoney(v, c, { cents: true })).join(' · ') || '0'}</dd></div>
              </dl>
              <h3 style={{ margin: '16px 0 6px' }}>Recommended actions</h3>
              <ul className="plain-list">
                {actions.filter(([, n]) => n).map(([a, n]) => (
                  <li key={a}><Link href={`/discrepancies?run=${id}&cls=all&action=${a}`}>{a.replaceAll('_', ' ')}</Link> <span className="muted">· {n}</span></li>
                ))}
              </ul>
            </section>
          </div>
        ) : null}
        {done && summary && amountsByClass.some((a) => a.text) ? (
          <section className="card" aria-labelledby="amounts-title">
            <h2 id="amounts-title" className="section-title">Amounts per class</h2>
            <table className="data">
              <tbody>
                {amountsByClass.map((a) => (
                  <tr key={a.cls}><th scope="row">{a.cls}</th><td className="mono">{a.text || '—'}</td></tr>
                ))}
              </tbody>
            </table>
          </section>
        ) : null}
        {ledger ? (
          <section className="card" aria-labelledby="passes-title">
            <h2 id="passes-title" className="section-title">Passes</h2>
            <p className="muted small">Every upload, pull or webhook of a member source reconciles the keys it brought; a full pass reads every key again. Decisions stay on entries whose facts did not change.</p>
            <div className="table-wrap">
              <table className="data" data-testid="ledger-passes">
                <thead>
                  <tr><th scope="col">When (UTC)</th><th scope="col">Trigger</th><th scope="col" className="num">Keys read</th><th scope="col">What changed</th><th scope="col">Status</th><th scope="col" className="num">Duration</th></tr>
                </thead>
                <tbody>
                  {passes.map((p) => (
                    <tr key={p.id}>
                      <td className="nowrap">{formatDateTime(p.createdAt)}</td>
                      <td>{PASS_TRIGGER[p.trigger] ?? p.trigger}{p.scope === 'full' ? <span className="muted"> · full</span> : null}{p.actorEmail ? <div className="muted small">{p.actorEmail}</div> : null}</td>
                      <td className="num">{p.keysRead.toLocaleString('en-US')}</td>
                      <td><PassOutcome pass={p} reopenedHref={`/discrepancies?run=${id}&cls=all&state=open`} /></td>
                      <td><span className={`pill ${PASS_STATUS[p.status]?.tone ?? 'neutral'}`} title={p.message ?? undefined}>{PASS_STATUS[p.status]?.label ?? p.status}</span></td>
                      <td className="num muted">{formatDuration(p.durationMs)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        ) : null}
        {ledger && passes.length > 1 ? (
          <section className="card" aria-labelledby="compare-title">
            <h2 id="compare-title" className="section-title">Compare with an earlier point in time</h2>
            <p className="muted small">The entries created, changed or reopened since a pass, with their facts then and now.</p>
            <form action={`/runs/${id}/changes`} method="get" className="form-row">
              <div className="field">
                <label htmlFor="changes-since">Since the pass of</label>
                <select id="changes-since" name="since">
                  {passes.slice(1).map((p) => (
                    <option key={p.id} value={p.id}>{formatDateTime(p.finishedAt ?? p.createdAt)} UTC · {PASS_TRIGGER[p.trigger] ?? p.trigger}{p.scope === 'full' ? ' · full' : ''}</option>
                  ))}
                </select>
              </div>
              <div className="field"><button className="button secondary" type="submit">Show what changed</button></div>
            </form>
          </section>
        ) : null}
        {ledger && settings ? (
          <section className="card" aria-labelledby="romi-title">
            <h2 id="romi-title" className="section-title">ROMI: what counts as revenue</h2>
            <p className="muted small">The dashboard reports this reconciliation with these settings: which deals and ad spend it reads, how a payment finds its deal, and when revenue counts.</p>
            <RomiSettingsForm id={ledger.id} settings={settings.romi} choices={settings.romiChoices} paymentSide={settings.sides[0]?.name ?? 'the first source'} />
          </section>
        ) : null}
        {ledger && settings ? (
          <section className="card" aria-labelledby="settings-title">
            <h2 id="settings-title" className="section-title">Settings</h2>
            <EditReconciliationForm id={ledger.id} {...settings} />
          </section>
        ) : null}
        {ledger ? null : <section className="card" aria-labelledby="inputs-title">
          <h2 id="inputs-title" className="section-title">Inputs</h2>
          <dl className="meta-grid">
            {run.inputsParsed.sources.map((s) => (
              <div key={s.sourceId}><dt>{s.name} ({s.kind})</dt><dd>{s.ingestionIds.length} ingestion{s.ingestionIds.length === 1 ? '' : 's'} · profile {s.profileVersions.map((v) => `v${v.version}`).join(', ') || '—'}{s.webhookMaxRecordId !== null ? ' · webhooks' : ''}</dd></div>
            ))}
            <div><dt>Dates</dt><dd>{run.inputsParsed.dateFrom || run.inputsParsed.dateTo ? `${run.inputsParsed.dateFrom ?? '…'} to ${run.inputsParsed.dateTo ?? '…'}` : 'All'}</dd></div>
            <div><dt>Started by</dt><dd>{run.createdByEmail ?? '—'}</dd></div>
            <div><dt>Inputs fingerprint</dt><dd><code title={run.inputsHash}>{run.inputsHash.slice(0, 12)}</code></dd></div>
          </dl>
        </section>}
        {done && compareWith.length ? (
          <section className="card" aria-labelledby="compare-title">
            <h2 id="compare-title" className="section-title">Compare with another run</h2>
            <form action={`/runs/${id}/compare`} method="get" className="form-row">
              <div className="field">
                <label htmlFor="compare-with">Earlier or later run</label>
                <select id="compare-with" name="with">
                  {compareWith.map((r) => (
                    <option key={r.id} value={r.id}>{formatDateTime(r.createdAt)} · {r.sourceNames.join(' vs ')} · {r.totalKeys} keys</option>
                  ))}
                </select>
              </div>
              <div className="field"><button className="button secondary" type="submit">Compare</button></div>
            </form>
          </section>
        ) : null}
      </div>
    </>
  );
}

/** What the settings form of a reconciliation shows: its fields, the rule sets, its sources and the others it could add. */
async function ledgerSettings(reconciliationId: string) {
  const db = getPrisma();
  const [rec, ruleSets, sources] = await Promise.all([
    db.reconciliation.findUniqueOrThrow({ where: { id: reconciliationId }, select: { name: true, description: true, ruleSetName: true, members: true, matching: true, romi: true } }),
    listRuleSets(),
    db.source.findMany({
      where: { archivedAt: null },
      orderBy: { name: 'asc' },
      select: { id: true, name: true, kind: true, versions: { orderBy: { version: 'desc' }, take: 1, select: { profile: true } } },
    }),
  ]);
  // Only payment sources can join a reconciliation (not CRM deals or ad spend): their newest profile says which.
  const rowsOf = await recordCountsBySource(db, sources.map((s) => s.id));
  const paymentRows = new Map(sources.filter((s) => (rowsOf.get(s.id) ?? 0) > 0 && profileDataset(s.versions[0]?.profile) === 'payments').map((s) => [s.id, rowsOf.get(s.id) ?? 0]));
  const members = parseMembers(rec.members);
  const memberIds = members.map((m) => m.sourceId);
  const byId = new Map(sources.map((s) => [s.id, s]));
  const nameOf = (id: string) => byId.get(id)?.name ?? '(deleted source)';
  return {
    name: rec.name,
    description: rec.description,
    ruleSetName: rec.ruleSetName,
    ruleSets: [...new Set(ruleSets.map((r) => r.name))],
    sides: memberGroups(members).map((g) => ({ key: g.key, name: groupLabel(g, nameOf), sources: g.sourceIds.map((id) => ({ id, name: nameOf(id) })) })),
    matching: parseMatching(rec.matching),
    romi: parseRomiSettings(rec.romi),
    romiChoices: await romiChoices(memberIds),
    candidates: sources.filter((s) => !memberIds.includes(s.id) && paymentRows.has(s.id)).map((s) => ({ id: s.id, name: s.name, kind: s.kind, rows: paymentRows.get(s.id)! })),
  };
}

/** A ledger's sides in words: "Stripe + PayPal vs Operating bank". */
function sidesText(members: string, sources: { sourceId: string; name: string }[]): string {
  const names = new Map(sources.map((s) => [s.sourceId, s.name]));
  return memberGroups(parseMembers(members)).map((g) => groupLabel(g, (id) => names.get(id))).join(' vs ');
}
