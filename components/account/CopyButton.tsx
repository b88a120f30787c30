'use client';

import { useEffect, useState } from 'react';

/**
 * Copies a text to the clipboard and says so. Where the clipboard is unavailable (a plain-http
 * address other than localhost), it selects the text in `selectId` so Ctrl+C / Cmd+C copies it.
 */
export function CopyButton({ text, label, selectId, className = 'button secondary small' }: { text: string; label: string; selectId?: string; className?: string }) {
  const [said, setSaid] = useState<'idle' | 'copied' | 'select'>('idle');
  useEffect(() => {
    if (said === 'idle') return;
    const t = setTimeout(() => setSaid('idle'), 4000);
    return () => clearTimeout(t);
  }, [said]);

  function selectText() {
    const el = selectId ? document.getElementById(selectId) : null;
    if (!el) return;
    const range = document.createRange();
    range.selectNodeContents(el);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
  }

  return (
    <>
      <button
        type="button"
        className={className}
        onClick={() => {
          if (!navigator.clipboard) {
            selectText();
            setSaid('select');
            return;
          }
          navigator.clipboard.writeText(text).then(
            () => setSaid('copied'),
            () => {
              selectText();
              setSaid('select');
            },
          );
        }}
      >
        {said === 'copied' ? 'Copied' : label}
      </button>
      <span className="sr-only" aria-live="polite">
        {said === 'copied' ? 'Copied to the clipboard.' : said === 'select' ? 'Selected: press Control+C or Command+C to copy.' : ''}
      </span>
      {said === 'select' ? <span className="muted small">Selected: press Ctrl+C (⌘C) to copy.</span> : null}
    </>
  );
}
