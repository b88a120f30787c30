'use client';

import { useActionState, useState } from 'react';
import { createReconciliationAction } from '@/app/(app)/runs/actions';
import type { FormState } from '@/lib/server/pipeline/result';

export type ReconcilableSource = { id: string; name: string; kind: string; rows: number };

/** Names a reconciliation, picks its sources and rule set; its ledger then fills and stays current by itself. */
export function NewReconciliationForm({ sources, ruleSets }: { sources: ReconcilableSource[]; ruleSets: string[] }) {
  const [state, action, pending] = useActionState<FormState<{ id: string; ledgerRunId: string }>, FormData>(createReconciliationAction, null);
  const [chosen, setChosen] = useState<string[]>([]);
  // Source id -> the earlier chosen source it plays its role with (Stripe and PayPal both feeding one bank account).
  const [roles, setRoles] = useState<Record<string, string>>({});
  const sides = chosen.filter((id) => !roles[id] || !chosen.includes(roles[id]!)).length;
  if (sources.length < 2) return <p className="muted">A reconciliation needs at least two sources. Add the gateway, bank or ERP exports under Sources first.</p>;
  return (
    <form action={action} data-testid="new-reconciliation">
      {state && !state.ok ? <div className="alert error" role="status" aria-live="polite">{state.error}</div> : null}
      {state?.ok ? <div className="alert success" role="status" aria-live="polite">Created. Its ledger fills in the background; every new upload, pull or webhook of its sources reconciles into it by itself.</div> : null}
      <div className="form-row">
        <div className="field">
          <label htmlFor="rec-name">Name</label>
          <input id="rec-name" name="name" type="text" required maxLength={100} placeholder="Card payments" />
        </div>
        <div className="field">
          <label htmlFor="rec-ruleset">Rule set</label>
          <select id="rec-ruleset" name="ruleSetName" defaultValue={ruleSets[0]}>
            {ruleSets.map((r) => <option key={r} value={r}>{r} (newest version)</option>)}
          </select>
        </div>
        <div className="field" style={{ flex: 1 }}>
          <label htmlFor="rec-description">Description <span className="muted">(optional)</span></label>
          <input id="rec-description" name="description" type="text" maxLength={1000} placeholder="Gateway against the operating bank account" />
        </div>
      </div>
      {/* The sources in the order they were chosen (the engine's order: the first is the reference). */}
      {chosen.map((id) => <input key={id} type="hidden" name="source" value={id} />)}
      <fieldset className="plain-fieldset">
        <legend className="field-legend">Sources, the reference system first</legend>
        <p className="muted small">Two processors paying into one bank account play one role: put the second beside the first, and a key needs to be in one of them only.</p>
        <div className="source-choices">
          {sources.map((s) => {
            const on = chosen.includes(s.id);
            return (
              <div key={s.id} className={`source-choice${on ? ' on' : ''}`}>
                <label className="check">
                  <input type="checkbox" value={s.id} checked={on} onChange={(e) => {
                    const on = e.target.checked;
                    setChosen((c) => (on ? [...c, s.id] : c.filter((x) => x !== s.id)));
                    // A source taken out leaves no one beside it, and plays no role beside another.
                    if (!on) setRoles((r) => Object.fromEntries(Object.entries(r).filter(([k, v]) => k !== s.id && v !== s.id)));
                  }} />
                  <span><strong>{s.name}</strong> <span className="muted">· {s.kind} · {s.rows.toLocaleString('en-US')} records</span>{on ? <span className="pill neutral small"> {chosen.indexOf(s.id) + 1}</span> : null}</span>
                </label>
                {on && chosen.indexOf(s.id) > 0 ? (
                  <label className="inline-select">
                    <span className="muted small">as</span>
                    <select name={`with:${s.id}`} value={roles[s.id] ?? ''} onChange={(e) => setRoles((r) => ({ ...r, [s.id]: e.target.value }))} aria-label={`${s.name}: its side`}>
                      <option value="">a side of its own</option>
                      {chosen.slice(0, chosen.indexOf(s.id)).filter((id) => !roles[id]).map((id) => <option key={id} value={id}>beside {sources.find((x) => x.id === id)?.name} (same role)</option>)}
                    </select>
                  </label>
                ) : null}
              </div>
            );
          })}
        </div>
      </fieldset>
      <button type="submit" className="button" disabled={pending || sides < 2}>{pending ? 'Creating…' : 'Create reconciliation'}</button>
    </form>
  );
}
