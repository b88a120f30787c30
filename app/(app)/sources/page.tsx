import type { Metadata } from 'next';
import { Link } from '@/components/ui/Link';
import { CreateSourceForm } from '@/components/sources/CreateSourceForm';
import { ManualSpendForm } from '@/components/sources/ManualSpendForm';
import { EmptyState } from '@/components/ui/EmptyState';
import { PageHeader } from '@/components/ui/PageHeader';
import { requirePage } from '@/lib/auth/guard';
import { can } from '@/lib/domain/permissions';
import { listSources } from '@/lib/features/ingestion/sources';
import { PRESETS } from '@/lib/features/ingestion/presets';
import { formatDateTime, KIND_LABELS } from '@/components/sources/format';

export const metadata: Metadata = { title: 'Sources' };

export default async function SourcesPage() {
  const user = await requirePage('sources:view', '/sources');
  const sources = await listSources();
  const presets = PRESETS.map((p) => ({ id: p.id, label: p.label, kind: p.kind, description: p.description }));
  return (
    <>
      <PageHeader title="Sources" description="The systems Paidline reads payment statuses from, each with a versioned profile." actions={<Link href="/sources/channels" className="button secondary">Channels</Link>} />
      {sources.length === 0 ? (
        <EmptyState
          title="No sources yet"
          message="A source is one system: a payment gateway, a bank account, a CRM, an ERP or an ad platform. Its profile maps columns and status codes to Paidline's glossary."
          steps={[
            { title: 'Add a source', detail: 'Choose its kind and, if you know it, the export format (Stripe, PayPal, Adyen, a bank statement…).' },
            { title: 'Upload an export', detail: 'CSV, XLSX or JSON; check the suggested mapping before ingesting.' },
          ]}
        />
      ) : (
        <section className="card" aria-labelledby="sources-title">
          <h2 id="sources-title" style={{ marginBottom: 12 }}>Connected systems</h2>
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">Source</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Profile</th>
                  <th scope="col">Ingestions</th>
                  <th scope="col" className="num">Records</th>
                  <th scope="col">Last ingested (UTC)</th>
                </tr>
              </thead>
              <tbody>
                {sources.map((s) => (
                  <tr key={s.id}>
                    <td><Link href={`/sources/${s.id}`}>{s.name}</Link></td>
                    <td>{KIND_LABELS[s.kind] ?? s.kind}</td>
                    <td>{s.currentVersion ? `v${s.currentVersion}` : <span className="muted">not mapped yet</span>}{s.presetId ? <span className="muted"> · {PRESETS.find((p) => p.id === s.presetId)?.label ?? s.presetId}</span> : null}</td>
                    <td>{s.committedIngestions}</td>
                    <td className="num">{s.records.toLocaleString('en-US')}</td>
                    <td className="muted">{s.lastIngestedAt ? formatDateTime(s.lastIngestedAt) : 'Never'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      {can(user.role, 'sources:manage') ? (
        <section className="card" aria-labelledby="new-source-title">
          <h2 id="new-source-title" style={{ marginBottom: 4 }}>Add a source</h2>
          <p className="muted" style={{ marginBottom: 14 }}>Name the system as your team knows it. You upload its exports on the next page.</p>
          <CreateSourceForm presets={presets} />
        </section>
      ) : null}
      {can(user.role, 'data:upload') ? (
        <section className="card" aria-labelledby="manual-spend-title">
          <h2 id="manual-spend-title" style={{ marginBottom: 4 }}>Record spend by hand</h2>
          <p className="muted" style={{ marginBottom: 14 }}>
            For marketing spend with no export to upload (a sponsorship, an event, print). It is stored under the “Manual spend” source, audited, and counted in ROMI.
          </p>
          <ManualSpendForm />
        </section>
      ) : null}
    </>
  );
}
