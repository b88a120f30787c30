import type { DiscrepancyQuery } from '@/lib/features/review/discrepancies';
import { CLASS_LABELS, REASON_LABELS } from '@/lib/domain/discrepancies';
import { REVIEW_STATE_INFO } from '@/lib/domain/review';

/**
 * The table's filters as a plain GET form: the URL holds the whole view, so a filtered table is a
 * link to share, and it works before JavaScript loads.
 */
export function Filters({ query, runId, sources, assignees }: { query: DiscrepancyQuery; runId: string; sources: string[]; assignees: { id: string; email: string }[] }) {
  const cls = query.cls.includes('all') ? 'all' : query.cls.join(',');
  return (
    <form className="card filters" method="get" action="/discrepancies" aria-label="Filters">
      <input type="hidden" name="run" value={runId} />
      <input type="hidden" name="sort" value={query.sort} />
      <input type="hidden" name="dir" value={query.dir} />
      <input type="hidden" name="size" value={query.size} />
      <div className="filter-grid">
        <div className="field">
          <label htmlFor="f-q">Key</label>
          <input id="f-q" name="q" type="search" placeholder="e.g. TX1010" defaultValue={query.q ?? ''} />
        </div>
        <div className="field">
          <label htmlFor="f-severity">Severity</label>
          <select id="f-severity" name="severity" defaultValue={query.severity.join(',')}>
            <option value="">Any</option>
            <option value="critical">Critical</option>
            <option value="warning">Warning</option>
            <option value="info">Info</option>
            <option value="critical,warning">Critical or warning</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-cls">Class</label>
          <select id="f-cls" name="cls" defaultValue={cls}>
            <option value="">Needing attention</option>
            {Object.entries(CLASS_LABELS).map(([v, l]) => <option key={v} value={v}>{l}</option>)}
            <option value="all">Every class</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-reason">Reason</label>
          <select id="f-reason" name="reason" defaultValue={query.reason ?? ''}>
            <option value="">Any</option>
            {Object.entries(REASON_LABELS).map(([v, l]) => <option key={v} value={v}>{l}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-state">Resolution state</label>
          <select id="f-state" name="state" defaultValue={query.state.join(',')}>
            <option value="">Any</option>
            <option value="open,in_review,escalated">Needs a person</option>
            {Object.entries(REVIEW_STATE_INFO).map(([v, l]) => <option key={v} value={v}>{l.label}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-source">Missing or duplicated in</label>
          <select id="f-source" name="source" defaultValue={query.source ?? ''}>
            <option value="">Any source</option>
            {sources.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-status">A source says</label>
          <select id="f-status" name="status" defaultValue={query.status ?? ''}>
            <option value="">Any status</option>
            {['Pending', 'Authorized', 'Paid', 'Failed', 'Refunded', 'Cancelled', 'Unknown'].map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-assignee">Assignee</label>
          <select id="f-assignee" name="assignee" defaultValue={query.assignee ?? ''}>
            <option value="">Anyone</option>
            <option value="me">Me</option>
            <option value="none">Unassigned</option>
            {assignees.map((a) => <option key={a.id} value={a.id}>{a.email}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-min">Amount from</label>
          <input id="f-min" name="min" type="text" inputMode="decimal" placeholder="0.00" defaultValue={query.min ?? ''} />
        </div>
        <div className="field">
          <label htmlFor="f-max">Amount to</label>
          <input id="f-max" name="max" type="text" inputMode="decimal" placeholder="any" defaultValue={query.max ?? ''} />
        </div>
        <div className="field">
          <label htmlFor="f-from">Date from</label>
          <input id="f-from" name="from" type="date" defaultValue={query.from ?? ''} />
        </div>
        <div className="field">
          <label htmlFor="f-to">Date to</label>
          <input id="f-to" name="to" type="date" defaultValue={query.to ?? ''} />
        </div>
      </div>
      {query.action ? <input type="hidden" name="action" value={query.action} /> : null}
      <div className="row-actions">
        <button className="button" type="submit">Apply filters</button>
        <a className="button secondary" href={`/discrepancies?run=${runId}`}>Reset</a>
        {query.action ? <span className="pill neutral">Recommended: {query.action.replaceAll('_', ' ')}</span> : null}
      </div>
    </form>
  );
}
