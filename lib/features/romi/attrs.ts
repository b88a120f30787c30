/** A record's mapped fields (SourceRecord.attrs, JSON); anything unreadable reads as none. */
export function parseAttrs(s: string | null): Record<string, string> {
  if (!s) return {};
  try {
    return JSON.parse(s) as Record<string, string>;
  } catch {
    return {};
  }
}
