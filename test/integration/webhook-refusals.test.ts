/**
 * Webhook deliveries refused before they are read still show in the source's attempts, on SQLite
 * and PostgreSQL: a wrong method gets 405 with Allow: POST and an attempt row; a flood that the
 * proxy's per-IP webhook budget refuses (429) leaves ONE attempt row per source and window, not
 * one per request, and a flood over random source URLs one row in all.
 */
import { NextRequest } from 'next/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import proxy from '@/proxy';
import { resetRateLimits } from '@/lib/server/rate-limit';
import { noteRateLimitedWebhook, resetRateLimitedWebhooks } from '@/lib/features/ingestion/webhooks/refused-deliveries';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { fromPeer } from '@/test/peer';

const route = await import('@/app/api/webhooks/[source]/route');

afterEach(() => {
  delete process.env.PAIDLINE_RATE_LIMIT_SCALE;
  resetRateLimits();
  resetRateLimitedWebhooks();
});

describe.each(DATABASE_KINDS)('refused webhook deliveries on %s', (kind) => {
  let db: TestDatabase;
  let sourceId: string;
  const attempts = (outcome: string) => db.prisma.webhookAttempt.findMany({ where: { outcome }, orderBy: [{ receivedAt: 'asc' }, { id: 'asc' }] });

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    process.env.DATABASE_URL = db.url;
    sourceId = (await db.prisma.source.create({ data: { name: 'Stripe EU', kind: 'gateway' } })).id;
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('GET, PUT, PATCH and DELETE: 405 with Allow: POST, one attempt row each, nothing accepted', async () => {
    const methods = ['GET', 'PUT', 'PATCH', 'DELETE'] as const;
    for (const method of methods) {
      const request = new Request(`http://localhost/api/webhooks/${sourceId}`, {
        method,
        headers: { ...fromPeer('203.0.113.5'), ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
        ...(method === 'GET' ? {} : { body: '{"id":"evt_1"}' }),
      });
      const response = await route[method](request, { params: Promise.resolve({ source: sourceId }) });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(await response.json()).toEqual({ error: `Webhook deliveries are POST requests; ${method} is not accepted here.` });
    }
    const rows = await attempts('method_not_allowed');
    expect(rows.map((r) => [r.sourceId, r.sourceName, r.ip, r.reason])).toEqual(
      methods.map((m) => [sourceId, 'Stripe EU', '203.0.113.5', `Webhook deliveries are POST requests; ${m} is not accepted here.`]),
    );
    // By name, and an unknown source: recorded too, without a source id.
    await route.GET(new Request('http://localhost/api/webhooks/Stripe%20EU'), { params: Promise.resolve({ source: 'Stripe EU' }) });
    await route.GET(new Request('http://localhost/api/webhooks/nope'), { params: Promise.resolve({ source: 'nope' }) });
    const more = (await attempts('method_not_allowed')).slice(methods.length);
    expect(more.map((r) => [r.sourceId, r.sourceName, r.reason])).toEqual([
      [sourceId, 'Stripe EU', 'Webhook deliveries are POST requests; GET is not accepted here.'],
      [null, 'nope', 'Webhook deliveries are POST requests; GET is not accepted here. (unknown source)'],
    ]);
    expect(await db.prisma.webhookEvent.count()).toBe(0);
  });

  it('a flood refused by the rate limit (429) leaves one attempt row per source and window, not one per request', async () => {
    process.env.PAIDLINE_RATE_LIMIT_SCALE = '0.01'; // webhookIp: 6 deliveries a minute per IP
    const deliver = (ref: string, ip: string) =>
      proxy(new NextRequest(`http://localhost/api/webhooks/${ref}`, { method: 'POST', headers: { ...fromPeer(ip), 'content-type': 'application/json' }, body: '{}' }));
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await deliver(sourceId, '198.51.100.20')).status);
    expect(statuses.slice(0, 6).every((s) => s !== 429)).toBe(true);
    expect(statuses.slice(6).every((s) => s === 429)).toBe(true);
    // Another address flooding the same source by name in the same window: still that one row.
    for (let i = 0; i < 10; i++) await deliver(encodeURIComponent('Stripe EU'), '198.51.100.21');
    const rows = await attempts('rate_limited');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ sourceId, sourceName: 'Stripe EU', ip: '198.51.100.20' });
    expect(rows[0]!.reason).toMatch(/^rate limited: the client 198\.51\.100\.20 spent its webhook budget; further refusals in this window \(\d+ s\) not recorded$/);

    // A flood over random source URLs: one row for all unknown sources, not one per URL.
    for (let i = 0; i < 30; i++) await deliver(`random-${i}`, '198.51.100.22');
    const unknown = (await attempts('rate_limited')).filter((r) => r.sourceId === null);
    expect(unknown).toHaveLength(1);
    expect(unknown[0]!.reason).toMatch(/further refusals in this window \(\d+ s\) not recorded \(unknown source\)$/);
    expect(await db.prisma.webhookEvent.count()).toBe(0);
  });

  it('records again once the window has passed', async () => {
    const before = (await attempts('rate_limited')).length;
    const now = Date.now();
    expect(await noteRateLimitedWebhook({ pathname: `/api/webhooks/${sourceId}`, ip: '192.0.2.9', retryAfterSeconds: 30, nowMs: now })).toBe(true);
    expect(await noteRateLimitedWebhook({ pathname: `/api/webhooks/${sourceId}`, ip: '192.0.2.9', retryAfterSeconds: 30, nowMs: now + 29_000 })).toBe(false);
    expect(await noteRateLimitedWebhook({ pathname: `/api/webhooks/${sourceId}`, ip: '192.0.2.9', retryAfterSeconds: 30, nowMs: now + 30_001 })).toBe(true);
    expect((await attempts('rate_limited')).length).toBe(before + 2);
  });

  it('a delivery the HTTP server refused (431) is recorded once reported by Paidline\'s own server, never on a forged report', async () => {
    const report = (header: string) =>
      route.POST(new Request('http://localhost/api/webhooks/Stripe%20EU', { method: 'POST', headers: { 'x-paidline-refused': header } }), { params: Promise.resolve({ source: 'Stripe EU' }) });
    const token = process.env.PAIDLINE_PEER_TOKEN!;
    expect((await report(`${token} 431 ::ffff:198.51.100.77`)).status).toBe(204);
    const rows = await attempts('refused_by_server');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ sourceId, sourceName: 'Stripe EU', ip: '198.51.100.77' });
    expect(rows[0]!.reason).toMatch(/^HTTP 431: the request headers were too large/);
    // A report with another token is an ordinary (unsigned) delivery: refused as such, no refusal row.
    const forged = await report('not-the-token 431 10.0.0.1');
    expect(forged.status).not.toBe(204);
    expect(await attempts('refused_by_server')).toHaveLength(1);
  });
});
