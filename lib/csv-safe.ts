/**
 * One CSV cell, quoted when needed, and neutralised against formula injection:
 * a cell beginning with = + - @ (or a tab/CR) is prefixed with a quote so that
 * spreadsheet programs show it as text instead of evaluating it.
 */
export function csvEscapeCell(value: string): string {
  let v = value;
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  if (/[",\r\n]/.test(v)) v = `"${v.replace(/"/g, '""')}"`;
  return v;
}
