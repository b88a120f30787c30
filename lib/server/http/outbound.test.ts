import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addressDecision, outboundErrorMessage, outboundFetch, parseAllowList } from './outbound';

describe('addressDecision (the guard alone: nothing is contacted)', () => {
  const none = parseAllowList('');
  it('refuses loopback, private, link-local (cloud metadata), unique-local, CGNAT, unspecified and multicast addresses', () => {
    const refused: Record<string, string> = {
      '127.0.0.1': 'loopback',
      '::1': 'loopback',
      '10.1.2.3': 'private',
      '172.16.0.9': 'private',
      '192.168.1.1': 'private',
      '169.254.169.254': 'linkLocal',
      'fe80::1': 'linkLocal',
      'fc00::5': 'uniqueLocal',
      '100.64.0.1': 'carrierGradeNat',
      '0.0.0.0': 'unspecified',
      '224.0.0.1': 'multicast',
      '::ffff:10.0.0.1': 'private',
      '::ffff:127.0.0.1': 'loopback',
    };
    for (const [address, range] of Object.entries(refused)) expect(addressDecision(address, none), address).toEqual({ allowed: false, range });
  });
  it('allows public unicast addresses', () => {
    for (const address of ['8.8.8.8', '149.154.167.220', '2001:4860:4860::8888']) expect(addressDecision(address, none)).toEqual({ allowed: true });
  });
  it('allows what PAIDLINE_OUTBOUND_ALLOW lists: addresses and CIDR ranges', () => {
    const allow = parseAllowList(' 10.20.0.0/16 , 192.168.1.5, erp.internal ');
    expect(addressDecision('10.20.9.9', allow)).toEqual({ allowed: true });
    expect(addressDecision('10.21.0.1', allow)).toMatchObject({ allowed: false });
    expect(addressDecision('192.168.1.5', allow)).toEqual({ allowed: true });
    expect(addressDecision('192.168.1.6', allow)).toMatchObject({ allowed: false });
    expect(allow.hosts.has('erp.internal')).toBe(true);
  });
});

describe('outboundFetch against a server on loopback', () => {
  let server: http.Server;
  let port = 0;
  let hits = 0;
  const saved = process.env.PAIDLINE_OUTBOUND_ALLOW;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits++;
      if (req.url === '/redirect') {
        res.writeHead(302, { location: `http://127.0.0.2:${port}/inside` });
        res.end();
      } else res.end(`ok ${req.url}`);
    });
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(() => {
    process.env.PAIDLINE_OUTBOUND_ALLOW = saved;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const attempt = async (url: string) => {
    try {
      const res = await outboundFetch(url);
      return `${res.status} ${await res.text()}`;
    } catch (e) {
      return outboundErrorMessage(e);
    }
  };

  it('refuses an IP literal and a name that resolves to loopback; the server never sees the request', async () => {
    process.env.PAIDLINE_OUTBOUND_ALLOW = '';
    hits = 0;
    expect(await attempt(`http://127.0.0.1:${port}/a`)).toMatch(/^Refused to connect to 127\.0\.0\.1: a loopback address .*PAIDLINE_OUTBOUND_ALLOW/);
    expect(await attempt(`http://localhost:${port}/a`)).toMatch(/^Refused to connect to localhost \((127\.0\.0\.1|::1)\): a loopback address/);
    expect(await attempt(`http://[::1]:${port}/a`)).toMatch(/^Refused to connect to ::1/);
    expect(hits).toBe(0);
  });

  it('reaches an allowed host, but not a redirect from it into another internal address', async () => {
    process.env.PAIDLINE_OUTBOUND_ALLOW = '127.0.0.1';
    hits = 0;
    expect(await attempt(`http://127.0.0.1:${port}/a`)).toBe('200 ok /a');
    expect(await attempt(`http://127.0.0.1:${port}/redirect`)).toMatch(/^Refused to connect to 127\.0\.0\.2: a loopback address/);
    expect(hits).toBe(2);
  });

  it('allows a host by name', async () => {
    process.env.PAIDLINE_OUTBOUND_ALLOW = 'localhost';
    expect(await attempt(`http://localhost:${port}/b`)).toBe('200 ok /b');
  });
});
