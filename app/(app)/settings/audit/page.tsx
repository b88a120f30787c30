import type { Metadata } from 'next';
import { Link } from '@/components/ui/Link';
import { PageHeader } from '@/components/ui/PageHeader';
import { requirePage } from '@/lib/auth/guard';
import { settlementLines } from '@/lib/features/review/settlement-audit';
import { AUDIT_PAGE_SIZE, auditActions, auditFilterSchema, queryAudit } from '@/lib/features/audit/query-audit';

export const metadata: Metadata = { title: 'Audit log' };

const time = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' });

function change(action: string, before: string | null, after: string | null): string {
  const settled = settlementLines(action, after);
  if (settled) {
    const rules = Object.entries(settled.rules).map(([rule, n]) => `${rule} ${n.toLocaleString('en-US')}`).join(', ');
    const keys = settled.lines.slice(0, 3).map((l) => l.key).join(', ');
    return `${settled.count.toLocaleString('en-US')} entries open → resolved by automatic rules (${rules}): ${keys}${settled.count > 3 ? ', …' : ''} (every entry in the CSV export)`;
  }
  const parts = [before ? `before ${before}` : '', after ? `after ${after}` : ''].filter(Boolean);
  const text = parts.join(' → ');
  return text.length > 220 ? `${text.slice(0, 220)}…` : text;
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requirePage('audit:view', '/settings/audit');
  const raw = await searchParams;
  const filter = auditFilterSchema.parse(Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])));
  const [{ rows, hasMore }, actions] = await Promise.all([queryAudit(filter), auditActions()]);
  const params = new URLSearchParams(Object.entries(filter).filter(([k, v]) => k !== 'page' && v).map(([k, v]) => [k, String(v)]));
  const pageHref = (page: number) => `/settings/audit?${new URLSearchParams([...params, ['page', String(page)]])}`;

  return (
    <>
      <p style={{ marginBottom: 8 }}><Link href="/settings">← Settings</Link></p>
      <PageHeader
        title="Audit log"
        description="Every sign-in, denial, export and change, append-only. Times in UTC."
        actions={<a className="button secondary" href={`/api/audit?${params}`}>Export CSV</a>}
      />
      <form className="card" method="get" aria-label="Audit filters" style={{ marginBottom: 16 }}>
        <div className="form-row">
          <div className="field">
            <label htmlFor="f-action">Action</label>
            <select id="f-action" name="action" defaultValue={filter.action ?? ''}>
              <option value="">Any</option>
              {actions.map((a) => (
                <option key={a} value={a}>{a}</option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="f-actor">Actor e-mail starts with</label>
            <input id="f-actor" name="actor" type="text" defaultValue={filter.actor ?? ''} />
          </div>
          <div className="field">
            <label htmlFor="f-entity">Entity type or id</label>
            <input id="f-entity" name="entity" type="text" defaultValue={filter.entity ?? ''} placeholder="e.g. Ingestion" />
          </div>
          <div className="field">
            <label htmlFor="f-from">From</label>
            <input id="f-from" name="from" type="date" defaultValue={filter.from ?? ''} />
          </div>
          <div className="field">
            <label htmlFor="f-to">To</label>
            <input id="f-to" name="to" type="date" defaultValue={filter.to ?? ''} />
          </div>
          <div className="field">
            <button className="button" type="submit">Filter</button>
          </div>
        </div>
      </form>
      <section className="card">
        <div className="table-wrap">
          <table className="data" data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">When (UTC)</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Entity</th>
                <th scope="col">Change</th>
                <th scope="col">IP</th>
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 ? (
                <tr><td colSpan={6} className="muted">Nothing matches these filters.</td></tr>
              ) : (
                rows.map((r) => (
                  <tr key={r.id}>
                    <td className="muted" style={{ whiteSpace: 'nowrap' }}>{time.format(r.createdAt)}</td>
                    <td>{r.actorEmail ?? <span className="muted">system</span>}</td>
                    <td><code>{r.action}</code></td>
                    <td>{r.entityType}{r.entityId ? <span className="muted"> · <code>{r.entityId.slice(0, 14)}</code></span> : null}</td>
                    <td className="muted" style={{ fontSize: 12.5, maxWidth: 420, overflowWrap: 'anywhere' }}>{change(r.action, r.before, r.after)}</td>
                    <td className="muted">{r.ip ?? ''}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
        <div className="row-actions" style={{ justifyContent: 'flex-end', marginTop: 12 }}>
          <span className="muted">Page {filter.page} · {AUDIT_PAGE_SIZE} a page</span>
          {filter.page > 1 ? <Link className="button secondary" href={pageHref(filter.page - 1)}>Previous</Link> : null}
          {hasMore ? <Link className="button secondary" href={pageHref(filter.page + 1)}>Next</Link> : null}
        </div>
      </section>
    </>
  );
}
