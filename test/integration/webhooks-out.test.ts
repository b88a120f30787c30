/**
 * Webhooks out, on SQLite and PostgreSQL, to a real HTTP server started here: a company subscribes
 * a URL; a bank file that turns a settled payment to Failed makes the ledger's background pass send
 * pass.completed, entry.reopened and discrepancy.critical, each signed with the subscription's own
 * secret (verified as a receiver would); an unreadable upload sends ingestion.failed. A receiver
 * that answers 500 gets the same event again later; a deleted subscription gets nothing more.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciliation, runLedgerPass } from '@/lib/features/ledger';
import { previewIngestion } from '@/lib/features/ingestion/preview-ingestion';
import { startIngestion } from '@/lib/features/ingestion/process-ingestion';
import { stageUpload } from '@/lib/features/ingestion/stage-upload';
import { createSubscription, deleteSubscription, listSubscriptions } from '@/lib/features/alerts/outgoing/subscriptions';
import { deliverDueWebhookEvents } from '@/lib/features/alerts/outgoing/deliver';
import { SIGNATURE_HEADER, verifyAlertSignature } from '@/lib/features/alerts/sign';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { makeActor, seedSources } from './review-fixtures';

process.env.PAIDLINE_OUTBOUND_ALLOW = '127.0.0.1,localhost';

type Received = { type: string; id: string; data: Record<string, unknown>; signature: string; body: string; event: string | null };

const body = (text: string) => new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(new TextEncoder().encode(text)), c.close()) });

describe.each(DATABASE_KINDS)('webhooks out on %s', (kind) => {
  let db: TestDatabase;
  let server: http.Server;
  let url = '';
  const received: Received[] = [];
  let failNext = 0;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    server = http.createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8').on('data', (d: string) => (text += d));
      req.on('end', () => {
        if (failNext > 0) {
          failNext--;
          res.writeHead(500).end('busy');
          return;
        }
        const parsed = JSON.parse(text) as { id: string; type: string; data: Record<string, unknown> };
        received.push({ ...parsed, body: text, signature: String(req.headers[SIGNATURE_HEADER.toLowerCase()] ?? ''), event: (req.headers['x-paidline-event'] as string) ?? null });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/paidline`;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await db?.drop();
  });

  async function until<T>(what: () => Promise<T | null | undefined | false>, label: string): Promise<T> {
    for (let i = 0; i < 300; i++) {
      const v = await what();
      if (v) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${label}`);
  }

  it('sends a pass\'s events, signed with the subscription\'s secret, when new facts reopen a settled payment', async () => {
    const analyst = await makeActor(db.prisma, 'analyst');
    const admin = await makeActor(db.prisma, 'admin');
    const ids = await seedSources(db.prisma);
    const rec = await createReconciliation({ name: 'Card payments', sourceIds: [ids.gatewayId, ids.bankId], ruleSetName: 'gateway-vs-bank' }, analyst, db.prisma);
    await runLedgerPass(rec.id, { keys: null, trigger: 'person', db: db.prisma });
    expect(await db.prisma.runResult.findFirstOrThrow({ where: { runId: rec.ledgerRunId, key: 'TX1000' } })).toMatchObject({ state: 'resolved', finalStatus: 'Paid' });

    const { id: subId, secret } = await createSubscription(admin, { url, events: ['pass.completed', 'entry.reopened', 'discrepancy.critical', 'ingestion.failed'], description: 'Finance ops' }, db.prisma);
    expect(secret).toMatch(/^whsec_/);
    const stored = await db.prisma.webhookSubscription.findUniqueOrThrow({ where: { id: subId } });
    expect(stored.secretEnc).not.toContain(secret);
    expect(await db.prisma.auditLog.count({ where: { action: 'webhook_subscription.create', entityId: subId } })).toBe(1);

    // The bank now says Failed for a payment settled as Paid.
    const staged = await stageUpload({ sourceId: ids.bankId, fileName: 'bank-failed.csv', body: body('TransactionID,Date,Amount,Status\nTX1000,2024-07-01,388,Failed\n'), actor: null, db: db.prisma });
    const preview = await previewIngestion(staged.ingestionId, { db: db.prisma });
    const profile = { ...preview.suggestion.profile, currency: 'USD', columns: { ...preview.suggestion.profile.columns, date: 'Date' } };
    await startIngestion(staged.ingestionId, { profile, onInvalid: 'abort', actor: null, db: db.prisma, wait: true });

    const reopened = await until(async () => received.find((r) => r.type === 'entry.reopened'), 'entry.reopened');
    const completed = await until(async () => received.find((r) => r.type === 'pass.completed'), 'pass.completed');
    const critical = await until(async () => received.find((r) => r.type === 'discrepancy.critical'), 'discrepancy.critical');

    for (const r of [reopened, completed, critical]) {
      expect(verifyAlertSignature(secret, r.body, r.signature)).toBe(true);
      expect(verifyAlertSignature('whsec_wrong', r.body, r.signature)).toBe(false);
      expect(r.event).toBe(r.type);
      expect(r.id).toMatch(/^evt_/);
    }
    const pass = await db.prisma.reconciliationPass.findFirstOrThrow({ where: { triggerRef: staged.ingestionId } });
    expect(completed.data).toMatchObject({ reconciliation: { id: rec.id, name: 'Card payments' }, passId: pass.id, trigger: 'ingestion', keysRead: 1, reopened: 1 });
    expect(reopened.data).toMatchObject({ passId: pass.id, total: 1, entries: [{ key: 'TX1000', amountMinor: '38800', currency: 'USD' }] });
    expect((reopened.data.entries as { reason: string }[])[0]!.reason).toMatch(/Bank now says Failed \(was Paid\)/);
    expect(critical.data).toMatchObject({ passId: pass.id, total: 1, entries: [{ key: 'TX1000' }] });

    const [sub] = await listSubscriptions(db.prisma);
    expect(sub).toMatchObject({ id: subId, deliveries: { sent: 3, failed: 0, waiting: 0, lastError: null } });
  });

  it('sends ingestion.failed for an upload that cannot be read, and retries a receiver that failed', async () => {
    const source = await db.prisma.source.findFirstOrThrow({ where: { name: 'Bank' } });
    const before = received.length;
    failNext = 1;
    // Staged as a workbook, but it is not one: reading it fails, nothing is kept.
    const staged = await stageUpload({ sourceId: source.id, fileName: 'statement.xlsx', body: body('not,a,workbook\n'), actor: null, db: db.prisma });
    const current = await db.prisma.sourceProfileVersion.findFirstOrThrow({ where: { sourceId: source.id }, orderBy: { version: 'desc' } });
    const result = await startIngestion(staged.ingestionId, { profile: { ...(JSON.parse(current.profile) as object), format: { type: 'xlsx' } } as never, onInvalid: 'abort', actor: null, db: db.prisma });
    expect(result.status).toBe('blocked');
    expect(await db.prisma.ingestion.findUniqueOrThrow({ where: { id: staged.ingestionId } })).toMatchObject({ status: 'failed' });

    const first = await deliverDueWebhookEvents({ db: db.prisma });
    expect(first).toMatchObject({ attempted: 1, retrying: 1, sent: 0 });
    const row = await db.prisma.webhookDelivery.findFirstOrThrow({ where: { event: 'ingestion.failed' } });
    expect(row).toMatchObject({ state: 'retrying', attempts: 1, responseStatus: 500, lastError: 'The receiver answered 500.' });
    // Later (the backoff's time has come), the same bytes again.
    const later = await deliverDueWebhookEvents({ db: db.prisma, now: () => new Date(Date.now() + 60 * 60_000) });
    expect(later).toMatchObject({ sent: 1 });
    const got = received.slice(before).find((r) => r.type === 'ingestion.failed')!;
    expect(got.body).toBe(row.body);
    expect(got.data).toMatchObject({ ingestionId: staged.ingestionId, sourceId: source.id });
  });

  it('sends nothing more to a deleted subscription', async () => {
    const admin = await makeActor(db.prisma, 'admin');
    const [sub] = await listSubscriptions(db.prisma);
    await deleteSubscription(admin, sub!.id, db.prisma);
    expect(await listSubscriptions(db.prisma)).toEqual([]);
    const { emitWebhookEvent } = await import('@/lib/features/alerts/outgoing/emit');
    expect(await emitWebhookEvent(db.prisma, 'pass.completed', {})).toBe(0);
    expect(await db.prisma.auditLog.count({ where: { action: 'webhook_subscription.delete', entityId: sub!.id } })).toBe(1);
  });
});
