import { clientIp } from './client-ip';

/** Client IP (lib/server/http/client-ip.ts: the socket, or trusted proxies only) and user agent, for rate limits and the audit log. */
export function requestMeta(headers: Headers): { ip: string | null; userAgent: string | null } {
  return { ip: clientIp(headers), userAgent: headers.get('user-agent') };
}
