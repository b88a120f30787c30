'use client';

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useRouter } from 'next/navigation';
import { CANONICAL_STATUSES, DEFAULT_GLOSSARY, glossaryKey } from '@/lib/reconcile/glossary';
import { dayMonthOrder, withDayMonthOrder } from '@/lib/reconcile/dates';
import { extractId, isValidPattern } from '@/lib/reconcile/id-pattern';
import type { IngestProfileInput } from '@/lib/features/ingestion/profile';
import type { IngestionPreview } from '@/lib/features/ingestion/preview-ingestion';
import type { StartResult } from '@/lib/features/ingestion/process-ingestion';
import { cancelIngestionAction, columnValuesAction, decideIngestionAction, previewIngestionAction, startIngestionAction } from '@/app/(app)/sources/actions';
import { formatBytes, STATUS_LABELS } from './format';

type Staged = { ingestionId: string; sha256: string; size: number; duplicateOf: { id: string; createdAt: string; rowsValid: number; fileName: string | null } | null };
type Status = {
  id: string; status: string; rowsTotal: number; rowsValid: number; rowsInvalid: number; bytesTotal: number; bytesProcessed: number;
  message: string | null; version: number | null; drift: { kind: string; severity: string; message: string }[];
};
type Phase =
  | { name: 'idle' }
  | { name: 'uploading'; fileName: string; loaded: number; total: number }
  | { name: 'mapping'; staged: Staged; preview: IngestionPreview }
  | { name: 'duplicate'; staged: Staged }
  | { name: 'processing'; ingestionId: string; status: Status | null; warnings: StartResult extends infer R ? (R extends { warnings: infer W } ? W : never) : never }
  | { name: 'done'; status: Status }
  | { name: 'blocked'; message: string };

type Columns = { id: string; status: string; date: string; amount: string; debit: string; credit: string; currency: string };
const FIELD_LABELS: [keyof Columns, string, string][] = [
  ['id', 'Transaction id', 'Required. The key matched across systems.'],
  ['status', 'Status', 'Mapped to the glossary below.'],
  ['date', 'Date', 'Optional; used to match within a date window.'],
  ['amount', 'Amount', 'Signed amount; or use debit/credit.'],
  ['debit', 'Debit', 'Only when amounts come in two columns.'],
  ['credit', 'Credit', 'Only when amounts come in two columns.'],
  ['currency', 'Currency column', 'Or set a fixed currency.'],
];

function uploadFile(url: string, file: File, onProgress: (loaded: number, total: number) => void): Promise<{ status: number; body: unknown }> {
  // XHR rather than fetch: it reports upload progress. The file is streamed as the raw body.
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('X-File-Name', encodeURIComponent(file.name));
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = { error: `The server answered ${xhr.status}.` };
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new Error('The upload was interrupted. Check your connection and try again.'));
    xhr.send(file);
  });
}

export function UploadPanel({ sourceId, sourceName, maxUploadBytes }: { sourceId: string; sourceName: string; maxUploadBytes?: number }) {
  const router = useRouter();
  const [phase, setPhase] = useState<Phase>({ name: 'idle' });
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);

  const onFile = useCallback(
    async (file: File) => {
      setError(null);
      if (maxUploadBytes !== undefined && file.size > maxUploadBytes) {
        // The server refuses it too (413); saying so now spares sending the whole file.
        setError(`${file.name} is ${formatBytes(file.size)}, larger than the ${formatBytes(maxUploadBytes)} upload limit. Split it into smaller files, or ask an admin to raise PAIDLINE_MAX_UPLOAD_BYTES.`);
        return;
      }
      setPhase({ name: 'uploading', fileName: file.name, loaded: 0, total: file.size });
      try {
        const res = await uploadFile(`/api/sources/${sourceId}/uploads`, file, (loaded, total) =>
          setPhase({ name: 'uploading', fileName: file.name, loaded, total }),
        );
        const body = res.body as { staged?: Staged; preview?: IngestionPreview | null; error?: string };
        if (res.status >= 400 || !body.staged) {
          setError(body.error ?? `Upload failed (${res.status}).`);
          setPhase({ name: 'idle' });
          if (res.status === 422) router.refresh(); // the refused upload is listed as failed
          return;
        }
        if (body.staged.duplicateOf) setPhase({ name: 'duplicate', staged: body.staged });
        else if (body.preview) setPhase({ name: 'mapping', staged: body.staged, preview: body.preview });
        else {
          setError(body.error ?? 'The file could not be read.');
          setPhase({ name: 'idle' });
        }
      } catch (e) {
        setError((e as Error).message);
        setPhase({ name: 'idle' });
      }
    },
    [sourceId, maxUploadBytes, router],
  );

  const poll = useCallback(
    async (ingestionId: string) => {
      for (;;) {
        const res = await fetch(`/api/ingestions/${ingestionId}`, { cache: 'no-store' });
        if (!res.ok) {
          setError('Lost track of the ingestion; reload the page to see its state.');
          return;
        }
        const status = (await res.json()) as Status;
        if (status.status === 'processing') {
          setPhase((p) => (p.name === 'processing' ? { ...p, status } : p));
          await new Promise((r) => setTimeout(r, 400));
          continue;
        }
        setPhase({ name: 'done', status });
        router.refresh();
        return;
      }
    },
    [router],
  );

  return (
    <section className="card stack" aria-labelledby="upload-title">
      <div>
        <h2 id="upload-title">Upload an export</h2>
        <p className="muted">CSV (any delimiter), XLSX or JSON. The file is streamed to the server; nothing is ingested until you confirm the mapping.</p>
      </div>
      {error ? <div className="alert error" role="status" data-testid="upload-error">{error}</div> : null}

      {phase.name === 'idle' || phase.name === 'done' || phase.name === 'duplicate' || phase.name === 'blocked' ? (
        <div
          className={`dropzone${dragging ? ' active' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            const file = e.dataTransfer.files[0];
            if (file) void onFile(file);
          }}
          onClick={() => inputRef.current?.click()}
        >
          <strong>Drop a file here</strong>
          <span className="muted">or </span>
          <label htmlFor="upload-input" className="link-like" onClick={(e) => e.stopPropagation()}>choose a file</label>
          <input
            id="upload-input"
            ref={inputRef}
            type="file"
            accept=".csv,.tsv,.txt,.xlsx,.json,.ndjson,.jsonl"
            style={{ position: 'absolute', width: 1, height: 1, opacity: 0 }}
            aria-label={`Choose a file to upload to ${sourceName}`}
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void onFile(file);
            }}
          />
        </div>
      ) : null}

      {phase.name === 'uploading' ? (
        <div aria-live="polite">
          <div className="progress-label">
            <span>Uploading {phase.fileName}</span>
            <span>{formatBytes(phase.loaded)} of {formatBytes(phase.total)}</span>
          </div>
          <div className="progress" role="progressbar" aria-label="Upload progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round((phase.loaded / Math.max(phase.total, 1)) * 100)}>
            <span style={{ width: `${(phase.loaded / Math.max(phase.total, 1)) * 100}%` }} />
          </div>
        </div>
      ) : null}

      {phase.name === 'duplicate' ? (
        <div className="alert info" data-testid="upload-duplicate">
          This file (SHA-256 {phase.staged.sha256.slice(0, 12)}…) was already ingested on{' '}
          {new Date(phase.staged.duplicateOf!.createdAt).toISOString().slice(0, 10)} with {phase.staged.duplicateOf!.rowsValid} rows. It is not counted twice.
        </div>
      ) : null}

      {phase.name === 'blocked' ? (
        <div className="alert error" data-testid="upload-blocked">{phase.message}</div>
      ) : null}

      {phase.name === 'mapping' ? (
        <MappingForm
          key={`${phase.staged.ingestionId}:${(phase.preview.format as { sheet?: string }).sheet ?? ''}`}
          preview={phase.preview}
          onSheet={async (sheet) => {
            setError(null);
            const result = await previewIngestionAction(phase.staged.ingestionId, sheet);
            if (!result.ok) return setError(result.error);
            setPhase({ name: 'mapping', staged: phase.staged, preview: result.data });
          }}
          onCancel={async () => {
            setError(null);
            // The staged file and its ingestion go, rather than waiting for a mapping for ever.
            const result = await cancelIngestionAction(phase.staged.ingestionId);
            if (!result.ok) return setError(result.error);
            setPhase({ name: 'idle' });
            router.refresh();
          }}
          onSubmit={async (profile, presetId, onInvalid) => {
            setError(null);
            const result = await startIngestionAction({ ingestionId: phase.staged.ingestionId, profile: profile as never, presetId, onInvalid });
            if (!result.ok) {
              setError(result.error);
              return;
            }
            if (result.data.status === 'blocked') {
              setPhase({ name: 'blocked', message: result.data.message });
              router.refresh();
              return;
            }
            setPhase({ name: 'processing', ingestionId: phase.staged.ingestionId, status: null, warnings: result.data.warnings });
            void poll(phase.staged.ingestionId);
          }}
        />
      ) : null}

      {phase.name === 'processing' ? (
        <div aria-live="polite">
          {phase.warnings.length ? (
            <div className="alert info">
              {phase.warnings.map((w) => (
                <div key={w.message}>{w.message}</div>
              ))}
            </div>
          ) : null}
          <div className="progress-label">
            <span>Processing… {phase.status ? `${phase.status.rowsTotal.toLocaleString('en-US')} rows read` : ''}</span>
            <span>{phase.status ? `${Math.round((phase.status.bytesProcessed / Math.max(phase.status.bytesTotal, 1)) * 100)}%` : ''}</span>
          </div>
          <div className="progress" role="progressbar" aria-label="Processing progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={phase.status ? Math.round((phase.status.bytesProcessed / Math.max(phase.status.bytesTotal, 1)) * 100) : 0}>
            <span style={{ width: `${phase.status ? (phase.status.bytesProcessed / Math.max(phase.status.bytesTotal, 1)) * 100 : 2}%` }} />
          </div>
        </div>
      ) : null}

      {phase.name === 'done' ? <Outcome status={phase.status} onDecided={(s) => setPhase({ name: 'done', status: s })} /> : null}
    </section>
  );
}

function Outcome({ status, onDecided }: { status: Status; onDecided: (s: Status) => void }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const label = STATUS_LABELS[status.status] ?? { label: status.status, tone: 'neutral' };
  const decide = async (decision: 'commit' | 'abort') => {
    setBusy(true);
    const result = await decideIngestionAction(status.id, decision);
    setBusy(false);
    if (!result.ok) return setError(result.error);
    const res = await fetch(`/api/ingestions/${status.id}`, { cache: 'no-store' });
    onDecided((await res.json()) as Status);
    router.refresh();
  };
  return (
    <div className={`alert ${status.status === 'committed' ? 'success' : status.status === 'needs_decision' ? 'info' : 'error'}`} data-testid="upload-outcome">
      <strong>{label.label}.</strong>{' '}
      {status.status === 'committed'
        ? `${status.rowsValid.toLocaleString('en-US')} rows ingested with profile v${status.version}${status.rowsInvalid ? `; ${status.rowsInvalid} invalid rows left out` : ''}.`
        : status.message}
      {status.rowsInvalid > 0 ? (
        <>
          {' '}
          <a href={`/api/ingestions/${status.id}/errors`} download>Download the {status.rowsInvalid} bad rows (CSV)</a>
        </>
      ) : null}
      {status.status === 'needs_decision' ? (
        <div className="row-actions" style={{ marginTop: 10 }}>
          <button className="button" disabled={busy} onClick={() => decide('commit')}>Ingest the {status.rowsValid} valid rows</button>
          <button className="button secondary" disabled={busy} onClick={() => decide('abort')}>Abort</button>
        </div>
      ) : null}
      {error ? <div className="error-text">{error}</div> : null}
    </div>
  );
}

/** Field names with a meaning of their own (the rest are the company's references). */
const KNOWN_FIELDS: [string, string][] = [
  ['channel', 'Channel'], ['campaign', 'Campaign'], ['leadSource', 'Lead source'], ['email', 'Customer e-mail'], ['customer', 'Customer'],
  ['paymentRef', 'Payment reference'], ['invoiceId', 'Invoice number'], ['dealId', 'Deal id'], ['utmSource', 'UTM source'], ['utmCampaign', 'UTM campaign'],
];

export function MappingForm({
  preview,
  onSubmit,
  onCancel,
  onSheet,
  mode = 'ingest',
}: {
  /** 'edit': the profile editor (a new version of the profile, no file to ingest). */
  mode?: 'ingest' | 'edit';
  preview: IngestionPreview;
  onSheet: (sheet: string) => Promise<void>;
  onSubmit: (profile: IngestProfileInput, presetId: string | null, onInvalid: 'ask' | 'abort' | 'valid_only') => Promise<void>;
  onCancel: () => void;
}) {
  const base: IngestProfileInput = (preview.current?.profile as IngestProfileInput | undefined) ?? preview.suggestion.profile;
  const header = preview.header;
  const pick = (name: string | undefined) => (name && header.includes(name) ? name : '');
  const [columns, setColumns] = useState<Columns>({
    id: pick(base.columns?.id),
    status: pick(base.columns?.status),
    date: pick(base.columns?.date),
    amount: pick(base.columns?.amount),
    debit: pick(base.columns?.debit),
    credit: pick(base.columns?.credit),
    currency: pick(base.columns?.currency),
  });
  const [currency, setCurrency] = useState(base.currency ?? (base.columns?.currency ? '' : 'USD'));
  const [dateFormat, setDateFormat] = useState(base.date?.format ?? 'iso');
  const [timeZone, setTimeZone] = useState(base.date?.timeZone ?? 'UTC');
  const [decimal, setDecimal] = useState<'.' | ','>(base.amount?.decimalSeparator ?? '.');
  const [units, setUnits] = useState<'major' | 'minor'>(base.amount?.units ?? 'major');
  const [statusMap, setStatusMap] = useState<Record<string, string>>({ ...(base.statusMap ?? {}) });
  const [busy, setBusy] = useState(false);
  const [fixedStatus, setFixedStatus] = useState<string>(base.fixedStatus ?? '');
  // Fields kept with each row: the known ones (channel, campaign, e-mail...) and the company's own
  // references by name ("Order Number"), for ROMI's join and conditions.
  const [fields, setFields] = useState<[string, string][]>(() => Object.entries(base.attributes ?? {}).filter(([, c]) => header.includes(c)));
  const fieldNamesOk = fields.every(([n, c]) => (!n.trim() && !c) || (n.trim() && c)) && new Set(fields.map(([n]) => n.trim()).filter(Boolean)).size === fields.filter(([n]) => n.trim()).length;
  // Where the id comes from when its column is empty (the first fallback; any further ones are kept as they are).
  const firstFallback = base.idFallbacks?.[0];
  const [fallbackColumn, setFallbackColumn] = useState(pick(firstFallback?.column));
  const [fallbackPattern, setFallbackPattern] = useState(firstFallback?.pattern ?? '');
  const patternOk = fallbackPattern === '' || isValidPattern(fallbackPattern);
  const idPreview = useMemo(() => {
    const idIdx = header.indexOf(columns.id);
    const fbIdx = header.indexOf(fallbackColumn);
    const re = fallbackPattern && patternOk ? new RegExp(fallbackPattern, 'i') : null;
    return preview.sampleRows.slice(0, 8).map((r) => {
      const own = (r[idIdx] ?? '').trim();
      if (own || fbIdx < 0) return { id: own, from: own ? columns.id : null };
      const v = extractId(r[fbIdx] ?? '', re);
      return { id: v, from: v ? fallbackColumn : null };
    });
  }, [preview.sampleRows, header, columns.id, fallbackColumn, fallbackPattern, patternOk]);

  const statusIdx = header.indexOf(columns.status);
  const previewCodes = useMemo(
    () => (statusIdx >= 0 ? [...new Set(preview.sampleRows.map((r) => (r[statusIdx] ?? '').trim()).filter(Boolean))] : []),
    [preview.sampleRows, statusIdx],
  );
  // Every code of the whole file with its row count (read on the server when the status column changes):
  // a code that first appears after the preview's rows can be mapped too.
  const [fileCodes, setFileCodes] = useState<{ column: string; values: { value: string; rows: number }[]; more: boolean } | null>(null);
  const sheet = (preview.format as { sheet?: string }).sheet;
  useEffect(() => {
    if (!columns.status) return;
    let stale = false;
    void columnValuesAction(preview.ingestionId, columns.status, sheet).then((r) => {
      if (!stale && r.ok) setFileCodes({ column: r.data.column, values: r.data.values.filter((v) => v.value !== ''), more: r.data.more });
    });
    return () => {
      stale = true;
    };
  }, [preview.ingestionId, columns.status, sheet]);
  const wholeFile = fileCodes !== null && fileCodes.column === columns.status;
  const codes = wholeFile ? fileCodes.values.map((v) => v.value) : previewCodes;
  const rowsOf = new Map(wholeFile ? fileCodes.values.map((v) => [v.value, v.rows] as const) : []);
  const defaultFor = (code: string) => DEFAULT_GLOSSARY[glossaryKey(code)] ?? 'Unknown';

  // Spend has no status (every row counts); payments and deals need one.
  const isSpend = base.dataset === 'spend';
  const missingRequired = !columns.id || (!isSpend && !columns.status && !fixedStatus) || !(columns.amount || columns.debit || columns.credit);
  const blocking = preview.drift.filter((d) => d.severity === 'blocking');

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const cols: Record<string, string> = {};
    for (const [k, v] of Object.entries(columns)) if (v) cols[k] = v;
    const profile = {
      ...base,
      columns: cols as IngestProfileInput['columns'],
      fixedStatus: !isSpend && !columns.status && fixedStatus ? (fixedStatus as IngestProfileInput['fixedStatus']) : undefined,
      idFallbacks: fallbackColumn ? [{ column: fallbackColumn, ...(fallbackPattern ? { pattern: fallbackPattern } : {}) }, ...(base.idFallbacks ?? []).slice(1)] : (base.idFallbacks ?? []).slice(1),
      currency: columns.currency ? undefined : currency || undefined,
      statusMap: Object.fromEntries(Object.entries(statusMap).filter(([, v]) => v)) as IngestProfileInput['statusMap'],
      attributes: Object.fromEntries(fields.filter(([n, c]) => n.trim() && c).map(([n, c]) => [n.trim(), c])),
      amount: { ...(base.amount ?? {}), decimalSeparator: decimal, thousandsSeparator: decimal === ',' ? '.' : (base.amount?.thousandsSeparator === '.' ? '' : base.amount?.thousandsSeparator ?? ','), units },
      date: { ...(base.date ?? {}), format: dateFormat, timeZone },
      format: preview.format as IngestProfileInput['format'],
      expectedColumns: header,
    } as IngestProfileInput;
    const form = new FormData(e.target as HTMLFormElement);
    await onSubmit(profile, preview.suggestion.presetId, (form.get('onInvalid') as 'ask' | 'abort' | 'valid_only') ?? 'ask');
    setBusy(false);
  };

  return (
    <form onSubmit={submit} className="stack" aria-label="Column mapping">
      <div>
        <h3>{mode === 'edit' ? `The profile, on the rows of ${preview.fileName ?? 'the last upload'}` : `Preview of ${preview.fileName}`}</h3>
        <p className="muted">
          {preview.current ? `Mapped with the source's profile v${preview.current.version}.` : preview.suggestion.presetId ? `Recognised as ${preview.suggestion.presetLabel ?? preview.suggestion.presetId}; check the mapping.` : 'Mapping suggested from the column names.'}{' '}
          {preview.notes.join(' ')}
        </p>
      </div>
      {preview.sheets && preview.sheets.length > 1 ? (
        <div className="field" style={{ maxWidth: 320 }}>
          <label htmlFor="map-sheet">Sheet</label>
          <select id="map-sheet" value={(preview.format as { sheet?: string }).sheet ?? preview.sheets[0]} onChange={(e) => void onSheet(e.target.value)}>
            {preview.sheets.map((name) => (
              <option key={name} value={name}>{name}</option>
            ))}
          </select>
          <span className="hint">This workbook has {preview.sheets.length} sheets; the preview shows the chosen one.</span>
        </div>
      ) : null}
      {preview.drift.length ? (
        <div className={`alert ${blocking.length ? 'error' : 'info'}`} data-testid="drift-findings">
          {preview.drift.map((d) => (
            <div key={d.message}>{d.message}</div>
          ))}
        </div>
      ) : null}
      <div className="table-wrap">
        <table className="data preview-table" data-testid="preview-table">
          <thead>
            <tr>
              {header.map((h) => (
                <th key={h} scope="col">{h}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {preview.sampleRows.slice(0, 5).map((row, i) => (
              <tr key={i}>
                {header.map((h, j) => (
                  <td key={h}>{row[j] ?? ''}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <fieldset className="card" style={{ boxShadow: 'none' }}>
        <legend><strong>Columns</strong></legend>
        <div className="mapping-grid">
          {FIELD_LABELS.filter(([key]) => !(isSpend && key === 'status' && !columns.status)).map(([key, label, hint]) => (
            <div className="field" key={key}>
              <label htmlFor={`map-${key}`}>{label}</label>
              <select id={`map-${key}`} value={columns[key]} onChange={(e) => setColumns({ ...columns, [key]: e.target.value })}>
                <option value="">— none —</option>
                {header.map((h) => (
                  <option key={h} value={h}>{h}</option>
                ))}
              </select>
              <span className="hint">{isSpend && key === 'id' ? 'The campaign (or another column naming what the spend paid for). Every row counts; a later file that reports a day and campaign again replaces it.' : hint}</span>
            </div>
          ))}
          <div className="field">
            <label htmlFor="map-fixed-currency">Fixed currency</label>
            <input id="map-fixed-currency" type="text" value={currency} maxLength={3} disabled={!!columns.currency} onChange={(e) => setCurrency(e.target.value.toUpperCase())} />
            <span className="hint">ISO code, when there is no currency column.</span>
          </div>
          <div className="field">
            <label htmlFor="map-date-format">Date format</label>
            <input id="map-date-format" type="text" value={dateFormat} onChange={(e) => setDateFormat(e.target.value)} aria-describedby="map-date-format-hint" />
            <span className="hint" id="map-date-format-hint">iso, MM/DD/YYYY, M/D/YYYY (no zero padding), DD.MM.YYYY HH:mm, M/D/YYYY h:mm A, MMMM D, YYYY…</span>
          </div>
          {dayMonthOrder(dateFormat) ? (
            <fieldset className="field">
              <legend>Day and month order</legend>
              <label><input type="radio" name="dayMonthOrder" checked={dayMonthOrder(dateFormat) === 'month-first'} onChange={() => setDateFormat(withDayMonthOrder(dateFormat, 'month-first'))} /> Month first (3/4 is 4 March)</label>
              <label><input type="radio" name="dayMonthOrder" checked={dayMonthOrder(dateFormat) === 'day-first'} onChange={() => setDateFormat(withDayMonthOrder(dateFormat, 'day-first'))} /> Day first (3/4 is 3 April)</label>
              <span className="hint">Check a date after the 12th of a month in the preview: only one order reads it.</span>
            </fieldset>
          ) : null}
          <div className="field">
            <label htmlFor="map-tz">Time zone</label>
            <input id="map-tz" type="text" value={timeZone} onChange={(e) => setTimeZone(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="map-decimal">Decimal separator</label>
            <select id="map-decimal" value={decimal} onChange={(e) => setDecimal(e.target.value as '.' | ',')}>
              <option value=".">. (1,234.56)</option>
              <option value=",">, (1.234,56)</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="map-units">Amounts are in</label>
            <select id="map-units" value={units} onChange={(e) => setUnits(e.target.value as 'major' | 'minor')}>
              <option value="major">major units (12.34)</option>
              <option value="minor">minor units (1234)</option>
            </select>
          </div>
        </div>
        {!isSpend && !columns.status ? (
          <div className="field fixed-status">
            <label htmlFor="map-fixed-status">No status column: every row is</label>
            <select id="map-fixed-status" value={fixedStatus} onChange={(e) => setFixedStatus(e.target.value)}>
              <option value="">— choose —</option>
              {CANONICAL_STATUSES.map((st) => <option key={st} value={st}>{st}</option>)}
            </select>
            <span className="hint">A bank statement lists money that arrived: Paid.</span>
          </div>
        ) : null}
        <div className="id-fallback" data-testid="id-fallback">
          <div className="form-row id-fallback-row">
            <div className="field">
              <label htmlFor="map-id-fallback">When the id is empty, take it from</label>
              <select id="map-id-fallback" value={fallbackColumn} onChange={(e) => setFallbackColumn(e.target.value)}>
                <option value="">— nowhere (the row is refused) —</option>
                {header.filter((h) => h !== columns.id).map((h) => <option key={h} value={h}>{h}</option>)}
              </select>
            </div>
            <div className="field">
              <label htmlFor="map-id-pattern">matching <span className="muted">(optional pattern)</span></label>
              <input id="map-id-pattern" type="text" value={fallbackPattern} placeholder="(A-\d+)" disabled={!fallbackColumn} aria-invalid={!patternOk} aria-describedby="map-id-pattern-hint" onChange={(e) => setFallbackPattern(e.target.value)} />
              <span className="hint" id="map-id-pattern-hint">{patternOk ? 'A regular expression; its first group (in brackets) is the id. "STRIPE A-20451" with (A-\\d+) gives A-20451.' : 'This pattern is not a valid regular expression.'}</span>
            </div>
          </div>
          {fallbackColumn ? (
            <p className="muted small" data-testid="id-preview">
              Ids of the first rows: {idPreview.map((p, k) => <span key={k}>{k ? ', ' : ''}{p.id ? <><code>{p.id}</code>{p.from === fallbackColumn ? <span> (from {fallbackColumn})</span> : null}</> : <em>none</em>}</span>)}
            </p>
          ) : null}
        </div>
      </fieldset>
      <fieldset className="card" style={{ boxShadow: 'none' }} data-testid="mapping-fields">
        <legend><strong>Fields kept with each row</strong></legend>
        <p className="muted small">
          Channel, campaign and lead source feed ROMI; any other column can be kept under a name of your choice (an order or invoice number,
          a payment status) and then link payments to deals or set a condition on revenue.
        </p>
        <datalist id="field-names">{KNOWN_FIELDS.map(([name, label]) => <option key={name} value={name}>{label}</option>)}</datalist>
        <div className="fields-grid">
          {fields.map(([name, column], i) => (
            <div key={i} className="field-row">
              <input type="text" list="field-names" value={name} maxLength={60} placeholder="Field name" aria-label={`Field ${i + 1}: name`} onChange={(e) => setFields((f) => f.map((x, j) => (j === i ? [e.target.value, x[1]] : x)))} />
              <span className="muted">from</span>
              <select value={column} aria-label={`Field ${i + 1}: column`} onChange={(e) => setFields((f) => f.map((x, j) => (j === i ? [x[0] || e.target.value, e.target.value] : x)))}>
                <option value="">— column —</option>
                {header.map((h) => <option key={h} value={h}>{h}</option>)}
              </select>
              <button type="button" className="link-like small" onClick={() => setFields((f) => f.filter((_, j) => j !== i))} aria-label={`Remove field ${name || i + 1}`}>Remove</button>
            </div>
          ))}
        </div>
        <button type="button" className="button secondary small" onClick={() => setFields((f) => [...f, ['', '']])}>Keep another column</button>
        {!fieldNamesOk ? <p className="error-text small">Each field needs a name and a column, and names must differ.</p> : null}
      </fieldset>
      {codes.length ? (
        <fieldset className="card" style={{ boxShadow: 'none' }}>
          <legend><strong>{wholeFile ? `Status codes in the file (${codes.length}${fileCodes.more ? '+' : ''})` : 'Status codes in the preview'}</strong></legend>
          {wholeFile && fileCodes.more ? <p className="muted small">This column has many different values; the most frequent are listed. Is it really the status?</p> : null}
          <div className="mapping-grid">
            {codes.map((code) => (
              <div className="field" key={code}>
                <label htmlFor={`status-${code}`}>“{code}” means{rowsOf.has(code) ? <span className="muted"> · {rowsOf.get(code)!.toLocaleString('en-US')} row{rowsOf.get(code) === 1 ? '' : 's'}</span> : null}</label>
                <select id={`status-${code}`} value={statusMap[code] ?? ''} onChange={(e) => setStatusMap({ ...statusMap, [code]: e.target.value })}>
                  <option value="">{`Glossary default (${defaultFor(code)})`}</option>
                  {CANONICAL_STATUSES.map((s) => (
                    <option key={s} value={s}>{s}</option>
                  ))}
                </select>
              </div>
            ))}
          </div>
        </fieldset>
      ) : null}
      <div className="field" style={{ maxWidth: 420 }} hidden={mode === 'edit'}>
        <label htmlFor="on-invalid">If some rows are invalid</label>
        <select id="on-invalid" name="onInvalid" defaultValue="ask">
          <option value="ask">Show them and let me decide</option>
          <option value="valid_only">Ingest only the valid rows</option>
          <option value="abort">Abort the whole file</option>
        </select>
      </div>
      {missingRequired ? <div className="alert info">{isSpend ? 'Map the campaign (id) and an amount column to continue.' : 'Map the transaction id, the status (or one status for every row) and an amount (or debit/credit) column to continue.'}</div> : null}
      <div className="row-actions">
        <button className="button" type="submit" disabled={busy || missingRequired || !patternOk || !fieldNamesOk}>{mode === 'edit' ? (busy ? 'Saving…' : 'Save as a new version') : busy ? 'Starting…' : 'Ingest file'}</button>
        <button className="button secondary" type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
