import { Fragment } from 'react';
import type { Metadata } from 'next';
import { Link } from '@/components/ui/Link';
import { notFound } from 'next/navigation';
import { entryHistory } from '@/lib/features/ledger';
import { factsText } from '@/components/runs/facts';
import { PageHeader } from '@/components/ui/PageHeader';
import { CommentForm } from '@/components/discrepancies/CommentForm';
import { ResolvePanel } from '@/components/discrepancies/ResolvePanel';
import { ageLabel, classLabel, humanAction, reasonLabel, severityTone, stateInfo } from '@/components/discrepancies/format';
import { formatDateTime } from '@/components/sources/format';
import { requirePage } from '@/lib/auth/guard';
import { can } from '@/lib/domain/permissions';
import { getPrisma } from '@/lib/server/db/client';
import { ageDays, getDiscrepancy, money } from '@/lib/features/review/discrepancies';
import { finalFromRecommendation } from '@/lib/features/review/final-state';
import { RESOLUTION_LABELS, undoWindowMs } from '@/lib/features/review/resolve';
import { EscalatePanel } from '@/components/alerts/EscalatePanel';
import { CHANNEL_LABEL, DELIVERY_LABEL, DELIVERY_TONE, ESCALATION_LABEL, labelOf } from '@/components/alerts/format';
import { listEscalations } from '@/lib/features/escalation/escalations';
import { loadNotificationSettings } from '@/lib/features/alerts/settings';
import { targetsFor } from '@/lib/features/alerts/channels';
import { isOpenReviewState } from '@/lib/domain/review';
import { listAssignees } from '@/lib/features/review/resolve';

export const metadata: Metadata = { title: 'Discrepancy' };
export const dynamic = 'force-dynamic';

type Field = { label: string; value: (i: number) => string; compare?: boolean };

export default async function DiscrepancyPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requirePage('discrepancies:view', `/discrepancies/${id}`);
  const n = Number(id);
  const d = Number.isInteger(n) && n > 0 ? await getDiscrepancy(n) : null;
  if (!d) notFound();
  const { row, detail } = d;
  const sides = detail.sources;
  const rec = (i: number) => (sides[i]!.recordId !== null ? d.records.get(sides[i]!.recordId!) : undefined);
  const fields: Field[] = [
    { label: 'Status', compare: true, value: (i) => (sides[i]!.present ? sides[i]!.status! : '—') },
    { label: 'Source code', value: (i) => sides[i]!.code ?? '—' },
    { label: 'Amount', compare: true, value: (i) => (sides[i]!.amountMinor !== null ? money(BigInt(sides[i]!.amountMinor!), sides[i]!.currency ?? '') : '—') },
    { label: 'Currency', compare: true, value: (i) => sides[i]!.currency || '—' },
    { label: 'Date', compare: true, value: (i) => sides[i]!.date ?? '—' },
    { label: 'Records with this key', compare: true, value: (i) => String(sides[i]!.count) },
    { label: 'Line', value: (i) => (sides[i]!.line ? String(sides[i]!.line) : rec(i)?.eventId ? `event ${rec(i)!.eventId}` : '—') },
    { label: 'Profile', value: (i) => (rec(i)?.profileVersion ? `v${rec(i)!.profileVersion!.version}` : '—') },
    { label: 'Earlier snapshots', value: (i) => String(sides[i]!.snapshots) },
  ];
  const differs = (f: Field) => {
    if (!f.compare) return false;
    const values = sides.map((s, i) => (s.present ? f.value(i) : null)).filter((v) => v !== null);
    return sides.some((s) => !s.present) ? f.label === 'Status' || f.label === 'Records with this key' : new Set(values).size > 1;
  };
  const canResolve = can(user.role, 'discrepancies:resolve');
  const recommendedFinal = finalFromRecommendation(detail, row.ruleId, row.currency);
  const last = [...d.resolutions].reverse().find((r) => r.action !== 'undo' && r.action !== 'assign' && !r.undone);
  const undoUntil = last ? new Date(last.when.getTime() + undoWindowMs()) : null;
  const canUndo = canResolve && last && last.after.version === row.version && undoUntil! > new Date() ? { action: RESOLUTION_LABELS[last.action as keyof typeof RESOLUTION_LABELS] ?? last.action.replaceAll('_', ' '), until: formatDateTime(undoUntil!) } : null;
  const assignees = canResolve
    ? await listAssignees()
    : [];
  const state = stateInfo(row.state);
  const age = isOpenReviewState(row.state) ? ageDays(row.date) : null;
  const sourceName = new Map(sides.map((s) => [s.sourceId, s.name]));
  const canEscalate = can(user.role, 'discrepancies:escalate') && isOpenReviewState(row.state);
  const escalations = await listEscalations(row.id);
  const ledgerHistory = await entryHistory(row.id);
  const telegramReady = canEscalate ? targetsFor(await loadNotificationSettings(getPrisma()), 'escalation', 'warning').length > 0 : false;

  return (
    <>
      <p style={{ marginBottom: 8 }}><Link href={`/discrepancies?run=${row.runId}`}>← Discrepancies</Link></p>
      <PageHeader
        title={row.key}
        description={`${classLabel(row.cls)}${row.reasons ? ` · ${row.reasons.slice(1, -1).split(';').map(reasonLabel).join(', ')}` : ''}${row.missingIn ? ` · not in ${row.missingIn.slice(1, -1).split(';').join(', ')}` : ''}`}
        actions={
          <div className="row-actions">
            <span className={`pill ${severityTone(row.severity)}`}>{row.severity}</span>
            <span className={`pill ${state.tone}`} data-testid="row-state">{state.label}</span>
            {age !== null ? <span className="pill neutral" title="Days since the transaction date">Age {ageLabel(age)}</span> : null}
          </div>
        }
      />
      {row.reopenReason && isOpenReviewState(row.state) ? (
        <div className="alert warn" role="status" data-testid="reopen-reason">
          <strong>Reopened{row.reopenedAt ? ` ${formatDateTime(row.reopenedAt)} UTC` : ''}:</strong> {row.reopenReason} The earlier decision is kept in the audit trail below.
        </div>
      ) : null}
      <div className="detail-grid">
        <div className="stack">
          <section className="card" aria-labelledby="sides-title">
            <h2 id="sides-title" className="section-title">Side by side</h2>
            <div className="table-wrap">
              <table className="data sides" data-testid="sides">
                <thead>
                  <tr><th scope="col">Field</th>{sides.map((s) => <th key={s.name} scope="col">{s.name} <span className="muted small">({s.kind})</span></th>)}</tr>
                </thead>
                <tbody>
                  {fields.map((f) => {
                    const diff = differs(f);
                    return (
                      <tr key={f.label} className={diff ? 'differs' : undefined}>
                        <th scope="row">{f.label}{diff ? <span className="sr-only"> (differs)</span> : null}</th>
                        {sides.map((s, i) => <td key={s.name} className={!s.present ? 'absent' : undefined}>{s.present || f.label === 'Records with this key' ? f.value(i) : <em className="muted">no record</em>}</td>)}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <div className="raw-rows">
              {sides.map((s, i) => {
                const r = rec(i);
                return r?.raw ? (
                  <details key={s.name}>
                    <summary>Raw {r.eventId ? 'event' : 'row'} from {s.name}</summary>
                    <pre className="raw">{JSON.stringify(JSON.parse(r.raw), null, 2)}</pre>
                  </details>
                ) : null;
              })}
            </div>
          </section>

          <section className="card" aria-labelledby="history-title">
            <h2 id="history-title" className="section-title">Status history</h2>
            {detail.violations.length ? (
              <div className="alert error">
                {detail.violations.map((v, i) => <div key={i}>Impossible progression: {v.reason}{v.fromLine ? ` (lines ${v.fromLine} → ${v.toLine})` : ''}</div>)}
              </div>
            ) : null}
            <table className="data">
              <thead><tr><th scope="col">Source</th><th scope="col">From</th><th scope="col">Received (UTC)</th><th scope="col">Status</th><th scope="col" className="num">Amount</th><th scope="col">Date</th></tr></thead>
              <tbody>
                {d.history.map((h) => (
                  <tr key={h.id}>
                    <td>{sourceName.get(h.sourceId) ?? h.sourceId}</td>
                    <td>{h.ingestion ? `${h.ingestion.fileName ?? h.ingestion.channel}${h.line ? `, line ${h.line}` : ''}` : `webhook ${h.eventId ?? ''}`}</td>
                    <td className="muted">{h.ingestion ? formatDateTime(h.ingestion.createdAt) : '—'}</td>
                    <td>{h.status} <span className="muted small">({h.code})</span></td>
                    <td className="num">{money(h.amountMinor, h.currency)} {h.currency}</td>
                    <td>{h.date ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>

          {ledgerHistory.length ? (
            <section className="card" aria-labelledby="ledger-history-title">
              <h2 id="ledger-history-title" className="section-title">Ledger history</h2>
              <p className="muted small">What each reconciliation pass found for this transaction: the decision stays while the facts stay the same.</p>
              <table className="data" data-testid="ledger-history">
                <thead><tr><th scope="col">When (UTC)</th><th scope="col">Change</th><th scope="col">Facts after the pass</th></tr></thead>
                <tbody>
                  {ledgerHistory.map((h) => (
                    <tr key={h.id}>
                      <td className="muted">{formatDateTime(h.at)}</td>
                      <td>{h.change === 'reopened' ? <span className="pill warn">Reopened</span> : h.change === 'created' ? 'First reconciled' : 'Facts changed'}{h.reason ? <div className="small">{h.reason}</div> : null}</td>
                      <td className="small">{factsText(h.factsAfter)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          ) : null}

          <section className="card" aria-labelledby="audit-title">
            <h2 id="audit-title" className="section-title">Audit trail</h2>
            {d.resolutions.length === 0 ? <p className="muted">No decision yet.</p> : (
              <ol className="timeline" data-testid="audit-trail">
                {d.resolutions.map((r) => (
                  <li key={r.id} className={r.undone ? 'undone' : undefined}>
                    <div><strong>{RESOLUTION_LABELS[r.action as keyof typeof RESOLUTION_LABELS] ?? r.action}</strong>{r.params?.source ? ` (${String(r.params.source)})` : ''} · {r.action === 'reopen' ? 'new data' : r.auto ? 'automatic rule' : (r.who ?? 'system')} · <span className="muted">{formatDateTime(r.when)} UTC</span>{r.undone ? <span className="pill neutral" style={{ marginLeft: 6 }}>undone</span> : null}</div>
                    <div className="muted">{stateInfo(r.before.state).label}{r.before.finalStatus ? ` (${r.before.finalStatus})` : ''} → {stateInfo(r.after.state).label}{r.after.finalStatus ? ` (${r.after.finalStatus} ${r.after.finalAmountMinor !== null ? money(BigInt(r.after.finalAmountMinor), row.finalCurrency ?? row.currency) : ''})` : ''}</div>
                    <div className="reason">“{r.reason}”</div>
                  </li>
                ))}
              </ol>
            )}
            {d.audit.length ? (
              <details style={{ marginTop: 10 }}>
                <summary>Raw audit log ({d.audit.length})</summary>
                <table className="data small">
                  <tbody>
                    {d.audit.map((a) => (
                      <Fragment key={a.id}>
                        <tr><td className="muted" style={{ whiteSpace: 'nowrap' }}>{formatDateTime(a.createdAt)}</td><td>{a.action}</td><td>{a.actorEmail ?? 'system'}</td></tr>
                        <tr><td colSpan={3} className="mono" style={{ overflowWrap: 'anywhere', borderTop: 'none', paddingTop: 0 }}>{a.before ?? ''} → {a.after ?? ''}{a.covers > 1 ? <span className="muted"> (one audit row for the {a.covers.toLocaleString('en-US')} entries settled together; this entry&apos;s line)</span> : null}</td></tr>
                      </Fragment>
                    ))}
                  </tbody>
                </table>
              </details>
            ) : null}
          </section>
        </div>

        <div className="stack">
          <section className="card" aria-labelledby="rec-title">
            <h2 id="rec-title" className="section-title">Recommended action</h2>
            <p><strong>{row.actionLabel || humanAction(row.action)}</strong></p>
            <p className="muted small" style={{ marginTop: 4 }}>
              Rule <code>{row.ruleId ?? 'fallback'}</code> of {d.ruleSet ? `${d.ruleSet.name} v${d.ruleSet.version}` : 'the rule set'}
              {row.ruleId && d.ruleSet?.autoRules.includes(row.ruleId) ? ' · automatic' : ''}
            </p>
            {d.rule?.description ? <p className="muted small" style={{ marginTop: 4 }}>{d.rule.description}</p> : null}
            {detail.corrections.length ? <ul className="plain-list" style={{ marginTop: 8 }}>{detail.corrections.map((c, i) => <li key={i}>{c.op === 'create' ? 'Create' : 'Set'} {c.source} → {c.status}</li>)}</ul> : null}
            {recommendedFinal ? <p className="small" style={{ marginTop: 8 }}>Outcome: {recommendedFinal.status} {money(recommendedFinal.amountMinor, recommendedFinal.currency)} {recommendedFinal.currency}</p> : null}
          </section>

          <section className="card" aria-labelledby="final-title">
            <h2 id="final-title" className="section-title">Reconciled state</h2>
            <p data-testid="final-state">{row.finalStatus ? `${row.finalStatus} · ${money(row.finalAmountMinor ?? 0n, row.finalCurrency ?? row.currency)} ${row.finalCurrency ?? row.currency}` : <span className="muted">Not settled yet: this transaction does not count for ROMI.</span>}</p>
            {d.assignee ? <p className="muted small" style={{ marginTop: 4 }}>Assigned to {d.assignee.email}</p> : null}
          </section>

          <section className="card" aria-labelledby="decide-title">
            <h2 id="decide-title" className="section-title">Decide</h2>
            <ResolvePanel
              id={row.id}
              version={row.version}
              state={row.state}
              recommended={{ action: row.action, label: row.actionLabel || humanAction(row.action), applicable: recommendedFinal !== null }}
              sources={sides.map((s) => ({ name: s.name, present: s.present, summary: s.present ? `${s.status} ${money(BigInt(s.amountMinor ?? '0'), s.currency ?? '')} ${s.currency ?? ''}` : 'no record' }))}
              currency={row.currency}
              canResolve={canResolve}
              canUndo={canUndo}
              assignees={assignees}
              assigneeId={row.assigneeId}
              meId={user.id}
            />
          </section>

          {canEscalate || escalations.length ? (
            <section className="card" aria-labelledby="escalate-title">
              <h2 id="escalate-title" className="section-title">Escalation</h2>
              {escalations.length ? (
                <ul className="plain-list" data-testid="escalations" style={{ marginBottom: 12 }}>
                  {escalations.map((e) => {
                    const st = labelOf(ESCALATION_LABEL, e.state) ?? { label: e.state, tone: 'neutral' as const };
                    const d = e.alert?.deliveries[0];
                    return (
                      <li key={e.id} className="small" style={{ marginBottom: 8 }}>
                        <div><span className={`pill ${st.tone}`}>{st.label}</span> {e.auto ? 'automatic rule' : e.createdByEmail} · <span className="muted">{formatDateTime(e.createdAt)} UTC</span></div>
                        <div className="reason">“{e.reason}”</div>
                        <div className="muted">
                          {d ? <>{labelOf(CHANNEL_LABEL, d.channel) ?? d.channel}: <span className={`pill ${labelOf(DELIVERY_TONE, d.state) ?? 'neutral'}`}>{labelOf(DELIVERY_LABEL, d.state) ?? d.state}</span>{d.state !== 'sent' && d.lastError ? ` ${d.lastError}` : ''}</> : 'No Telegram chat configured: not sent.'}
                        </div>
                        {e.outcome ? <div>{e.outcome}</div> : null}
                      </li>
                    );
                  })}
                </ul>
              ) : null}
              {canEscalate ? <EscalatePanel id={row.id} version={row.version} telegramReady={telegramReady} /> : null}
            </section>
          ) : null}

          <section className="card" aria-labelledby="comments-title">
            <h2 id="comments-title" className="section-title">Comments</h2>
            {d.comments.length ? (
              <ul className="comments">
                {d.comments.map((c) => <li key={c.id}><div className="muted small">{c.authorEmail} · {formatDateTime(c.createdAt)} UTC</div><div>{c.body}</div></li>)}
              </ul>
            ) : <p className="muted">No comments yet.</p>}
            {can(user.role, 'discrepancies:comment') ? <CommentForm id={row.id} /> : null}
          </section>
        </div>
      </div>
    </>
  );
}

/** One line per source: what it said after a pass. */
