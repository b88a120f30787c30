/** Ids taken out of free text by a pattern the analyst sets ("STRIPE A-20451" -> "A-20451"). Pure: the mapping form previews with it. */

/** True when `p` compiles as a (case-insensitive) regular expression. */
export function isValidPattern(p: string): boolean {
  try {
    new RegExp(p, 'i');
    return true;
  } catch {
    return false;
  }
}

/** The id a pattern takes from a cell: its first capture group or the whole match; '' when it does not match. No pattern: the trimmed cell. */
export function extractId(cell: string, re: RegExp | null): string {
  const v = cell.trim();
  if (!re || v === '') return v;
  const m = re.exec(v);
  return m ? (m[1] ?? m[0]).trim() : '';
}
