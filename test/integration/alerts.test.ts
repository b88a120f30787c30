import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DELIVERY_ATTEMPTS } from '@/lib/features/alerts/backoff';
import { deliverDueAlerts } from '@/lib/features/alerts/deliver';
import { runAlertSweeps } from '@/lib/features/alerts/loop';
import { raiseAlert } from '@/lib/features/alerts/raise';
import { loadNotificationSettings, saveNotificationSettings } from '@/lib/features/alerts/settings';
import { SIGNATURE_HEADER, verifyAlertSignature } from '@/lib/features/alerts/sign';
import { deliveryCounts, listAlerts, retryDelivery } from '@/lib/features/alerts/queries';
import { recoverInterruptedRuns, startRun } from '@/lib/features/runs';
import { type Actor as ReviewActor } from '@/lib/domain/actor';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { makeActor, seedSources } from './review-fixtures';

/** An alert-webhook receiver that answers with the queued statuses (then 200) and records what came. */
async function startReceiver() {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const statuses: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/paidline`, received, statuses, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe.each(DATABASE_KINDS)('alerts on %s', (kind) => {
  let db: TestDatabase;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let admin: ReviewActor;
  let analyst: ReviewActor;
  let webhookSecret: string;
  let ids: { gatewayId: string; bankId: string };

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    receiver = await startReceiver();
    admin = await makeActor(db.prisma, 'admin');
    analyst = await makeActor(db.prisma, 'analyst');
    ids = await seedSources(db.prisma);
    const saved = await saveNotificationSettings(db.prisma, { config: { webhook: { url: receiver.url }, throttlePerHour: 3, dedupWindowMinutes: 30 }, secrets: {} }, admin.id);
    webhookSecret = saved.generated.webhookSecret!;
    expect(webhookSecret).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
  afterAll(async () => {
    await receiver?.close();
    await db?.drop();
  });

  it('stores secrets encrypted, never in the config JSON', async () => {
    const row = await db.prisma.notificationSettings.findUniqueOrThrow({ where: { id: 'default' } });
    expect(row.config).not.toContain(webhookSecret);
    expect(row.webhookSecretEnc).toMatch(/^pl1\./);
    expect(row.webhookSecretEnc).not.toContain(webhookSecret);
    expect((await loadNotificationSettings(db.prisma)).secrets.webhookSecret).toBe(webhookSecret);
  });

  it('deduplicates within the window and throttles per rule without dropping anything', async () => {
    const t0 = new Date('2030-01-01T10:00:00Z');
    const raise = (key: string, at: Date) => raiseAlert(db.prisma, { rule: 'ingestion_failed', dedupKey: key, severity: 'warning', title: `failed ${key}`, payload: { lines: ['x'] } }, { now: at });
    const first = await raise('a', t0);
    expect(first).toMatchObject({ outcome: 'created', deliveries: 1, status: 'delivering' });
    expect(await raise('a', new Date(t0.getTime() + 60_000))).toMatchObject({ outcome: 'deduplicated', count: 2 });
    expect(await raise('b', t0)).toMatchObject({ outcome: 'created' });
    expect(await raise('c', t0)).toMatchObject({ outcome: 'created' });
    const held = await raise('d', t0);
    expect(held).toMatchObject({ outcome: 'throttled' });
    const heldRow = await db.prisma.alert.findUniqueOrThrow({ where: { id: 'alertId' in held ? held.alertId : '' }, include: { deliveries: true } });
    expect(heldRow.status).toBe('throttled');
    expect(heldRow.deliveries).toMatchObject([{ state: 'suppressed', channel: 'webhook' }]);
    expect(heldRow.deliveries[0]!.lastError).toMatch(/Throttled/);
    // After the dedup window the same key is a new alert; after the hour the rule delivers again and says what was held back.
    const later = new Date(t0.getTime() + 61 * 60_000);
    const next = await raise('a', later);
    expect(next).toMatchObject({ outcome: 'created' });
    const nextRow = await db.prisma.alert.findUniqueOrThrow({ where: { id: 'alertId' in next ? next.alertId : '' } });
    // 'd' was held back more than an hour before: not mentioned any more.
    expect(JSON.parse(nextRow.payload).heldBack).toBeUndefined();
    expect((await db.prisma.alert.findUniqueOrThrow({ where: { id: 'alertId' in first ? first.alertId : '' } })).count).toBe(2);
    // Clean the outbox for the next tests.
    await db.prisma.alert.deleteMany({});
  });

  it('mentions throttled alerts in the next delivered one', async () => {
    const t0 = new Date('2030-02-01T10:00:00Z');
    for (const key of ['1', '2', '3', '4', '5']) {
      await raiseAlert(db.prisma, { rule: 'schema_drift', dedupKey: key, severity: 'warning', title: key, payload: { lines: [] } }, { now: new Date(t0.getTime() + Number(key) * 1000) });
    }
    const statuses = (await db.prisma.alert.findMany({ where: { rule: 'schema_drift' }, orderBy: { firstSeenAt: 'asc' } })).map((a) => a.status);
    expect(statuses).toEqual(['delivering', 'delivering', 'delivering', 'throttled', 'throttled']);
    const after = await raiseAlert(db.prisma, { rule: 'schema_drift', dedupKey: '6', severity: 'warning', title: '6', payload: { lines: [] } }, { now: new Date(t0.getTime() + 3_600_000 + 4_500) });
    // Within the hour before it: alert 5 was held back (alert 4 is older than an hour by then).
    const row = await db.prisma.alert.findUniqueOrThrow({ where: { id: 'alertId' in after ? after.alertId : '' } });
    expect(JSON.parse(row.payload).heldBack).toBe(1);
    await db.prisma.alert.deleteMany({});
  });

  it('signs outgoing webhooks (HMAC-SHA256 over timestamp.body), retries failures, gives up visibly, retries by hand', async () => {
    const created = await raiseAlert(db.prisma, { rule: 'run_failed', dedupKey: 'run:x', severity: 'warning', title: 'A reconciliation run failed', payload: { lines: ['boom'], link: '/runs/x' } });
    const alertId = 'alertId' in created ? created.alertId : '';
    receiver.statuses.push(503);
    let now = new Date();
    expect(await deliverDueAlerts({ db: db.prisma, now: () => now })).toMatchObject({ attempted: 1, retrying: 1 });
    let d = await db.prisma.alertDelivery.findFirstOrThrow({ where: { alertId } });
    expect(d).toMatchObject({ state: 'retrying', attempts: 1, lastError: 'Webhook answered 503.' });
    now = new Date(d.nextAttemptAt!.getTime() + 1);
    expect(await deliverDueAlerts({ db: db.prisma, now: () => now })).toMatchObject({ sent: 1 });
    d = await db.prisma.alertDelivery.findFirstOrThrow({ where: { alertId } });
    expect(d).toMatchObject({ state: 'sent', attempts: 2 });
    const last = receiver.received.at(-1)!;
    const header = String(last.headers[SIGNATURE_HEADER.toLowerCase()]);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyAlertSignature(webhookSecret, last.body, header)).toBe(true);
    expect(verifyAlertSignature(webhookSecret, last.body.replace('boom', 'BOOM'), header)).toBe(false);
    expect(verifyAlertSignature('another-secret', last.body, header)).toBe(false);
    expect(JSON.parse(last.body)).toMatchObject({ type: 'paidline.alert', id: alertId, rule: 'run_failed', lines: ['boom'], link: expect.stringMatching(/\/runs\/x$/) });

    // A receiver that keeps failing: after the last attempt the delivery is failed, with its error, and counted.
    const doomed = await raiseAlert(db.prisma, { rule: 'run_failed', dedupKey: 'run:y', severity: 'warning', title: 'doomed', payload: { lines: [] } });
    const doomedId = 'alertId' in doomed ? doomed.alertId : '';
    for (let i = 0; i < MAX_DELIVERY_ATTEMPTS; i++) {
      receiver.statuses.push(500);
      const due = await db.prisma.alertDelivery.findFirstOrThrow({ where: { alertId: doomedId } });
      now = new Date((due.nextAttemptAt ?? now).getTime() + 1);
      await deliverDueAlerts({ db: db.prisma, now: () => now });
    }
    d = await db.prisma.alertDelivery.findFirstOrThrow({ where: { alertId: doomedId } });
    expect(d).toMatchObject({ state: 'failed', attempts: MAX_DELIVERY_ATTEMPTS, nextAttemptAt: null, lastError: 'Webhook answered 500.' });
    expect(await deliveryCounts(db.prisma)).toMatchObject({ failed: 1, sent: 1 });
    const history = await listAlerts({ state: 'failed', page: 0 }, db.prisma);
    expect(history.rows.map((r) => r.id)).toEqual([doomedId]);

    await expect(retryDelivery(d.id, analyst, db.prisma)).rejects.toThrow(/does not allow/);
    await retryDelivery(d.id, admin, db.prisma);
    expect(await deliverDueAlerts({ db: db.prisma })).toMatchObject({ sent: 1 });
    expect(await db.prisma.alertDelivery.findFirstOrThrow({ where: { alertId: doomedId } })).toMatchObject({ state: 'sent' });
    expect(await db.prisma.auditLog.count({ where: { action: 'alert.delivery_retry', entityId: d.id } })).toBe(1);
    await db.prisma.alert.deleteMany({});
  });

  it('a completed run raises the critical-discrepancy and rate alerts, and escalates critical rows automatically up to the limit', async () => {
    await saveNotificationSettings(db.prisma, { config: { webhook: { url: receiver.url }, autoEscalateCritical: true, autoEscalateLimit: 2 }, secrets: { webhookSecret: { keep: true } } }, admin.id);
    const run = await startRun({ sources: [{ sourceId: ids.gatewayId }, { sourceId: ids.bankId }] }, analyst, { db: db.prisma, wait: true });
    const alerts = await db.prisma.alert.findMany({ where: { entityId: run.id }, orderBy: { rule: 'asc' } });
    expect(alerts.map((a) => a.rule)).toEqual(['critical_discrepancy', 'discrepancy_rate']);
    const critical = alerts[0]!;
    expect(critical.severity).toBe('critical');
    // The run counts 5 critical rows; 4 of them are the gateway-Paid, bank-Failed-or-missing case.
    expect(critical.title).toBe('4 of 5 critical discrepancies: gateway Paid, bank Failed or missing');
    expect(JSON.parse(critical.payload).lines.join(' ')).toContain('TX1010, TX1011, TX1015, TX1018');
    const escalations = await db.prisma.escalation.findMany({ where: { runId: run.id }, orderBy: { key: 'asc' } });
    expect(escalations.map((e) => [e.key, e.auto, e.createdById])).toEqual([['TX1010', true, null], ['TX1011', true, null]]);
    const rows = await db.prisma.runResult.findMany({ where: { runId: run.id, key: { in: ['TX1010', 'TX1011', 'TX1015'] } }, orderBy: { key: 'asc' } });
    expect(rows.map((r) => r.state)).toEqual(['escalated', 'escalated', 'open']);
    const resolution = await db.prisma.resolution.findFirstOrThrow({ where: { resultId: rows[0]!.id } });
    expect(resolution).toMatchObject({ action: 'escalate', auto: true, actorId: null });
    await db.prisma.alert.deleteMany({});
  });

  it('a failed run raises run_failed with the run failure', async () => {
    const ruleSet = await db.prisma.ruleSet.findFirstOrThrow();
    const stuck = await db.prisma.run.create({ data: { status: 'running', ruleSetId: ruleSet.id, inputs: '{"sources":[]}', inputsHash: 'x' } });
    expect(await recoverInterruptedRuns(db.prisma)).toBe(1);
    const alert = await db.prisma.alert.findFirstOrThrow({ where: { rule: 'run_failed', entityId: stuck.id }, include: { deliveries: true } });
    expect(JSON.parse(alert.payload).lines[0]).toMatch(/Interrupted by a server restart/);
    expect(alert.deliveries).toMatchObject([{ channel: 'webhook', state: 'pending' }]);
  });

  it('sweeps: a stale source and a spike of webhook signature failures, each alerted once while it lasts', async () => {
    const now = new Date();
    // The bank's last delivery (its committed uploads) 30 h ago; the gateway's an hour ago.
    await db.prisma.ingestion.updateMany({ where: { sourceId: ids.bankId }, data: { finishedAt: new Date(now.getTime() - 30 * 3_600_000) } });
    await db.prisma.ingestion.updateMany({ where: { sourceId: ids.gatewayId }, data: { finishedAt: new Date(now.getTime() - 3_600_000) } });
    for (let i = 0; i < 9; i++) await db.prisma.webhookAttempt.create({ data: { sourceName: 'stripe-eu', outcome: i % 2 ? 'expired' : 'bad_signature', receivedAt: new Date(now.getTime() - i * 60_000) } });
    await db.prisma.webhookAttempt.create({ data: { sourceName: 'stripe-eu', outcome: 'accepted', receivedAt: now } });
    expect(await runAlertSweeps(db.prisma, now)).toEqual({ stale: 1, signatureSpikes: 0 });
    await db.prisma.webhookAttempt.create({ data: { sourceName: 'stripe-eu', outcome: 'bad_signature', receivedAt: now } });
    expect(await runAlertSweeps(db.prisma, new Date(now.getTime() + 60_000))).toEqual({ stale: 1, signatureSpikes: 1 });
    const stale = await db.prisma.alert.findMany({ where: { rule: 'source_stale' } });
    expect(stale).toHaveLength(1);
    expect(stale[0]).toMatchObject({ entityId: ids.bankId, count: 2 });
    expect(stale[0]!.title).toMatch(/^Bank is stale: nothing delivered for 30 h/);
    const spike = await db.prisma.alert.findFirstOrThrow({ where: { rule: 'signature_failures' } });
    expect(spike).toMatchObject({ severity: 'critical', entityId: 'stripe-eu' });
    expect(spike.title).toMatch(/^10 webhook signature failures for stripe-eu/);
  });

  it('records an alert with no channel configured instead of dropping it', async () => {
    await saveNotificationSettings(db.prisma, { config: {}, secrets: { webhookSecret: { clear: true } } }, admin.id);
    const out = await raiseAlert(db.prisma, { rule: 'ingestion_failed', dedupKey: 'nochannel', severity: 'warning', title: 'x', payload: { lines: [] } });
    expect(out).toMatchObject({ outcome: 'created', deliveries: 0, status: 'no_channel' });
  });
});
