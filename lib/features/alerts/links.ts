/**
 * Links in alerts point at the app's public address: PAIDLINE_PUBLIC_URL (e.g.
 * https://paidline.example.com), default http://localhost:$PORT for a local instance.
 */
export function publicBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.PAIDLINE_PUBLIC_URL?.trim();
  if (configured) return configured.replace(/\/+$/, '');
  return `http://localhost:${env.PORT ?? '3000'}`;
}

/** An app path (/discrepancies/12) made absolute; absolute URLs pass through. */
export function absoluteLink(link: string, env: NodeJS.ProcessEnv = process.env): string {
  return /^https?:\/\//.test(link) ? link : `${publicBaseUrl(env)}${link.startsWith('/') ? '' : '/'}${link}`;
}

/** Telegram accepts only public https URLs in url buttons. */
export function isButtonUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && u.hostname !== 'localhost' && !/^127\./.test(u.hostname);
  } catch {
    return false;
  }
}
