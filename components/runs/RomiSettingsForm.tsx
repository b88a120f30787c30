'use client';

import { useEffect, useMemo, useState } from 'react';
import { previewRomiAction, saveRomiSettingsAction } from '@/app/(app)/runs/actions';
import { Link } from '@/components/ui/Link';
import { formatMoney } from '@/lib/domain/money';
import type { JoinPreview, RomiChoices } from '@/lib/features/romi/configure';
import { fieldLabel } from '@/lib/domain/field-labels';
import type { RomiSettings } from '@/lib/features/romi/settings';

type Props = { id: string; settings: RomiSettings; choices: RomiChoices; paymentSide: string };

const money = (xs: { currency: string; amountMinor: string }[]) => (xs.length ? xs.map((x) => formatMoney(BigInt(x.amountMinor), x.currency, { cents: true })).join(' + ') : formatMoney(0n, 'USD', { cents: true }));
const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/**
 * What this reconciliation's ROMI counts: the deal and spend sources, the field that links a payment to
 * its deal, and revenue by payment or by deal (with the deal's conditions). Every change is previewed
 * live against the ledger ("51 of 78 won deals count") before it is saved.
 */
export function RomiSettingsForm({ id, settings, choices, paymentSide }: Props) {
  const [dealSources, setDealSources] = useState<string[]>(settings.dealSourceIds ?? choices.dealSources.map((s) => s.id));
  const [spendSources, setSpendSources] = useState<string[]>(settings.spendSourceIds ?? choices.spendSources.map((s) => s.id));
  const [paymentField, setPaymentField] = useState(choices.paymentFields.includes(settings.join.payment) ? settings.join.payment : 'key');
  const [dealField, setDealField] = useState(settings.join.deal);
  const [basis, setBasis] = useState(settings.basis);
  const [conditionField, setConditionField] = useState(settings.dealConditions[0]?.field ?? '');
  const [conditionValues, setConditionValues] = useState<string[]>(settings.dealConditions[0]?.values ?? []);
  const [sameAmount, setSameAmount] = useState(settings.sameAmount);
  const [preview, setPreview] = useState<JoinPreview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<{ ok: boolean; text: string } | null>(null);

  const dealFields = useMemo(() => [...new Set([settings.join.deal, ...choices.dealFields])], [choices.dealFields, settings.join.deal]);
  const draft = useMemo(
    () => ({
      dealSourceIds: dealSources.length === choices.dealSources.length && settings.dealSourceIds === null ? null : dealSources,
      spendSourceIds: spendSources.length === choices.spendSources.length && settings.spendSourceIds === null ? null : spendSources,
      join: { payment: paymentField, deal: dealField },
      basis,
      dealConditions: basis === 'deal' && conditionField && conditionValues.length ? [{ field: conditionField, values: conditionValues }] : [],
      sameAmount,
    }),
    [dealSources, spendSources, paymentField, dealField, basis, conditionField, conditionValues, sameAmount, choices, settings],
  );

  useEffect(() => {
    let stale = false;
    const t = setTimeout(() => {
      void previewRomiAction(id, draft, conditionField ? [conditionField] : []).then((r) => {
        if (stale) return;
        if (r.ok) {
          setPreview(r.data);
          setPreviewError(null);
        } else setPreviewError(r.error);
      });
    }, 300);
    return () => {
      stale = true;
      clearTimeout(t);
    };
  }, [id, draft, conditionField]);

  const save = async () => {
    setSaving(true);
    const r = await saveRomiSettingsAction(id, draft);
    setSaving(false);
    setSaved(r.ok ? { ok: true, text: r.data.changed ? 'Saved. The dashboard\'s figures are being rebuilt with these settings; they show in a few seconds.' : 'Nothing changed.' } : { ok: false, text: r.error });
  };

  const toggle = (list: string[], set: (v: string[]) => void, value: string, on: boolean) => set(on ? [...list, value] : list.filter((x) => x !== value));
  const values = preview?.fieldValues[conditionField] ?? [];

  return (
    <div className="stack romi-settings" data-testid="romi-settings">
      <div className="form-row romi-sources">
        <fieldset className="plain-fieldset">
          <legend className="field-legend">Deals from</legend>
          {choices.dealSources.length ? choices.dealSources.map((s) => (
            <label key={s.id} className="check">
              <input type="checkbox" checked={dealSources.includes(s.id)} onChange={(e) => toggle(dealSources, setDealSources, s.id, e.target.checked)} />
              <span><strong>{s.name}</strong> <span className="muted">· {s.rows.toLocaleString('en-US')} records</span></span>
            </label>
          )) : <p className="muted small">No CRM deal source yet: add one under <Link href="/sources">Sources</Link>.</p>}
        </fieldset>
        <fieldset className="plain-fieldset">
          <legend className="field-legend">Ad spend from</legend>
          {choices.spendSources.length ? choices.spendSources.map((s) => (
            <label key={s.id} className="check">
              <input type="checkbox" checked={spendSources.includes(s.id)} onChange={(e) => toggle(spendSources, setSpendSources, s.id, e.target.checked)} />
              <span><strong>{s.name}</strong> <span className="muted">· {s.rows.toLocaleString('en-US')} rows</span></span>
            </label>
          )) : <p className="muted small">No ad-spend source yet.</p>}
          <p className="muted small">Which channel each platform&apos;s spend counts as: <Link href="/sources/channels">Channels</Link>.</p>
        </fieldset>
      </div>

      <fieldset className="plain-fieldset">
        <legend className="field-legend">A payment belongs to a deal when</legend>
        <div className="join-sentence">
          <span>the payment&apos;s</span>
          <select aria-label="Payment field" value={paymentField} onChange={(e) => setPaymentField(e.target.value)}>
            {choices.paymentFields.map((f) => <option key={f} value={f}>{f === 'key' ? `key (${paymentSide})` : fieldLabel(f)}</option>)}
          </select>
          <span>equals the deal&apos;s</span>
          <select aria-label="Deal field" value={dealField} onChange={(e) => setDealField(e.target.value)}>
            {dealFields.map((f) => <option key={f} value={f}>{fieldLabel(f)}</option>)}
          </select>
        </div>
      </fieldset>

      <fieldset className="plain-fieldset">
        <legend className="field-legend">Revenue is</legend>
        <label className="check"><input type="radio" name="romi-basis" checked={basis === 'payment'} onChange={() => setBasis('payment')} /> <span>each payment reconciled Paid, at its amount, on its payment date</span></label>
        <label className="check"><input type="radio" name="romi-basis" checked={basis === 'deal'} onChange={() => setBasis('deal')} /> <span>each won deal&apos;s amount, in the month it closed, once its payment is reconciled Paid</span></label>
        {basis === 'deal' ? (
          <div className="deal-conditions">
            <label className="check"><input type="checkbox" checked={sameAmount} onChange={(e) => setSameAmount(e.target.checked)} /> <span>only when the payment&apos;s amount equals the deal&apos;s</span></label>
            <div className="join-sentence">
              <span>and only deals whose</span>
              <select aria-label="Condition field" value={conditionField} onChange={(e) => { setConditionField(e.target.value); setConditionValues([]); }}>
                <option value="">(no condition)</option>
                {dealFields.filter((f) => f !== 'id').map((f) => <option key={f} value={f}>{fieldLabel(f)}</option>)}
              </select>
              {conditionField ? <span>is one of</span> : null}
            </div>
            {conditionField ? (
              <div className="condition-values" role="group" aria-label={`Values of ${fieldLabel(conditionField)}`}>
                {values.map((v) => (
                  <label key={v.value} className="check">
                    <input type="checkbox" checked={conditionValues.includes(v.value)} disabled={!v.value} onChange={(e) => toggle(conditionValues, setConditionValues, v.value, e.target.checked)} />
                    <span>{v.value || <em>empty</em>} <span className="muted">· {plural(v.deals, 'won deal')}</span></span>
                  </label>
                ))}
                {!values.length ? <span className="muted small">Reading the values…</span> : null}
              </div>
            ) : null}
          </div>
        ) : null}
      </fieldset>

      <div className="romi-preview" aria-live="polite" data-testid="romi-preview">
        <h3>Before you save</h3>
        {previewError ? <div className="alert error">{previewError}</div> : null}
        {preview ? (
          <>
            <p data-testid="romi-preview-link">
              <strong>{preview.linked.toLocaleString('en-US')} of {plural(preview.wonDeals, 'won deal')}</strong> link to a payment of this reconciliation
              {preview.wonDeals - preview.linked ? <>; <strong>{(preview.wonDeals - preview.linked).toLocaleString('en-US')}</strong> do not (listed below)</> : null}.
              {' '}{plural(preview.paymentsLinked, 'payment')} of {preview.payments.toLocaleString('en-US')} in the ledger belong to a deal.
            </p>
            <ul className="preview-figures">
              <li data-testid="romi-preview-counted"><strong>{plural(preview.counted, 'deal')} count</strong>: {money(preview.countedMinor)}</li>
              <li data-testid="romi-preview-refunded">{plural(preview.refunded, 'deal')} refunded (count nothing)</li>
              <li data-testid="romi-preview-waiting">{plural(preview.waiting, 'deal')} not yet counted: {money(preview.waitingMinor)}</li>
            </ul>
            {preview.unlinked.length ? (
              <details className="unlinked" open={preview.unlinked.length <= 10}>
                <summary>Won deals with no payment ({preview.unlinked.length}{preview.wonDeals - preview.linked > preview.unlinked.length ? ` of ${preview.wonDeals - preview.linked}` : ''})</summary>
                <table className="data compact">
                  <thead><tr><th scope="col">Deal</th><th scope="col">{fieldLabel(dealField)}</th><th scope="col">Amount</th><th scope="col">Date</th></tr></thead>
                  <tbody>
                    {preview.unlinked.map((u) => (
                      <tr key={u.dealId}><td><code>{u.dealId}</code></td><td>{u.link ?? <em className="muted">empty</em>}</td><td className="num">{formatMoney(BigInt(u.amountMinor), u.currency || 'USD', { cents: true })}</td><td>{u.date ?? '—'}</td></tr>
                    ))}
                  </tbody>
                </table>
              </details>
            ) : null}
          </>
        ) : !previewError ? <p className="muted">Working out what these settings count…</p> : null}
      </div>

      {saved ? <div className={`alert ${saved.ok ? 'success' : 'error'}`} role="status">{saved.text}</div> : null}
      <div className="row-actions">
        <button type="button" className="button" onClick={() => void save()} disabled={saving || (basis === 'deal' && !!conditionField && !conditionValues.length)}>{saving ? 'Saving…' : 'Save ROMI settings'}</button>
        {basis === 'deal' && conditionField && !conditionValues.length ? <span className="muted small">Choose at least one value of {fieldLabel(conditionField)}, or no condition.</span> : null}
      </div>
    </div>
  );
}
