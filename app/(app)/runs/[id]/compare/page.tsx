import type { Metadata } from 'next';
import { Link } from '@/components/ui/Link';
import { notFound } from 'next/navigation';
import { PageHeader } from '@/components/ui/PageHeader';
import { formatDateTime } from '@/components/sources/format';
import { requirePage } from '@/lib/auth/guard';
import { compareRuns, getRun } from '@/lib/features/runs';
import { NotFoundError } from '@/lib/server/core/app-error';

export const metadata: Metadata = { title: 'Compare runs' };
export const dynamic = 'force-dynamic';

const KIND: Record<string, { label: string; tone: string }> = {
  new: { label: 'New', tone: 'neutral' },
  gone: { label: 'Gone', tone: 'warn' },
  changed: { label: 'Changed', tone: 'bad' },
};

export default async function ComparePage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ with?: string }> }) {
  const { id } = await params;
  const other = (await searchParams).with ?? '';
  await requirePage('runs:view', `/runs/${id}/compare`);
  const [a, b] = await Promise.all([getRun(other), getRun(id)]);
  if (!a || !b) notFound();
  // Older run first: "what changed since".
  const [from, to] = a.createdAt <= b.createdAt ? [a, b] : [b, a];
  const diff = await compareRuns(from.id, to.id).catch((e: unknown) => {
    if (e instanceof NotFoundError) notFound();
    throw e;
  });
  return (
    <>
      <p style={{ marginBottom: 8 }}><Link href={`/runs/${id}`}>← Run</Link></p>
      <PageHeader title="What changed between two runs" description={`From ${formatDateTime(from.createdAt)} to ${formatDateTime(to.createdAt)} UTC${from.inputsHash === to.inputsHash ? ' · same inputs' : ''}`} />
      <div className="stack">
        <section className="grid-cards" aria-label="Comparison summary">
          <div className="card"><div className="kpi-label">Changed</div><div className="kpi-value" data-testid="cmp-changed">{diff.counts.changed}</div><div className="kpi-note">class, severity, action or state</div></div>
          <div className="card"><div className="kpi-label">New keys</div><div className="kpi-value">{diff.counts.new}</div></div>
          <div className="card"><div className="kpi-label">Gone keys</div><div className="kpi-value">{diff.counts.gone}</div></div>
          <div className="card"><div className="kpi-label">Unchanged</div><div className="kpi-value">{diff.counts.unchanged}</div></div>
        </section>
        <section className="card">
          {diff.changes.length === 0 ? (
            <p className="muted">Nothing changed: every key has the same class, severity, action and state in both runs.</p>
          ) : (
            <div className="table-wrap">
              <table className="data">
                <thead><tr><th scope="col">Key</th><th scope="col">Change</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
                <tbody>
                  {diff.changes.map((c) => (
                    <tr key={`${c.kind}:${c.key}`}>
                      <td className="mono">{c.key}</td>
                      <td><span className={`pill ${KIND[c.kind]!.tone}`}>{KIND[c.kind]!.label}</span>{c.fields.length ? <span className="muted"> {c.fields.join(', ')}</span> : null}</td>
                      <td className="muted">{c.before ? `${c.before.cls} · ${c.before.severity} · ${c.before.action.replaceAll('_', ' ')} · ${c.before.state.replace('_', ' ')}` : '—'}</td>
                      <td>{c.after ? `${c.after.cls} · ${c.after.severity} · ${c.after.action.replaceAll('_', ' ')} · ${c.after.state.replace('_', ' ')}` : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {diff.truncated ? <p className="muted" style={{ marginTop: 8 }}>Showing the first {diff.changes.length} changes.</p> : null}
            </div>
          )}
        </section>
      </div>
    </>
  );
}
