'use client';

import { useActionState, useEffect, useState } from 'react';
import { useRouter } from 'next/navigation';
import { archiveReconciliationAction, previewMatchingAction, updateReconciliationAction } from '@/app/(app)/runs/actions';
import type { MatchingPreview } from '@/lib/features/ledger/matching-preview';
import type { FormState } from '@/lib/server/pipeline/result';
import type { ReconcilableSource } from './NewReconciliationForm';
import { describeWindow } from '@/lib/domain/date-window';
import type { Matching } from '@/lib/features/ledger/matching';

type Props = {
  id: string;
  name: string;
  description: string;
  ruleSetName: string;
  ruleSets: string[];
  /** The reconciliation's sides in order: a source, or sources that play one role ("Stripe + PayPal"); a side's window is kept under its first source (key). */
  sides: { key: string; name: string; sources: { id: string; name: string }[] }[];
  matching: Matching;
  /** Sources that are not members yet. */
  candidates: ReconcilableSource[];
};

/**
 * A reconciliation's settings: its name, rule set, matching (date windows, amount tolerances) and sources. Sources can be added, not removed (the
 * ledger's entries carry their side and the decisions taken on it); a new rule set or source queues
 * a full pass, and so does new matching; a full pass keeps every decision whose facts stay the same.
 */
export function EditReconciliationForm({ id, name, description, ruleSetName, ruleSets, sides, matching, candidates }: Props) {
  const members = sides.map((s) => ({ id: s.key, name: s.name }));
  const memberSources = sides.flatMap((s) => s.sources);
  const [state, action, pending] = useActionState<FormState<{ fullPass: boolean }>, FormData>(updateReconciliationAction, null);
  const [archiveState, archive, archiving] = useActionState<FormState<{ archived: boolean }>, FormData>(archiveReconciliationAction, null);
  const [ruleSet, setRuleSet] = useState(ruleSetName);
  const [adding, setAdding] = useState<string[]>([]);
  const [confirming, setConfirming] = useState(false);
  const [windows, setWindows] = useState(() => Object.fromEntries(members.slice(1).map((m) => [m.id, matching.dateWindows[m.id] ?? { min: 0, max: 0 }])));
  const [attempts, setAttempts] = useState<string[]>(matching.attempts);
  const [joins, setJoins] = useState<Record<string, string>>({});
  const [tolMinor, setTolMinor] = useState(String(matching.amountToleranceMinor));
  const [tolPercent, setTolPercent] = useState(String(matching.amountTolerancePercent));
  const matchingChanged =
    tolMinor !== String(matching.amountToleranceMinor) ||
    tolPercent !== String(matching.amountTolerancePercent) ||
    attempts.length !== matching.attempts.length ||
    attempts.some((a) => !matching.attempts.includes(a)) ||
    members.slice(1).some((m) => {
      const was = matching.dateWindows[m.id] ?? { min: 0, max: 0 };
      const now = windows[m.id] ?? { min: 0, max: 0 };
      return String(was.min) !== String(now.min) || String(was.max) !== String(now.max);
    });
  // What the new matching would change, worked out on the ledger's entries as they are (debounced).
  const [preview, setPreview] = useState<MatchingPreview | null>(null);
  const draftKey = JSON.stringify({ tolMinor, tolPercent, windows });
  useEffect(() => {
    if (!matchingChanged) return;
    let stale = false;
    const t = setTimeout(() => {
      const tolM = Number(tolMinor);
      const tolP = Number(tolPercent);
      const ws = Object.fromEntries(Object.entries(windows).map(([k, w]) => [k, { min: Number(w.min), max: Number(w.max) }]).filter(([, w]) => Number.isInteger((w as { min: number }).min) && Number.isInteger((w as { max: number }).max) && (w as { min: number }).min <= (w as { max: number }).max));
      if (!Number.isInteger(tolM) || tolM < 0 || !(tolP >= 0 && tolP <= 100)) return;
      void previewMatchingAction(id, { amountToleranceMinor: tolM, amountTolerancePercent: tolP, dateWindows: ws, attempts }).then((r) => {
        if (!stale && r.ok) setPreview(r.data);
      });
    }, 400);
    return () => {
      stale = true;
      clearTimeout(t);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- draftKey stands for the matching fields
  }, [id, draftKey, matchingChanged]);
  const setWindow = (sourceId: string, end: 'min' | 'max', value: string) =>
    setWindows((w) => ({ ...w, [sourceId]: { ...(w[sourceId] ?? { min: 0, max: 0 }), [end]: value === '' || value === '-' ? value : Number(value) } as { min: number; max: number } }));
  const router = useRouter();
  if (archiveState?.ok) {
    router.push('/runs');
    return <div className="alert success" role="status">Archived. Its entries and decisions stay readable; new data no longer reconciles into it.</div>;
  }
  const reconcilesAgain = ruleSet !== ruleSetName || adding.length > 0 || matchingChanged;
  return (
    <div className="stack">
      <form action={action} data-testid="edit-reconciliation">
        <input type="hidden" name="id" value={id} />
        {state && !state.ok ? <div className="alert error" role="status" aria-live="polite">{state.error}</div> : null}
        {state?.ok ? (
          <div className="alert success" role="status" aria-live="polite">
            Saved.{state.data.fullPass ? ' Every key is being reconciled again in the background; decisions whose facts stay the same are kept.' : ''}
          </div>
        ) : null}
        <div className="form-row">
          <div className="field">
            <label htmlFor="edit-name">Name</label>
            <input id="edit-name" name="name" type="text" required maxLength={100} defaultValue={name} />
          </div>
          <div className="field">
            <label htmlFor="edit-ruleset">Rule set</label>
            <select id="edit-ruleset" name="ruleSetName" value={ruleSet} onChange={(e) => setRuleSet(e.target.value)}>
              {ruleSets.map((r) => <option key={r} value={r}>{r} (newest version)</option>)}
            </select>
          </div>
          <div className="field" style={{ flex: 1 }}>
            <label htmlFor="edit-description">Description <span className="muted">(optional)</span></label>
            <input id="edit-description" name="description" type="text" maxLength={1000} defaultValue={description} />
          </div>
        </div>
        <fieldset className="plain-fieldset">
          <legend className="field-legend">Sources</legend>
          <p className="muted small">
            {members.map((m, i) => <span key={m.id}>{i ? ' vs ' : ''}<strong>{m.name}</strong></span>)}. Sources can be added, on a side of their own or
            beside a source that plays the same role (a second payment processor feeding the same bank: a key then needs to be in one of them only).
            To drop one, archive this reconciliation and create another, so no entry loses the side its decision was taken on.
          </p>
          {candidates.length ? (
            <div className="source-choices">
              {candidates.map((s) => (
                <div key={s.id} className={`source-choice${adding.includes(s.id) ? ' on' : ''}`}>
                  <label className="check">
                    <input type="checkbox" name="addSource" value={s.id} checked={adding.includes(s.id)} onChange={(e) => setAdding((c) => (e.target.checked ? [...c, s.id] : c.filter((x) => x !== s.id)))} />
                    <span>Add <strong>{s.name}</strong> <span className="muted">· {s.kind} · {s.rows.toLocaleString('en-US')} records</span></span>
                  </label>
                  {adding.includes(s.id) ? (
                    <label className="inline-select">
                      <span className="muted small">as</span>
                      <select name={`with:${s.id}`} value={joins[s.id] ?? ''} onChange={(e) => setJoins((j) => ({ ...j, [s.id]: e.target.value }))} aria-label={`${s.name}: its side`}>
                        <option value="">a side of its own</option>
                        {sides.map((side) => <option key={side.key} value={side.key}>beside {side.name} (same role)</option>)}
                      </select>
                    </label>
                  ) : null}
                </div>
              ))}
            </div>
          ) : null}
        </fieldset>
        {members.length > 1 ? (
          <fieldset className="plain-fieldset" data-testid="matching">
            <legend className="field-legend">Matching</legend>
            <p className="muted small">
              Dates compare by calendar day in each source&apos;s time zone: a time of day never makes a difference. Give a source that
              books later than <strong>{members[0]!.name}</strong> (a bank, say) the days it may take; negative days are before.
            </p>
            <div className="window-grid">
              {members.slice(1).map((m) => {
                const w = windows[m.id] ?? { min: 0, max: 0 };
                const valid = Number.isInteger(Number(w.min)) && Number.isInteger(Number(w.max)) && Number(w.min) <= Number(w.max);
                return (
                  <div key={m.id} className="window-row">
                    <span><strong>{m.name}</strong> books from</span>
                    <input id={`window-min-${m.id}`} name={`window-min-${m.id}`} type="number" inputMode="numeric" min={-366} max={366} step={1} value={w.min} onChange={(e) => setWindow(m.id, 'min', e.target.value)} aria-label={`${m.name}: earliest day, in days after ${members[0]!.name}`} />
                    <span>to</span>
                    <input id={`window-max-${m.id}`} name={`window-max-${m.id}`} type="number" inputMode="numeric" min={-366} max={366} step={1} value={w.max} onChange={(e) => setWindow(m.id, 'max', e.target.value)} aria-label={`${m.name}: latest day, in days after ${members[0]!.name}`} />
                    <span>days after {members[0]!.name}</span>
                    <span className={`window-says ${valid ? 'muted' : 'error-text'}`} data-testid={`window-${m.name}`} aria-live="polite">{valid ? describeWindow({ min: Number(w.min), max: Number(w.max) }, members[0]!.name) : 'the first day must not come after the last'}</span>
                  </div>
                );
              })}
            </div>
            <div className="attempt-choices" data-testid="attempts">
              <p className="muted small">
                A processor&apos;s export often has several rows for one order: declined attempts before the payment that went through, and a refund row
                after it. Tick the sources whose rows of one key are the life of one payment: they are read as that payment (paid, or refunded once the
                refunds add up), not as a duplicate. Two successful payments for one key stay a duplicate to review.
              </p>
              {memberSources.map((m) => (
                <label key={m.id} className="check">
                  <input type="checkbox" name="attempts" value={m.id} checked={attempts.includes(m.id)} onChange={(e) => setAttempts((a) => (e.target.checked ? [...a, m.id] : a.filter((x) => x !== m.id)))} />
                  <span><strong>{m.name}</strong>: several rows of one key are attempts and refunds of one payment</span>
                </label>
              ))}
            </div>
            <div className="form-row tolerance-row">
              <div className="field">
                <label htmlFor="tol-minor">Amounts may differ by (cents)</label>
                <input id="tol-minor" name="amountToleranceMinor" type="number" inputMode="numeric" min={0} step={1} value={tolMinor} onChange={(e) => setTolMinor(e.target.value)} />
              </div>
              <div className="field">
                <label htmlFor="tol-percent">or by (% of the larger amount)</label>
                <input id="tol-percent" name="amountTolerancePercent" type="number" inputMode="decimal" min={0} max={100} step="any" value={tolPercent} onChange={(e) => setTolPercent(e.target.value)} />
              </div>
            </div>
          </fieldset>
        ) : null}
        {matchingChanged && preview ? (
          <div className="matching-preview" aria-live="polite" data-testid="matching-preview">
            <strong>With these settings</strong>, of the {preview.scanned.toLocaleString('en-US')} entries{preview.total > preview.scanned ? ` checked (of ${preview.total.toLocaleString('en-US')})` : ''}:{' '}
            {preview.becomeMatched || preview.becomeMismatched ? (
              <>
                {preview.becomeMatched ? <><strong>{preview.becomeMatched.toLocaleString('en-US')}</strong> would match</> : null}
                {preview.becomeMatched && preview.becomeMismatched ? '; ' : null}
                {preview.becomeMismatched ? <><strong>{preview.becomeMismatched.toLocaleString('en-US')}</strong> that match now would not ({Object.entries(preview.newReasons).map(([r, n]) => `${r} ${n}`).join(', ')})</> : null}.
                {preview.examples.length ? <span className="muted small"> For instance {preview.examples.slice(0, 4).map((e) => `${e.key} (${e.from} → ${e.to})`).join('; ')}.</span> : null}
              </>
            ) : 'no entry would change class.'}
          </div>
        ) : null}
        {reconcilesAgain ? <p className="muted small" data-testid="full-pass-note">Saving reconciles every key again with the new {ruleSet !== ruleSetName ? 'rule set' : adding.length ? 'sources' : 'matching'}; decisions whose facts stay the same are kept.</p> : null}
        <button type="submit" className="button" disabled={pending}>{pending ? 'Saving…' : 'Save changes'}</button>
      </form>
      <form action={archive} className="danger-zone">
        <input type="hidden" name="id" value={id} />
        {archiveState && !archiveState.ok ? <div className="alert error" role="status">{archiveState.error}</div> : null}
        {confirming ? (
          <div className="row-actions">
            <span>Archive <strong>{name}</strong>? New data stops reconciling into it and the dashboard stops reading it.</span>
            <button type="submit" className="button danger" disabled={archiving}>{archiving ? 'Archiving…' : 'Archive'}</button>
            <button type="button" className="button secondary" onClick={() => setConfirming(false)}>Keep it</button>
          </div>
        ) : (
          <button type="button" className="button secondary" onClick={() => setConfirming(true)}>Archive this reconciliation…</button>
        )}
      </form>
    </div>
  );
}
