'use client';

/** Opens the browser's print dialog: "Save as PDF" gives the A4 document. */
export function PrintButton() {
  return (
    <button type="button" className="button" onClick={() => window.print()} data-testid="print-report">
      Print or save as PDF
    </button>
  );
}
