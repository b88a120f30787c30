/**
 * A real HTTP payment API for connector tests (node:http on port 0): Stripe-like list endpoint
 * with has_more/starting_after, a next_cursor variant, page numbers and Link headers, plus
 * switches for failures (500s, 429 + Retry-After, a page that never answers, malformed JSON).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Payment = { id: string; amount: number; currency: string; status: string; created: number };

export interface Faults {
  /** Answer 500 to this many requests first. */
  errors500?: number;
  /** Answer 429 with this Retry-After (seconds) to this many requests first. */
  tooMany?: { count: number; retryAfter: string };
  /** Never answer requests for this page (1-based). */
  hangOnPage?: number;
  /** Send malformed JSON for this page (1-based). */
  malformedOnPage?: number;
}

export interface PaymentApi {
  url: string;
  payments: Payment[];
  faults: Faults;
  requests: { url: URL; authorization: string | undefined }[];
  close(): Promise<void>;
}

export function makePayments(n: number, from = 1, created0 = 1_763_000_000): Payment[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `py_${String(from + i).padStart(3, '0')}`,
    amount: 1000 + from + i,
    currency: 'eur',
    status: (from + i) % 5 === 0 ? 'failed' : 'succeeded',
    created: created0 + (from + i) * 60,
  }));
}

export async function startPaymentApi(payments: Payment[]): Promise<PaymentApi> {
  const api: PaymentApi = { url: '', payments, faults: {}, requests: [], close: async () => {} };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    api.requests.push({ url, authorization: req.headers.authorization });
    const f = api.faults;
    if (f.errors500 && f.errors500 > 0) {
      f.errors500--;
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal"}');
      return;
    }
    if (f.tooMany && f.tooMany.count > 0) {
      f.tooMany.count--;
      res.writeHead(429, { 'retry-after': f.tooMany.retryAfter }).end('slow down');
      return;
    }
    if (url.pathname === '/secret' && req.headers.authorization !== 'Bearer sk_live_TOKEN') {
      res.writeHead(401).end('{"error":"unauthorized"}');
      return;
    }
    const limit = Number(url.searchParams.get('limit') ?? url.searchParams.get('per_page') ?? 3);
    const gte = url.searchParams.get('created[gte]');
    const all = api.payments.filter((p) => gte === null || p.created >= Number(gte)).sort((a, b) => a.created - b.created || a.id.localeCompare(b.id));
    let start = 0;
    const after = url.searchParams.get('starting_after') ?? url.searchParams.get('cursor');
    if (after) start = all.findIndex((p) => p.id === after) + 1;
    const pageParam = url.searchParams.get('page');
    if (pageParam) start = (Number(pageParam) - 1) * limit;
    const slice = all.slice(start, start + limit);
    const pageNo = Math.floor(start / limit) + 1;
    if (f.hangOnPage === pageNo) return; // never answers
    if (f.malformedOnPage === pageNo) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"data": [{"id": "py_x",');
      return;
    }
    const hasMore = start + limit < all.length;
    const last = slice[slice.length - 1];
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (url.pathname === '/linked' && hasMore && last) {
      const next = new URL(url);
      next.searchParams.set('starting_after', last.id);
      headers.link = `<${next.pathname}${next.search}>; rel="next", <${url.pathname}>; rel="first"`;
    }
    if (url.pathname === '/evil' && hasMore && last) {
      headers.link = `<http://evil.example/steal?starting_after=${last.id}>; rel="next"`;
    }
    const body = url.pathname === '/wrapped'
      ? { result: { items: slice }, meta: { next: hasMore && last ? last.id : null } }
      : { object: 'list', data: slice, has_more: hasMore, next_cursor: hasMore && last ? last.id : null };
    res.writeHead(200, headers).end(JSON.stringify(body));
  };
  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  api.url = `http://127.0.0.1:${port}`;
  api.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return api;
}

/** A sleep that records the delays and waits 1 ms. */
export function fakeSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => { delays.push(ms); await new Promise((r) => setTimeout(r, 1)); } };
}
