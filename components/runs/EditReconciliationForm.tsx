'use client';

import { useActionState, useState } from 'react';
import { useRouter } from 'next/navigation';
import { archiveReconciliationAction, updateReconciliationAction } from '@/app/(app)/runs/actions';
import type { FormState } from '@/lib/server/pipeline/result';
import type { ReconcilableSource } from './NewReconciliationForm';

type Props = {
  id: string;
  name: string;
  description: string;
  ruleSetName: string;
  ruleSets: string[];
  members: { id: string; name: string }[];
  /** Sources that are not members yet. */
  candidates: ReconcilableSource[];
};

/**
 * A reconciliation's settings: its name, rule set and sources. Sources can be added, not removed (the
 * ledger's entries carry their side and the decisions taken on it); a new rule set or source queues
 * a full pass, which keeps every decision whose facts stay the same.
 */
export function EditReconciliationForm({ id, name, description, ruleSetName, ruleSets, members, candidates }: Props) {
  const [state, action, pending] = useActionState<FormState<{ fullPass: boolean }>, FormData>(updateReconciliationAction, null);
  const [archiveState, archive, archiving] = useActionState<FormState<{ archived: boolean }>, FormData>(archiveReconciliationAction, null);
  const [ruleSet, setRuleSet] = useState(ruleSetName);
  const [adding, setAdding] = useState<string[]>([]);
  const [confirming, setConfirming] = useState(false);
  const router = useRouter();
  if (archiveState?.ok) {
    router.push('/runs');
    return <div className="alert success" role="status">Archived. Its entries and decisions stay readable; new data no longer reconciles into it.</div>;
  }
  const reconcilesAgain = ruleSet !== ruleSetName || adding.length > 0;
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
            {members.map((m, i) => <span key={m.id}>{i ? ' vs ' : ''}<strong>{m.name}</strong></span>)}. Sources can be added; to drop one, archive this
            reconciliation and create another, so no entry loses the side its decision was taken on.
          </p>
          {candidates.length ? (
            <div className="source-choices">
              {candidates.map((s) => (
                <div key={s.id} className={`source-choice${adding.includes(s.id) ? ' on' : ''}`}>
                  <label className="check">
                    <input type="checkbox" name="addSource" value={s.id} checked={adding.includes(s.id)} onChange={(e) => setAdding((c) => (e.target.checked ? [...c, s.id] : c.filter((x) => x !== s.id)))} />
                    <span>Add <strong>{s.name}</strong> <span className="muted">· {s.kind} · {s.rows.toLocaleString('en-US')} records</span></span>
                  </label>
                </div>
              ))}
            </div>
          ) : null}
        </fieldset>
        {reconcilesAgain ? <p className="muted small" data-testid="full-pass-note">Saving reconciles every key again with the new {ruleSet !== ruleSetName ? 'rule set' : 'sources'}.</p> : null}
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
