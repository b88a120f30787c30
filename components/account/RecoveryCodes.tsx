'use client';

import { useState } from 'react';

/** The recovery codes, shown once: copy them or download them as a text file before leaving the page. */
export function RecoveryCodes({ codes }: { codes: string[] }) {
  const [copied, setCopied] = useState(false);
  const text = `Paidline recovery codes (each works once)\n\n${codes.join('\n')}\n`;
  const href = `data:text/plain;charset=utf-8,${encodeURIComponent(text)}`;
  return (
    <div data-testid="recovery-codes" style={{ border: '1px solid var(--border)', borderRadius: 10, padding: 16 }}>
      <p style={{ marginTop: 0 }}>
        <strong>Save these recovery codes now.</strong> They are shown only this once. Each one signs you in once if you
        lose your phone.
      </p>
      <ol style={{ columns: 2, margin: '0 0 14px', paddingLeft: 22, fontSize: 15, lineHeight: 1.9 }}>
        {codes.map((c) => (
          <li key={c}><code data-testid="recovery-code">{c}</code></li>
        ))}
      </ol>
      <div className="row-actions">
        <button
          type="button"
          className="button secondary small"
          onClick={() => {
            void navigator.clipboard?.writeText(text).then(() => setCopied(true));
          }}
        >
          {copied ? 'Copied' : 'Copy codes'}
        </button>
        <a className="button secondary small" href={href} download="paidline-recovery-codes.txt">Download .txt</a>
      </div>
    </div>
  );
}
