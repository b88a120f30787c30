'use client';

import { Link } from '@/components/ui/Link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useMemo, useState, useTransition } from 'react';
import {
  columnVisibilityFeature,
  createColumnHelper,
  rowPaginationFeature,
  rowSelectionFeature,
  rowSortingFeature,
  tableFeatures,
  useTable,
  type ColumnVisibilityState,
  type PaginationState,
  type RowSelectionState,
  type SortingState,
  type Updater,
} from '@tanstack/react-table';
import type { DiscrepancyRow } from '@/lib/features/review/discrepancies';
import { bulkResolveAction } from '@/app/(app)/discrepancies/actions';
import { ConfirmDialog } from '@/components/ui/ConfirmDialog';
import { useToast } from '@/components/ui/Toasts';

const BULK_LABELS: Record<string, string> = {
  apply_recommended: 'Apply the recommended action',
  accept_source: 'Accept one source\'s value',
  timing_difference: 'Mark as timing difference',
  write_off: 'Write off',
  escalate: 'Escalate',
};
import { ageLabel, classLabel, humanAction, reasonLabel, severityTone, stateInfo } from './format';
import { isOpenReviewState } from '@/lib/domain/review';

const features = tableFeatures({ rowSortingFeature, rowPaginationFeature, rowSelectionFeature, columnVisibilityFeature });
const helper = createColumnHelper<typeof features, DiscrepancyRow>();

/** Column id -> the server's sort field. */
const SORT_FIELD: Record<string, string> = { key: 'key', cls: 'class', severity: 'severity', amount: 'amount', amountDiff: 'diff', date: 'date', state: 'state', action: 'action' };

function apply<T>(updater: Updater<T>, old: T): T {
  return typeof updater === 'function' ? (updater as (o: T) => T)(old) : updater;
}


export function DiscrepancyTable({
  rows,
  total,
  capped = false,
  page,
  size,
  sort,
  dir,
  canResolve,
  exportHref,
}: {
  rows: DiscrepancyRow[];
  total: number;
  /** The count stopped at the cap: total is a lower bound. */
  capped?: boolean;
  page: number;
  size: number;
  sort: string;
  dir: 'asc' | 'desc';
  canResolve: boolean;
  exportHref: string;
}) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [pending, startTransition] = useTransition();
  const [rowSelection, setRowSelection] = useState<RowSelectionState>({});
  const [columnVisibility, setColumnVisibility] = useState<ColumnVisibilityState>({ date: false, assignee: false, final: false });
  const toast = useToast();
  const [bulk, setBulk] = useState<{ action: string; reason: string; source: string }>({ action: 'apply_recommended', reason: '', source: '' });
  const [message, setMessage] = useState<{ tone: 'error' | 'success'; text: string } | null>(null);

  const navigate = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params.toString());
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === '') next.delete(k);
      else next.set(k, v);
    }
    setRowSelection({});
    startTransition(() => router.push(`${pathname}?${next.toString()}`, { scroll: false }));
  };

  const sorting: SortingState = useMemo(() => {
    const id = Object.entries(SORT_FIELD).find(([, f]) => f === sort)?.[0] ?? 'severity';
    return [{ id, desc: dir === 'desc' }];
  }, [sort, dir]);
  const pagination: PaginationState = useMemo(() => ({ pageIndex: page - 1, pageSize: size }), [page, size]);

  const columns = useMemo(
    () =>
      helper.columns([
        helper.display({
          id: 'select',
          enableSorting: false,
          enableHiding: false,
          header: ({ table }) =>
            canResolve ? (
              <input type="checkbox" aria-label="Select every row on this page" checked={table.getIsAllPageRowsSelected()} onChange={() => table.toggleAllPageRowsSelected()} />
            ) : null,
          cell: ({ row }) =>
            canResolve ? (
              <input type="checkbox" aria-label={`Select ${row.original.key}`} checked={row.getIsSelected()} disabled={!row.getCanSelect()} onChange={() => row.toggleSelected()} />
            ) : null,
        }),
        helper.accessor('key', {
          header: 'Key',
          enableHiding: false,
          cell: (c) => <Link className="mono" href={`/discrepancies/${c.row.original.id}`}>{c.getValue()}</Link>,
        }),
        helper.accessor('severity', { header: 'Severity', cell: (c) => <span className={`pill ${severityTone(c.getValue())}`}>{c.getValue()}</span> }),
        helper.accessor('cls', {
          header: 'Class',
          cell: (c) => (
            <>
              {classLabel(c.getValue())}
              <div className="muted small">
                {c.row.original.missingIn.length ? `not in ${c.row.original.missingIn.join(', ')}` : c.row.original.reasons.map(reasonLabel).join(', ')}
              </div>
            </>
          ),
        }),
        helper.display({
          id: 'statuses',
          header: 'Statuses',
          enableSorting: false,
          cell: ({ row }) => (
            <span className="statuses">
              {row.original.statuses.map((s) => (
                <span key={s.source}><span className="muted">{s.source}</span> {s.status === '-' ? '—' : s.status}</span>
              ))}
            </span>
          ),
        }),
        helper.accessor('amount', {
          header: 'Amount',
          meta: { num: true },
          cell: (c) =>
            c.row.original.amounts.length > 1 ? (
              <span className="amounts-by-source" data-testid="amounts-by-source">
                {c.row.original.amounts.map((a) => <span key={a.source}><span className="muted">{a.source}</span> {a.amount}</span>)}
                <span className="muted small">{c.row.original.currency}</span>
              </span>
            ) : `${c.getValue()} ${c.row.original.currency}`,
        }),
        helper.accessor('amountDiff', { header: 'Difference', meta: { num: true }, cell: (c) => c.getValue() || '—' }),
        helper.accessor('date', { header: 'Date', cell: (c) => c.getValue() ?? '—' }),
        helper.accessor('ageDays', { id: 'age', header: 'Age', enableSorting: false, cell: (c) => ageLabel(c.getValue()) }),
        helper.accessor('action', { header: 'Recommended', cell: (c) => <span title={c.row.original.actionLabel}>{humanAction(c.getValue())}</span> }),
        helper.accessor('state', {
          header: 'State',
          cell: (c) => (
            <>
              <span className={`pill ${stateInfo(c.getValue()).tone}`}>{stateInfo(c.getValue()).label}</span>
              {c.row.original.reopenReason ? <div className="small warn-text" title={c.row.original.reopenReason} data-testid="reopened-marker">Reopened by new data</div> : null}
            </>
          ),
        }),
        helper.accessor('assignee', { header: 'Assignee', enableSorting: false, cell: (c) => c.getValue() ?? '—' }),
        helper.accessor('final', { header: 'Reconciled', enableSorting: false, cell: (c) => c.getValue() ?? '—' }),
      ]),
    [canResolve],
  );

  const table = useTable({
    features,
    columns,
    data: rows,
    getRowId: (r) => String(r.id),
    enableRowSelection: (row) => canResolve && isOpenReviewState(row.original.state),
    manualSorting: true,
    manualPagination: true,
    // Past the count cap there is always a next page to offer.
    rowCount: capped ? Math.max(total, page * size + 1) : total,
    state: { sorting, pagination, rowSelection, columnVisibility },
    onSortingChange: (u) => {
      const next = apply(u, sorting)[0];
      if (!next) navigate({ sort: null, dir: null, page: null });
      else navigate({ sort: SORT_FIELD[next.id] ?? null, dir: next.desc ? 'desc' : 'asc', page: null });
    },
    onPaginationChange: (u) => {
      const next = apply(u, pagination);
      navigate({ page: next.pageIndex ? String(next.pageIndex + 1) : null, size: String(next.pageSize) });
    },
    onRowSelectionChange: setRowSelection,
    onColumnVisibilityChange: setColumnVisibility,
  });

  const selected = rows.filter((r) => rowSelection[String(r.id)]);
  const pages = Math.max(1, Math.ceil(total / size));

  async function runBulk() {
    setMessage(null);
    const res = await bulkResolveAction(
      selected.map((r) => ({ id: r.id, version: r.version })),
      { action: bulk.action as never, reason: bulk.reason, ...(bulk.action === 'accept_source' ? { source: bulk.source } : {}) },
    );
    if (!res.ok) {
      setMessage({ tone: 'error', text: res.error });
      toast({ tone: 'error', title: 'Nothing was resolved', description: res.error });
    } else {
      const n = res.data.resolved;
      toast({ tone: 'success', title: `${n.toLocaleString('en-US')} discrepanc${n === 1 ? 'y' : 'ies'} resolved`, description: 'Each decision is in the audit trail and can be undone from its row for a while.' });
      setRowSelection({});
      setBulk((b) => ({ ...b, reason: '' }));
      router.refresh();
    }
  }
  const sources = rows[0]?.statuses.map((s) => s.source) ?? [];

  return (
    <section className="card table-card" aria-labelledby="table-title" aria-busy={pending}>
      <div className="table-toolbar">
        <h2 id="table-title">{total.toLocaleString('en-US')}{capped ? '+' : ''} row{total === 1 && !capped ? '' : 's'}</h2>
        <div className="row-actions">
          <details className="menu">
            <summary className="button secondary small">Columns</summary>
            <div className="menu-panel">
              {table.getAllLeafColumns().filter((c) => c.getCanHide()).map((c) => (
                <label key={c.id} className="check">
                  <input type="checkbox" checked={c.getIsVisible()} onChange={c.getToggleVisibilityHandler()} />
                  {typeof c.columnDef.header === 'string' ? c.columnDef.header : c.id}
                </label>
              ))}
            </div>
          </details>
          <a className="button secondary small" href={exportHref} data-testid="export-csv">Export CSV</a>
        </div>
      </div>

      {message ? <div className={`alert ${message.tone}`} role="status">{message.text}</div> : null}

      {canResolve && selected.length ? (
        <div className="bulk-bar" data-testid="bulk-bar">
          <strong>{selected.length} selected</strong>
          <label className="sr-only" htmlFor="bulk-action">Resolution for the selected rows</label>
          <select id="bulk-action" value={bulk.action} onChange={(e) => setBulk({ ...bulk, action: e.target.value })}>
            <option value="apply_recommended">Apply the recommended action</option>
            <option value="accept_source">Accept one source&apos;s value</option>
            <option value="timing_difference">Mark as timing difference</option>
            <option value="write_off">Write off</option>
            <option value="escalate">Escalate</option>
          </select>
          {bulk.action === 'accept_source' ? (
            <>
              <label className="sr-only" htmlFor="bulk-source">Source to accept</label>
              <select id="bulk-source" value={bulk.source} onChange={(e) => setBulk({ ...bulk, source: e.target.value })}>
                <option value="">Choose the source…</option>
                {sources.map((s) => <option key={s} value={s}>{s}</option>)}
              </select>
            </>
          ) : null}
          <label className="sr-only" htmlFor="bulk-reason">Reason (required)</label>
          <input id="bulk-reason" type="text" placeholder="Reason (required, goes into the audit trail)" value={bulk.reason} onChange={(e) => setBulk({ ...bulk, reason: e.target.value })} />
          <ConfirmDialog
            trigger={<button className="button" type="button" disabled={bulk.reason.trim().length < 3}>Resolve selected</button>}
            disabled={bulk.reason.trim().length < 3}
            title={`Resolve ${selected.length.toLocaleString('en-US')} discrepanc${selected.length === 1 ? 'y' : 'ies'}?`}
            description={<>
              <p>{BULK_LABELS[bulk.action] ?? bulk.action}{bulk.action === 'accept_source' && bulk.source ? `: ${bulk.source}` : ''}, with the reason “{bulk.reason.trim()}”.</p>
              <p>All of them or none: if one changed meanwhile, nothing is resolved. Each decision is written to the audit trail.</p>
            </>}
            confirmLabel={`Resolve ${selected.length.toLocaleString('en-US')}`}
            onConfirm={runBulk}
          />
          <button className="button secondary" type="button" onClick={() => setRowSelection({})}>Clear</button>
        </div>
      ) : null}

      <div className="table-wrap">
        <table className="data discrepancies" data-testid="discrepancy-table">
          <thead>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => {
                  const sorted = header.column.getIsSorted();
                  const num = (header.column.columnDef.meta as { num?: boolean } | undefined)?.num;
                  return (
                    <th key={header.id} scope="col" className={num ? 'num' : undefined} aria-sort={sorted ? (sorted === 'desc' ? 'descending' : 'ascending') : undefined}>
                      {header.isPlaceholder ? null : header.column.getCanSort() ? (
                        <button type="button" className="sort-button" onClick={header.column.getToggleSortingHandler()}>
                          <table.FlexRender header={header} />
                          <span aria-hidden="true" className="sort-mark">{sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : '↕'}</span>
                        </button>
                      ) : (
                        <table.FlexRender header={header} />
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {table.getRowModel().rows.length === 0 ? (
              <tr><td colSpan={table.getVisibleLeafColumns().length} className="muted empty-row">No discrepancy matches these filters.</td></tr>
            ) : (
              table.getRowModel().rows.map((row) => (
                <tr key={row.id} className={row.getIsSelected() ? 'selected' : undefined} data-key={row.original.key}>
                  {row.getVisibleCells().map((cell) => {
                    const num = (cell.column.columnDef.meta as { num?: boolean } | undefined)?.num;
                    return (
                      <td key={cell.id} className={num ? 'num' : undefined}>
                        <table.FlexRender cell={cell} />
                      </td>
                    );
                  })}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>

      <nav className="pager" aria-label="Pages">
        <span className="muted">Page {page} of {pages.toLocaleString('en-US')}{capped ? '+' : ''}</span>
        <div className="row-actions">
          <label className="muted small" htmlFor="page-size">Rows per page</label>
          <select id="page-size" value={size} onChange={(e) => table.setPageSize(Number(e.target.value))}>
            {[25, 50, 100, 200].map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
          <button className="button secondary small" type="button" disabled={!table.getCanPreviousPage()} onClick={() => table.previousPage()}>Previous</button>
          <button className="button secondary small" type="button" disabled={!table.getCanNextPage()} onClick={() => table.nextPage()}>Next</button>
        </div>
      </nav>
    </section>
  );
}
