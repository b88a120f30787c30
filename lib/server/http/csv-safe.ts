/** A plain decimal number ("-12.50", "+3", "1000"): a spreadsheet reads it as a number, never as a formula. */
const PLAIN_NUMBER = /^[-+]?\d+(\.\d+)?$/;

/**
 * One CSV cell, quoted when needed, and neutralised against formula injection (CSV
 * injection): a cell beginning with = + - @ or a tab/CR is prefixed with a quote so that
 * spreadsheet programs show it as text instead of evaluating it. Plain numbers are left as
 * they are, so a negative amount stays a number a spreadsheet can add up.
 *
 * Every CSV the app serves goes through this: discrepancy, audit, ROMI drill-down and
 * bad-row exports.
 */
export function csvEscapeCell(value: string): string {
  let v = value;
  if (/^[=+\-@\t\r]/.test(v) && !PLAIN_NUMBER.test(v)) v = `'${v}`;
  if (/[",\r\n]/.test(v)) v = `"${v.replace(/"/g, '""')}"`;
  return v;
}
