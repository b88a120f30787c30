import { describe, expect, it } from 'vitest';
import { clientIp, parseTrustedProxies, PEER_HEADER } from './client-ip';

const TOKEN = 'test-token-0123456789';
const env = (trusted?: string) => ({ PAIDLINE_PEER_TOKEN: TOKEN, ...(trusted === undefined ? {} : { PAIDLINE_TRUSTED_PROXIES: trusted }) });
const headers = (peer: string | null, xff?: string, token = TOKEN) => {
  const h = new Headers();
  if (peer !== null) h.set(PEER_HEADER, `${token} ${peer}`);
  if (xff !== undefined) h.set('x-forwarded-for', xff);
  return h;
};

describe('the client IP', () => {
  it('is the socket address when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientIp(headers('203.0.113.5', '1.2.3.4'), env())).toBe('203.0.113.5');
    // A rotated header changes nothing: the budget stays the socket's.
    for (let i = 0; i < 5; i++) expect(clientIp(headers('203.0.113.5', `10.0.${i}.1`), env())).toBe('203.0.113.5');
  });

  it('reads IPv4-mapped IPv6 socket addresses as IPv4', () => {
    expect(clientIp(headers('::ffff:127.0.0.1'), env())).toBe('127.0.0.1');
    expect(clientIp(headers('2001:db8::1'), env())).toBe('2001:db8::1');
  });

  it('is unknown (null) without a stamp from this process: a forged stamp or a wrong token is not believed', () => {
    expect(clientIp(headers(null, '198.51.100.1'), env())).toBeNull();
    expect(clientIp(headers('198.51.100.1', undefined, 'forged'), env())).toBeNull();
    expect(clientIp(headers('198.51.100.1'), {} as NodeJS.ProcessEnv)).toBeNull(); // server not started by scripts/serve.mjs
    expect(clientIp(headers('not-an-ip'), env())).toBeNull();
  });

  it('with a hop count, reads X-Forwarded-For from the right through exactly that many proxies', () => {
    // client -> nginx (10.0.0.2) -> app: nginx appends the client, the socket is nginx.
    expect(clientIp(headers('10.0.0.2', '198.51.100.7'), env('1'))).toBe('198.51.100.7');
    // The client's own forged entries sit further left and are ignored.
    expect(clientIp(headers('10.0.0.2', '6.6.6.6, 198.51.100.7'), env('1'))).toBe('198.51.100.7');
    // Two proxies: CDN then nginx.
    expect(clientIp(headers('10.0.0.2', '6.6.6.6, 198.51.100.7, 172.16.0.9'), env('2'))).toBe('198.51.100.7');
    // Reached without the proxy (no header): the socket itself.
    expect(clientIp(headers('198.51.100.8'), env('1'))).toBe('198.51.100.8');
  });

  it('with CIDR ranges, skips trusted hops from the right and stops at the first other one', () => {
    const trusted = env('10.0.0.0/8, 2001:db8::/32');
    expect(clientIp(headers('10.0.0.2', '6.6.6.6, 198.51.100.7, 10.1.2.3'), trusted)).toBe('198.51.100.7');
    expect(clientIp(headers('2001:db8::5', '198.51.100.9'), trusted)).toBe('198.51.100.9');
    // A socket outside the trusted ranges is the client: its header is not read.
    expect(clientIp(headers('203.0.113.1', '1.1.1.1'), trusted)).toBe('203.0.113.1');
    // Garbage in a position only the client controls does not become a key.
    expect(clientIp(headers('10.0.0.2', 'x'.repeat(40)), trusted)).toBe('10.0.0.2');
  });

  it('refuses a malformed setting with a message that names it', () => {
    expect(() => parseTrustedProxies('10.0.0.0/99')).toThrow(/PAIDLINE_TRUSTED_PROXIES.*not an address or CIDR/);
    expect(() => parseTrustedProxies('everything')).toThrow(/PAIDLINE_TRUSTED_PROXIES/);
    expect(() => parseTrustedProxies('50')).toThrow(/at most 10/);
    expect(parseTrustedProxies('')).toBeNull();
    expect(parseTrustedProxies('0')).toBeNull();
    expect(parseTrustedProxies(' 2 ')).toEqual({ hops: 2 });
  });
});
