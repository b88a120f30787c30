/**
 * Outbound HTTP with a guard against server-side request forgery: the URLs Paidline fetches are set
 * by users (an analyst's REST connector, an admin's alert webhook and Telegram base URL), so a URL
 * must not reach the machine itself or the private network behind it (the cloud metadata service,
 * an internal admin page). Every connection, redirects included, is checked after DNS resolution:
 * loopback, private, link-local, unique-local, carrier-grade NAT, multicast and reserved addresses
 * are refused unless the deployment allows them in PAIDLINE_OUTBOUND_ALLOW (comma-separated host
 * names, addresses or CIDR ranges, e.g. `erp.internal,10.20.0.0/16`).
 */
import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';

export class OutboundBlockedError extends Error {
  override name = 'OutboundBlockedError';
}

export type AllowList = { hosts: Set<string>; ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] };

export function parseAllowList(text: string | undefined): AllowList {
  const list: AllowList = { hosts: new Set(), ranges: [] };
  for (const raw of (text ?? '').split(',')) {
    const item = raw.trim().toLowerCase();
    if (!item) continue;
    if (item.includes('/')) list.ranges.push(ipaddr.parseCIDR(item));
    else if (ipaddr.isValid(item)) list.ranges.push([ipaddr.parse(item), ipaddr.parse(item).kind() === 'ipv4' ? 32 : 128]);
    else list.hosts.add(item);
  }
  return list;
}

function allowList(): AllowList {
  return parseAllowList(process.env.PAIDLINE_OUTBOUND_ALLOW);
}

/**
 * Whether Paidline may connect to this address (the guard's decision alone: nothing is contacted).
 * Public unicast addresses are allowed; everything else needs PAIDLINE_OUTBOUND_ALLOW.
 */
export function addressDecision(address: string, allow: AllowList = allowList()): { allowed: true } | { allowed: false; range: string } {
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  for (const [net_, bits] of allow.ranges) if (net_.kind() === ip.kind() && ip.match(net_, bits)) return { allowed: true };
  const range = ip.range();
  return range === 'unicast' ? { allowed: true } : { allowed: false, range };
}

function refusal(host: string, address: string, range: string): OutboundBlockedError {
  return new OutboundBlockedError(
    `Refused to connect to ${host}${host === address ? '' : ` (${address})`}: a ${range} address is not reachable from Paidline. ` +
      'If this host is meant to be reached, an administrator can allow it in PAIDLINE_OUTBOUND_ALLOW.',
  );
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/** dns.lookup, refusing when any address the name resolves to is not allowed. */
function guardedLookup(hostname: string, options: dns.LookupOptions, callback: LookupCallback): void {
  const allow = allowList();
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    if (!allow.hosts.has(hostname.toLowerCase())) {
      for (const a of addresses) {
        const d = addressDecision(a.address, allow);
        if (!d.allowed) return callback(refusal(hostname, a.address, d.range), []);
      }
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
}

const connect = buildConnector({ lookup: guardedLookup as unknown as typeof dns.lookup, timeout: 10_000 });

/** The connector every outbound connection goes through: IP literals are checked here, names by the lookup. */
const guardedConnect: buildConnector.connector = (options, callback) => {
  const host = options.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host)) {
    const allow = allowList();
    const d = allow.hosts.has(host.toLowerCase()) ? ({ allowed: true } as const) : addressDecision(host, allow);
    if (!d.allowed) return callback(refusal(host, host, d.range), null);
  }
  return connect(options, callback);
};

// Connections are pooled per allow-list: a connection opened while an address was allowed is not
// reused once the list changes (tests change it; a deployment sets it once).
let pool: { allow: string; dispatcher: Agent } | null = null;

/** fetch for user-configured URLs: the same API as the global fetch, through the guard. */
export const outboundFetch: typeof fetch = (input, init) => {
  const allow = process.env.PAIDLINE_OUTBOUND_ALLOW ?? '';
  if (pool?.allow !== allow) {
    void pool?.dispatcher.close().catch(() => {});
    pool = { allow, dispatcher: new Agent({ connect: guardedConnect }) };
  }
  const { dispatcher } = pool;
  return undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher }) as unknown as Promise<Response>;
};

/** Whether a fetch failed because the guard refused the address. */
export function isOutboundBlocked(error: unknown): boolean {
  return error instanceof OutboundBlockedError || (error as { cause?: unknown })?.cause instanceof OutboundBlockedError;
}

/** The reason a fetch failed: undici wraps connection errors in a TypeError('fetch failed') with a cause. */
export function outboundErrorMessage(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause;
  if (cause instanceof OutboundBlockedError) return cause.message;
  if (error instanceof OutboundBlockedError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
