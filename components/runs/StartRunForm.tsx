'use client';

import { useActionState, useEffect, useState } from 'react';
import { useRouter } from 'next/navigation';
import { startRunAction } from '@/app/(app)/runs/actions';
import type { FormState } from '@/lib/server/pipeline/result';

export type StartRunSource = {
  id: string;
  name: string;
  kind: string;
  ingestions: { id: string; label: string }[];
};
export type StartRunRuleSet = { id: string; label: string };

export function StartRunForm({ sources, ruleSets }: { sources: StartRunSource[]; ruleSets: StartRunRuleSet[] }) {
  const [state, action, pending] = useActionState<FormState<{ id: string }>, FormData>(startRunAction, null);
  const router = useRouter();
  const ready = sources.filter((s) => s.ingestions.length > 0);
  const [chosen, setChosen] = useState<string[]>(() => ready.slice(0, 2).map((s) => s.id));
  const [pick, setPick] = useState<Record<string, boolean>>({});
  useEffect(() => {
    if (state?.ok) router.push(`/runs/${state.data.id}`);
  }, [state, router]);
  if (ready.length < 2) {
    return <p className="muted">A run needs at least two sources with committed data. Upload the gateway and bank exports under Sources first.</p>;
  }
  return (
    <form action={action}>
      {state && !state.ok ? <div className="alert error" role="status" aria-live="polite">{state.error}</div> : null}
      <fieldset className="plain-fieldset">
        <legend className="field-legend">Sources to compare</legend>
        <div className="source-choices">
          {ready.map((s) => {
            const on = chosen.includes(s.id);
            return (
              <div key={s.id} className={`source-choice${on ? ' on' : ''}`}>
                <label className="check">
                  <input type="checkbox" name="source" value={s.id} checked={on} onChange={(e) => setChosen((c) => (e.target.checked ? [...c, s.id] : c.filter((x) => x !== s.id)))} />
                  <span><strong>{s.name}</strong> <span className="muted">· {s.kind} · {s.ingestions.length} ingestion{s.ingestions.length === 1 ? '' : 's'}</span></span>
                </label>
                {on ? (
                  <div className="ingestion-pick">
                    <button type="button" className="link-like small" onClick={() => setPick((p) => ({ ...p, [s.id]: !p[s.id] }))} aria-expanded={Boolean(pick[s.id])}>
                      {pick[s.id] ? 'Use every committed ingestion' : 'Choose ingestions…'}
                    </button>
                    {pick[s.id] ? (
                      <select multiple name={`ingestion:${s.id}`} aria-label={`Ingestions of ${s.name}`} defaultValue={s.ingestions.map((i) => i.id)} size={Math.min(5, s.ingestions.length)}>
                        {s.ingestions.map((i) => (
                          <option key={i.id} value={i.id}>{i.label}</option>
                        ))}
                      </select>
                    ) : (
                      <span className="muted small">All committed ingestions and webhook events</span>
                    )}
                  </div>
                ) : null}
              </div>
            );
          })}
        </div>
      </fieldset>
      <div className="form-row">
        <div className="field">
          <label htmlFor="run-ruleset">Rule set</label>
          <select id="run-ruleset" name="ruleSetId" defaultValue={ruleSets[0]?.id}>
            {ruleSets.map((r) => (
              <option key={r.id} value={r.id}>{r.label}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="run-from">Transactions from</label>
          <input id="run-from" name="dateFrom" type="date" />
        </div>
        <div className="field">
          <label htmlFor="run-to">Transactions to</label>
          <input id="run-to" name="dateTo" type="date" />
        </div>
        <div className="field">
          <button className="button" type="submit" disabled={pending || chosen.length < 2}>{pending ? 'Starting…' : 'Start run'}</button>
        </div>
      </div>
      <p className="hint muted">The run works in the background: you can leave the page. The same inputs always give the same result.</p>
    </form>
  );
}
