/**
 * /api/metrics: every gauge on fixed data (quality-fixtures.ts plus what is added here), on SQLite and
 * PostgreSQL, with expected values worked out by hand; the latency histogram; the bearer token; and
 * one registry per process however often the module is loaded.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { operationalCounts } from '@/lib/features/quality/queries';
import { metricsState, renderMetrics } from '@/lib/server/observability/metrics';
import { hasMetricsToken } from '@/lib/server/observability/metrics-token';
import { defineRoute } from '@/lib/server/pipeline/route';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { seedQualityFixture, type QualityFixture } from './quality-fixtures';

const session = vi.hoisted(() => ({ role: null as string | null }));
vi.mock('@/lib/auth/auth', () => ({
  auth: async () => (session.role ? { user: { id: `user-${session.role}`, email: `${session.role}@example.com`, name: session.role, role: session.role } } : null),
  signIn: async () => undefined,
  signOut: async () => undefined,
  handlers: {},
}));
vi.mock('next/headers', () => ({ headers: async () => new Headers(), cookies: async () => ({ get: () => undefined }) }));

describe('metrics bearer token', () => {
  const h = (auth?: string) => new Headers(auth ? { authorization: auth } : {});
  it('accepts exactly the configured token, in constant time, and nothing when none is configured', () => {
    expect(hasMetricsToken(h('Bearer s3cret-token'), 's3cret-token')).toBe(true);
    expect(hasMetricsToken(h('bearer s3cret-token'), 's3cret-token')).toBe(true);
    expect(hasMetricsToken(h('Bearer s3cret-tokeN'), 's3cret-token')).toBe(false);
    expect(hasMetricsToken(h('Bearer s3cret'), 's3cret-token')).toBe(false);
    expect(hasMetricsToken(h('Basic s3cret-token'), 's3cret-token')).toBe(false);
    expect(hasMetricsToken(h(), 's3cret-token')).toBe(false);
    expect(hasMetricsToken(h('Bearer anything'), undefined)).toBe(false);
    expect(hasMetricsToken(h('Bearer '), '')).toBe(false);
  });
});

describe('metrics registry', () => {
  it('keeps one registry per process when the module is loaded again (Next.js reloads)', async () => {
    const first = metricsState();
    vi.resetModules();
    const again = (await import('@/lib/server/observability/metrics')) as typeof import('@/lib/server/observability/metrics');
    expect(again.metricsState()).toBe(first);
    expect(again.metricsState().registry.getSingleMetric('paidline_http_request_duration_seconds')).toBeDefined();
  });

  it('records request latency through the route pipeline', async () => {
    const route = `/api/test-${Date.now()}`;
    const open = { public: 'test' };
    const ok = defineRoute({ name: route, permission: open }, async () => new Response('ok', { status: 201 }));
    const res = await ok(new Request('http://localhost/x', { headers: { 'x-request-id': 'req-abcdefgh' } }));
    expect(res.headers.get('x-request-id')).toBe('req-abcdefgh');
    const boom = defineRoute({ name: route, permission: open }, async () => {
      throw new Error('boom');
    });
    const failed = await boom(new Request('http://localhost/x', { method: 'POST' }));
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ requestId: failed.headers.get('x-request-id') });
    const text = await metricsState().registry.metrics();
    expect(text).toContain(`paidline_http_request_duration_seconds_count{route="${route}",method="GET",status="201"} 1`);
    expect(text).toContain(`paidline_http_request_duration_seconds_count{route="${route}",method="POST",status="500"} 1`);
  });
});

describe.each(DATABASE_KINDS)('metrics gauges on %s', (kind) => {
  let db: TestDatabase;
  let f: QualityFixture;
  const savedUrl = process.env.DATABASE_URL;
  const savedToken = process.env.PAIDLINE_METRICS_TOKEN;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    f = await seedQualityFixture(db.prisma);
    const p = db.prisma;
    // Two webhook records (no ingestion) for Stripe.
    const version = await p.sourceProfileVersion.create({ data: { sourceId: f.sources.stripe!, version: 1, profile: '{}' } });
    for (const id of ['evt_a', 'evt_b']) {
      await p.sourceRecord.create({ data: { sourceId: f.sources.stripe!, profileVersionId: version.id, dataset: 'payments', eventId: id, key: id, txId: id, amountMinor: 100n, currency: 'USD', status: 'Paid', code: 'paid' } });
    }
    // The newest completed run: 5 keys (1 matched, 2 mismatched, 2 missing), its rows in several states.
    const ruleSetId = (await p.run.findUniqueOrThrow({ where: { id: f.runA } })).ruleSetId;
    const latest = await p.run.create({ data: { ruleSetId, inputsHash: 'h', inputs: '{}', status: 'completed', createdAt: new Date('2026-03-25T00:00:00Z'), totalKeys: 5, matched: 1, mismatched: 2, missing: 2 } });
    const rows: [string, string][] = [['matched', 'resolved'], ['mismatched', 'open'], ['mismatched', 'in_review'], ['missing', 'escalated'], ['missing', 'resolved']];
    for (const [i, [cls, state]] of rows.entries()) {
      await p.runResult.create({ data: { runId: latest.id, key: `L${i}`, cls, reasons: '', severity: 'warning', severityRank: 1, action: 'review', actionLabel: 'Review', missingIn: '', duplicateIn: '', statuses: '', amountMinor: 1n, currency: 'USD', detail: '{}', state } });
    }
    // Alert deliveries: 2 sent, 1 failed, 1 pending.
    const alert = await p.alert.create({ data: { rule: 'test', dedupKey: 'k', severity: 'info', title: 'Test', payload: '{}', status: 'delivering' } });
    for (const state of ['sent', 'sent', 'failed', 'pending']) await p.alertDelivery.create({ data: { alertId: alert.id, channel: 'telegram', target: '1', state } });
  });
  afterAll(async () => {
    process.env.DATABASE_URL = savedUrl;
    if (savedToken === undefined) delete process.env.PAIDLINE_METRICS_TOKEN;
    else process.env.PAIDLINE_METRICS_TOKEN = savedToken;
    await db?.drop();
  });

  it('counts runs, rows ingested, the latest run and alert deliveries', async () => {
    const c = await operationalCounts(db.prisma);
    // Runs A, B, C and the latest completed; one failed.
    expect(c.runsByStatus).toEqual([{ status: 'completed', count: 4 }, { status: 'failed', count: 1 }]);
    // Committed uploads 10 + 10 (the failed upload does not count), one committed pull of 10, two webhook records.
    expect(c.rowsIngested).toEqual([{ channel: 'pull', rows: 10 }, { channel: 'upload', rows: 20 }, { channel: 'webhook', rows: 2 }]);
    expect(c.latestRun?.keysByClass).toEqual([{ cls: 'matched', count: 1 }, { cls: 'mismatched', count: 2 }, { cls: 'missing', count: 2 }, { cls: 'duplicate', count: 0 }]);
    // Open, in review and escalated: mismatched 2 (open, in_review), missing 1 (escalated; the resolved one is not open).
    expect(c.latestRun?.openByClass).toEqual([{ cls: 'mismatched', count: 2 }, { cls: 'missing', count: 1 }, { cls: 'duplicate', count: 0 }]);
    expect(c.alertDeliveries).toEqual([{ state: 'failed', count: 1 }, { state: 'pending', count: 1 }, { state: 'sent', count: 2 }]);
  });

  it('serves them in the Prometheus text format to a scraper with the token, and to nobody else without a session', async () => {
    process.env.DATABASE_URL = db.url;
    process.env.PAIDLINE_METRICS_TOKEN = 'scrape-token-123';
    const { GET } = await import('@/app/api/metrics/route');
    session.role = null;
    const res = await GET(new Request('http://localhost/api/metrics', { headers: { authorization: 'Bearer scrape-token-123' } }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const line of [
      'paidline_runs{status="completed"} 4',
      'paidline_runs{status="failed"} 1',
      'paidline_rows_ingested_total{channel="upload"} 20',
      'paidline_rows_ingested_total{channel="pull"} 10',
      'paidline_rows_ingested_total{channel="webhook"} 2',
      'paidline_latest_run_keys{class="mismatched"} 2',
      'paidline_latest_run_open_discrepancies{class="missing"} 1',
      'paidline_alert_deliveries{state="sent"} 2',
      'paidline_alert_deliveries{state="failed"} 1',
      '# TYPE paidline_http_request_duration_seconds histogram',
    ]) expect(text.split('\n')).toContain(line);

    expect((await GET(new Request('http://localhost/api/metrics', { headers: { authorization: 'Bearer wrong' } }))).status).toBe(401);
    expect((await GET(new Request('http://localhost/api/metrics'))).status).toBe(401);
    delete process.env.PAIDLINE_METRICS_TOKEN;
    expect((await GET(new Request('http://localhost/api/metrics', { headers: { authorization: 'Bearer scrape-token-123' } }))).status).toBe(401);
  });

  it('renders an empty database without failing', async () => {
    const empty = await createTestDatabase(kind);
    try {
      const { body } = await renderMetrics(await operationalCounts(empty.prisma));
      expect(body).toContain('# TYPE paidline_runs gauge');
      expect(body).not.toMatch(/^paidline_runs\{/m);
    } finally {
      await empty.drop();
    }
  });
});
