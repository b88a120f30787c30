import ipaddr from 'ipaddr.js';

/**
 * The client's address, the one function rate limits, sign-in throttling and the audit log use.
 *
 * Paidline's own HTTP server (scripts/serve.mjs) stamps every request with the socket's address in
 * PEER_HEADER, together with a token that exists only in that process's environment: a client can
 * send the header, but not a value this function accepts. X-Forwarded-For is read only when
 * PAIDLINE_TRUSTED_PROXIES says which hops to trust, and then from the right:
 *   - a number N: N reverse proxies stand in front (the socket peer is the first of them);
 *   - a list of addresses or CIDR ranges: hops inside them are skipped, the first other one is the client.
 * Without a stamped peer (the app run some other way, or a test calling a handler directly) the
 * address is unknown: null, never a value taken from the request's own headers.
 */
export const PEER_HEADER = 'x-paidline-peer';
export const PEER_TOKEN_ENV = 'PAIDLINE_PEER_TOKEN';

export type TrustedProxies = { hops: number } | { ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] } | null;

/** Parses PAIDLINE_TRUSTED_PROXIES; a wrong value is an error that names the setting, never a silent "trust all". */
export function parseTrustedProxies(raw: string | undefined): TrustedProxies {
  const value = raw?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 10) throw new Error(`PAIDLINE_TRUSTED_PROXIES=${value}: at most 10 proxy hops.`);
    return hops === 0 ? null : { hops };
  }
  const ranges = value.split(',').map((part) => part.trim()).filter(Boolean).map((part): [ipaddr.IPv4 | ipaddr.IPv6, number] => {
    try {
      if (part.includes('/')) return ipaddr.parseCIDR(part);
      const address = ipaddr.process(part);
      return [address, address.kind() === 'ipv4' ? 32 : 128];
    } catch {
      throw new Error(`PAIDLINE_TRUSTED_PROXIES: "${part}" is not an address or CIDR range (for example 10.0.0.0/8, 2001:db8::/32, or a hop count such as 1).`);
    }
  });
  return { ranges };
}

/** A textual address in canonical form (IPv4-mapped IPv6 as IPv4), or null when it is not an address. */
export function normalizeAddress(raw: string | undefined | null): string | null {
  const value = raw?.trim().replace(/^\[|\]$/g, '');
  if (!value || !ipaddr.isValid(value)) return null;
  return ipaddr.process(value).toString();
}

function inRanges(address: string, ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][]): boolean {
  const parsed = ipaddr.process(address);
  return ranges.some(([range, bits]) => parsed.kind() === range.kind() && parsed.match(range, bits));
}

/** The socket address stamped by Paidline's server, when the stamp carries this process's token. */
export function stampedPeer(headers: Headers, env: Partial<NodeJS.ProcessEnv> = process.env): string | null {
  const token = env[PEER_TOKEN_ENV];
  const stamp = headers.get(PEER_HEADER);
  if (!token || !stamp) return null;
  const space = stamp.indexOf(' ');
  if (space < 0 || stamp.slice(0, space) !== token) return null;
  return normalizeAddress(stamp.slice(space + 1));
}

let cachedSetting: { raw: string | undefined; parsed: TrustedProxies } | null = null;
function trustedProxies(env: Partial<NodeJS.ProcessEnv>): TrustedProxies {
  const raw = env.PAIDLINE_TRUSTED_PROXIES;
  if (!cachedSetting || cachedSetting.raw !== raw) cachedSetting = { raw, parsed: parseTrustedProxies(raw) };
  return cachedSetting.parsed;
}

export function clientIp(headers: Headers, env: Partial<NodeJS.ProcessEnv> = process.env): string | null {
  const peer = stampedPeer(headers, env);
  if (!peer) return null;
  const trusted = trustedProxies(env);
  if (!trusted) return peer;
  // The chain as the nearest proxy saw it: the forwarded hops, then the socket peer itself.
  const forwarded = (headers.get('x-forwarded-for') ?? '').split(',').map((hop) => hop.trim()).filter(Boolean);
  const chain = [...forwarded, peer];
  if ('hops' in trusted) {
    if (chain.length <= trusted.hops) return normalizeAddress(chain[0]) ?? peer;
    return normalizeAddress(chain[chain.length - 1 - trusted.hops]) ?? peer;
  }
  if (!inRanges(peer, trusted.ranges)) return peer; // not reached through a trusted proxy: its header says nothing
  for (let i = chain.length - 2; i >= 0; i--) {
    const hop = normalizeAddress(chain[i]);
    if (!hop) return normalizeAddress(chain[i + 1]) ?? peer; // garbage past the trusted hops: the last hop we trust saw this one
    if (!inRanges(hop, trusted.ranges)) return hop;
  }
  return normalizeAddress(chain[0]) ?? peer;
}
