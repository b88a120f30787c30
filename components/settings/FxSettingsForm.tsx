'use client';

import { useState } from 'react';
import { useRouter } from 'next/navigation';
import { deleteFxRateAction, saveFxRatesAction, saveReportingCurrencyAction } from '@/app/(app)/settings/actions';
import { useToast } from '@/components/ui/Toasts';

type Rate = { month: string; currency: string; rate: string };

/**
 * The reporting currency and its monthly rates: typed or pasted as lines (month,currency,rate), or read
 * from a CSV file; each bad line is named and nothing is saved then.
 */
export function FxSettingsForm({ base, rates, currencies }: { base: string | null; rates: Rate[]; currencies: string[] }) {
  const router = useRouter();
  const toast = useToast();
  const [currency, setCurrency] = useState(base ?? '');
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const months = [...new Set(rates.map((r) => r.month))].sort().reverse();
  const rateCurrencies = [...new Set(rates.map((r) => r.currency))].sort();

  const saveBase = async () => {
    setBusy(true);
    const r = await saveReportingCurrencyAction(currency.trim());
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setError(null);
    toast({ tone: 'success', title: r.data.currency ? `Figures are reported in ${r.data.currency}` : 'No reporting currency: each currency stays apart' });
    router.refresh();
  };
  const saveRates = async () => {
    setBusy(true);
    const r = await saveFxRatesAction(text);
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setError(null);
    setText('');
    toast({ tone: 'success', title: `${r.data.changed} rate${r.data.changed === 1 ? '' : 's'} saved`, description: r.data.read !== r.data.changed ? `${r.data.read - r.data.changed} were unchanged.` : undefined });
    router.refresh();
  };

  return (
    <div className="stack" data-testid="fx-settings">
      {error ? <div className="alert error" role="alert">{error}</div> : null}
      <div className="form-row">
        <div className="field">
          <label htmlFor="fx-base">Reporting currency</label>
          <input id="fx-base" type="text" maxLength={3} value={currency} placeholder="none" list="fx-currencies" onChange={(e) => setCurrency(e.target.value.toUpperCase())} />
          <datalist id="fx-currencies">{currencies.map((c) => <option key={c} value={c} />)}</datalist>
          <span className="hint">Empty: every currency stays apart. Currencies in the data: {currencies.join(', ') || 'none yet'}.</span>
        </div>
        <div className="field"><button type="button" className="button" disabled={busy || currency === (base ?? '')} onClick={() => void saveBase()}>Save</button></div>
      </div>
      <div className="field">
        <label htmlFor="fx-lines">Add or replace monthly rates</label>
        <textarea id="fx-lines" rows={4} value={text} placeholder={'month,currency,rate\n2025-01,EUR,1.0832\n2025-01,GBP,1.2461'} onChange={(e) => setText(e.target.value)} />
        <span className="hint">One per line: 1 unit of the currency is worth <em>rate</em> units of {base ?? 'the reporting currency'} in that month. Or read a CSV file: <input type="file" accept=".csv,text/csv,text/plain" aria-label="Rates file" onChange={async (e) => { const f = e.target.files?.[0]; if (f) setText(await f.text()); }} /></span>
      </div>
      <div className="row-actions"><button type="button" className="button secondary" disabled={busy || !text.trim()} onClick={() => void saveRates()}>Save rates</button></div>
      {rates.length ? (
        <div className="table-wrap">
          <table className="data compact" data-testid="fx-rates">
            <caption className="table-caption">Rates to {base ?? 'the reporting currency'}</caption>
            <thead><tr><th scope="col">Month</th>{rateCurrencies.map((c) => <th key={c} scope="col" className="num">{c}</th>)}</tr></thead>
            <tbody>
              {months.map((m) => (
                <tr key={m}>
                  <th scope="row">{m}</th>
                  {rateCurrencies.map((c) => {
                    const r = rates.find((x) => x.month === m && x.currency === c);
                    return (
                      <td key={c} className="num">
                        {r ? <>{r.rate} <button type="button" className="link-like small" aria-label={`Remove ${c} for ${m}`} onClick={async () => { const res = await deleteFxRateAction(m, c); if (res.ok) router.refresh(); else setError(res.error); }}>×</button></> : <span className="muted">—</span>}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : <p className="muted small">No rates yet.</p>}
    </div>
  );
}
