import type { Metadata } from 'next';
import { Link } from '@/components/ui/Link';
import { notFound } from 'next/navigation';
import { PageHeader } from '@/components/ui/PageHeader';
import { UploadPanel } from '@/components/sources/UploadPanel';
import { formatDateTime, KIND_LABELS, STATUS_LABELS } from '@/components/sources/format';
import { ProfileEditor } from '@/components/sources/ProfileEditor';
import { ReprocessButton } from '@/components/sources/ReprocessButton';
import { PendingDecision } from '@/components/sources/PendingDecision';
import { SourceSettings } from '@/components/sources/SourceSettings';
import { sourceDependents } from '@/lib/features/ingestion/manage-source';
import { requirePage } from '@/lib/auth/guard';
import { can } from '@/lib/domain/permissions';
import { currentProfileVersion, getSource, listProfileVersions } from '@/lib/features/ingestion/sources';
import { listIngestions } from '@/lib/features/ingestion/ingestion-queries';
import { maxUploadBytes } from '@/lib/features/ingestion/upload-limits';
import { getPrisma } from '@/lib/server/db/client';
import { PRESETS } from '@/lib/features/ingestion/presets';
import { ConnectionsPanel } from '@/components/sources/ConnectionsPanel';
import { getConnectorSettings } from '@/lib/features/ingestion/connectors/run-pull';
import { webhookSecretCount } from '@/lib/features/ingestion/webhooks/webhook-secrets';

export const metadata: Metadata = { title: 'Source' };

export default async function SourcePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requirePage('sources:view', `/sources/${id}`);
  const source = await getSource(id);
  if (!source || source.archivedAt) notFound();
  const deps = can(user.role, 'sources:manage') ? await sourceDependents(source.id) : null;
  const [current, versions, ingestions, drift, connector, secrets] = await Promise.all([
    currentProfileVersion(id),
    listProfileVersions(id),
    listIngestions(id),
    getPrisma().driftEvent.findMany({ where: { sourceId: id }, orderBy: { createdAt: 'desc' }, take: 20, include: { profileVersion: { select: { version: true } } } }),
    getConnectorSettings(id).catch(() => null),
    webhookSecretCount(id),
  ]);
  const preset = current?.presetId ? PRESETS.find((p) => p.id === current.presetId) : null;
  const cols = current?.profile.columns;

  return (
    <>
      <p style={{ marginBottom: 8 }}><Link href="/sources">← Sources</Link></p>
      <PageHeader title={source.name} description={`${KIND_LABELS[source.kind] ?? source.kind}${source.description ? ` · ${source.description}` : ''}`} />
      <div className="stack">
        <section className="card" aria-labelledby="profile-title">
          <h2 id="profile-title" className="section-title">Profile</h2>
          {current && cols ? (
            <dl className="meta-grid">
              <div><dt>Version</dt><dd data-testid="profile-version">v{current.version}{preset ? ` · ${preset.label}` : ''}</dd></div>
              <div><dt>Transaction id</dt><dd><code>{cols.id}</code></dd></div>
              <div><dt>Status</dt><dd>{cols.status ? <code>{cols.status}</code> : '—'}</dd></div>
              <div><dt>Amount</dt><dd><code>{cols.amount ?? [cols.debit, cols.credit].filter(Boolean).join(' / ')}</code> ({current.profile.amount.units} units)</dd></div>
              <div><dt>Date</dt><dd>{cols.date ? <><code>{cols.date}</code> ({current.profile.date.format}, {current.profile.date.timeZone})</> : '—'}</dd></div>
              <div><dt>Currency</dt><dd>{cols.currency ? <code>{cols.currency}</code> : current.profile.currency ?? '—'}</dd></div>
              <div><dt>Last ingested</dt><dd>{source.lastIngestedAt ? `${formatDateTime(source.lastIngestedAt)} UTC` : 'Never'}</dd></div>
            </dl>
          ) : (
            <p className="muted">No profile yet: the first upload suggests one from the file&apos;s columns, and you confirm it.</p>
          )}
          {current && can(user.role, 'sources:manage') ? <ProfileEditor sourceId={source.id} /> : null}
          {versions.length > 1 ? (
            <p className="muted" style={{ marginTop: 10 }}>
              Earlier versions: {versions.slice(1).map((v) => `v${v.version} (${formatDateTime(v.createdAt)})`).join(', ')}. Every ingestion records the version it used.
            </p>
          ) : null}
        </section>

        {can(user.role, 'data:upload') ? <UploadPanel sourceId={source.id} sourceName={source.name} maxUploadBytes={maxUploadBytes()} /> : null}
        {deps ? (
          <section className="card" aria-labelledby="source-settings-title">
            <h2 id="source-settings-title" className="section-title">Name and removal</h2>
            <SourceSettings
              id={source.id}
              name={source.name}
              description={source.description}
              deletable={deps.records === 0 && deps.reconciliations.length === 0}
              blockers={[deps.records ? `${deps.records.toLocaleString('en-US')} record${deps.records === 1 ? '' : 's'}` : null, deps.reconciliations.length ? `the reconciliation${deps.reconciliations.length > 1 ? 's' : ''} ${deps.reconciliations.join(', ')}` : null].filter(Boolean).join(' and ')}
            />
          </section>
        ) : null}

        <ConnectionsPanel
          sourceId={source.id}
          webhookUrl={`/api/webhooks/${source.id}`}
          secretCount={secrets}
          canManage={can(user.role, 'sources:manage')}
          canPull={can(user.role, 'data:upload')}
          connector={
            connector
              ? {
                  url: connector.config.url,
                  auth: connector.config.auth,
                  recordsPath: connector.config.recordsPath,
                  pagination: connector.config.pagination as never,
                  incremental: connector.config.incremental ? { param: connector.config.incremental.param, field: connector.config.incremental.field, format: connector.config.incremental.format } : undefined,
                  onInvalid: connector.config.onInvalid,
                  schedule: connector.schedule,
                  hasCredentials: connector.hasCredentials,
                  lastPulledAt: connector.lastPulledAt?.toISOString() ?? null,
                }
              : null
          }
        />

        <section className="card" aria-labelledby="ingestions-title">
          <h2 id="ingestions-title" className="section-title">Ingestions</h2>
          {ingestions.length === 0 ? (
            <p className="muted">Nothing ingested yet.</p>
          ) : (
            <div className="table-wrap">
              <table className="data" data-testid="ingestions-table">
                <thead>
                  <tr>
                    <th scope="col">When (UTC)</th>
                    <th scope="col">File</th>
                    <th scope="col">State</th>
                    <th scope="col" className="num">Rows</th>
                    <th scope="col" className="num">Invalid</th>
                    <th scope="col">Profile</th>
                    <th scope="col">SHA-256</th>
                  </tr>
                </thead>
                <tbody>
                  {ingestions.map((i) => {
                    const label = STATUS_LABELS[i.status] ?? { label: i.status, tone: 'neutral' as const };
                    return (
                      <tr key={i.id}>
                        <td className="muted">{formatDateTime(i.createdAt)}</td>
                        <td>{i.fileName ?? i.channel}</td>
                        <td>
                          <span className={`pill ${label.tone}`} title={i.message ?? undefined}>{label.label}</span>
                          {can(user.role, 'data:upload') && (i.status === 'needs_decision' || i.status === 'staged') ? <PendingDecision ingestionId={i.id} status={i.status} rowsInvalid={i.rowsInvalid} /> : null}
                        </td>
                        <td className="num">{i.rowsValid.toLocaleString('en-US')}</td>
                        <td className="num">{i.rowsInvalid ? <a href={`/api/ingestions/${i.id}/errors`}>{i.rowsInvalid}</a> : 0}</td>
                        <td>
                          {i.version ? `v${i.version}` : '—'}
                          {current && i.status === 'committed' && i.channel === 'upload' && i.version !== null && i.version < current.version && can(user.role, 'data:upload') ? <ReprocessButton ingestionId={i.id} fileName={i.fileName} version={current.version} /> : null}
                        </td>
                        <td><code title={i.fileSha256 ?? undefined}>{i.fileSha256?.slice(0, 10) ?? '—'}</code></td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </section>

        {drift.length ? (
          <section className="card" aria-labelledby="drift-title">
            <h2 id="drift-title" className="section-title">Schema drift</h2>
            {drift.map((d) => (
              <div className="finding" key={d.id}>
                <span className={`pill ${d.severity === 'blocking' ? 'bad' : 'warn'}`}>{d.severity === 'blocking' ? 'Blocked' : 'Warning'}</span>
                <div>
                  <div>{d.message}</div>
                  <div className="muted" style={{ fontSize: 12.5 }}>{formatDateTime(d.createdAt)} UTC · against profile v{d.profileVersion.version}</div>
                </div>
              </div>
            ))}
          </section>
        ) : null}
      </div>
    </>
  );
}
