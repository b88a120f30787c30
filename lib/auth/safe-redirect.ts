const BASE = 'http://paidline.invalid';

/**
 * Only a same-origin path is followed after sign-in; anything else goes home. The value is parsed as
 * a URL against a placeholder origin and must keep that origin; control characters (a tab or CR
 * between the slashes is dropped by URL parsers, turning `/\t/evil.example` into `//evil.example`),
 * backslashes and encoded slashes are refused outright. The result is the parsed path, so non-ASCII
 * comes back percent-encoded and is safe in a Location header.
 */
export function safeCallbackPath(value: unknown): string {
  if (typeof value !== 'string' || value.length > 2048 || !value.startsWith('/')) return '/';
  if (/[\u0000-\u001f\u007f\\]/.test(value) || /%(2f|5c|09|0a|0d)/i.test(value)) return '/';
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return '/';
  }
  if (url.origin !== BASE) return '/';
  const path = `${url.pathname}${url.search}${url.hash}`;
  if (path.startsWith('//') || path.startsWith('/login') || path.startsWith('/api/')) return '/';
  return path;
}
