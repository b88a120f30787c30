/**
 * A signed webhook that changes a payment's status reconciles into the ledger by itself: the entry is
 * updated (reopened, with the reason) and the dashboard reader's figure moves, with no manual step.
 */
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createReconciliation, runLedgerPass } from '@/lib/features/ledger';
import { setWebhookSecrets } from '@/lib/features/ingestion/webhooks/webhook-secrets';
import { handleWebhookRequest } from '@/lib/features/ingestion/webhooks/handle-request';
import { previewIngestion } from '@/lib/features/ingestion/preview-ingestion';
import { stageUpload } from '@/lib/features/ingestion/stage-upload';
import { startIngestion } from '@/lib/features/ingestion/process-ingestion';
import { dashboardData, parseRomiQuery } from '@/lib/features/romi/dashboard';
import { resetSecretKeyCache } from '@/lib/server/crypto/secrets';
import { ensureDefaultRuleSet } from '@/lib/features/runs/rulesets';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { makeActor } from './review-fixtures';
import { fromPeer } from '@/test/peer';

const stripe = new Stripe('sk_test_unused');
const SECRET = 'whsec_ledger_secret_0123456789';
const webhookProfile = {
  dataset: 'payments',
  columns: { id: 'id', status: 'event.type', date: 'created', amount: 'amount', currency: 'currency' },
  amount: { units: 'minor' },
  date: { format: 'epoch_s', timeZone: 'UTC' },
  statusMap: { 'charge.succeeded': 'Paid', 'charge.refunded': 'Refunded' },
  useDefaultGlossary: false,
};
const charge = (over: Record<string, unknown> = {}) => ({ id: 'ch_ledger_1', object: 'charge', amount: 1999, amount_refunded: 0, currency: 'eur', status: 'succeeded', created: 1_762_992_000, ...over });
function signed(id: string, type: string, created: number, object: Record<string, unknown>): Request {
  const payload = JSON.stringify({ id, object: 'event', type, created, livemode: false, data: { object } });
  const header = stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp: Math.floor(Date.now() / 1000) });
  return new Request('http://localhost/api/webhooks/x', { method: 'POST', body: payload, headers: { 'content-type': 'application/json', 'stripe-signature': header, ...fromPeer('203.0.113.9') } });
}

describe.each(DATABASE_KINDS)('a webhook into the ledger on %s', (kind) => {
  let db: TestDatabase;
  let reconciliationId: string;
  let ledgerRunId: string;
  const revenue = async () => {
    const data = await dashboardData(parseRomiQuery({}), db.prisma, { cache: false });
    return data?.totals.find((f) => f.currency === 'EUR')?.netRevenueMinor ?? 0n;
  };

  beforeAll(async () => {
    vi.stubEnv('PAIDLINE_SECRET_KEY', randomBytes(32).toString('base64'));
    resetSecretKeyCache();
    db = await createTestDatabase(kind);
    const admin = await makeActor(db.prisma, 'admin');
    const analyst = await makeActor(db.prisma, 'analyst');
    await ensureDefaultRuleSet(db.prisma);
    const gateway = await db.prisma.source.create({ data: { name: 'Stripe', kind: 'gateway' } });
    await db.prisma.sourceProfileVersion.create({ data: { sourceId: gateway.id, version: 1, profile: JSON.stringify(webhookProfile) } });
    await setWebhookSecrets(gateway.id, [SECRET], admin, { db: db.prisma });
    const bank = await db.prisma.source.create({ data: { name: 'Bank', kind: 'bank' } });
    // The bank statement: the same charge, settled.
    const csv = 'TransactionID,Date,Amount,Currency,Status\nCH_LEDGER_1,2025-11-13,19.99,EUR,Completed\n';
    const body = new ReadableStream<Uint8Array>({ start: (c) => { c.enqueue(new TextEncoder().encode(csv)); c.close(); } });
    const staged = await stageUpload({ sourceId: bank.id, fileName: 'bank.csv', body, actor: null, db: db.prisma });
    const preview = await previewIngestion(staged.ingestionId, { db: db.prisma });
    await startIngestion(staged.ingestionId, { profile: { ...preview.suggestion.profile, columns: { ...preview.suggestion.profile.columns, date: 'Date', currency: 'Currency' } }, onInvalid: 'abort', actor: null, db: db.prisma, wait: true });
    expect((await db.prisma.ingestion.findUniqueOrThrow({ where: { id: staged.ingestionId } })).status).toBe('committed');
    // The charge succeeded: the gateway's webhook.
    expect((await handleWebhookRequest(signed('evt_l_1', 'charge.succeeded', 1_763_000_005, charge()), 'Stripe', { db: db.prisma })).status).toBe(200);
    const created = await createReconciliation({ name: 'Card payments', sourceIds: [gateway.id, bank.id], ruleSetName: 'gateway-vs-bank' }, analyst, db.prisma);
    reconciliationId = created.id;
    ledgerRunId = created.ledgerRunId;
    await runLedgerPass(reconciliationId, { keys: null, trigger: 'person', db: db.prisma });
  });
  afterAll(async () => {
    await db?.drop();
    vi.unstubAllEnvs();
    resetSecretKeyCache();
  });

  it('a signed refund event updates the entry and the dashboard\'s figure by itself', async () => {
    const entry = await db.prisma.runResult.findFirstOrThrow({ where: { runId: ledgerRunId, key: 'CH_LEDGER_1' } });
    expect(entry, `${entry.reasons} ${entry.statuses} ${entry.detail}`).toMatchObject({ cls: 'matched', state: 'resolved', finalStatus: 'Paid', finalAmountMinor: 1999n });
    expect(await revenue()).toBe(1999n);

    const refund = signed('evt_l_2', 'charge.refunded', 1_763_000_300, charge({ amount_refunded: 1999, refunded: true }));
    expect((await handleWebhookRequest(refund, 'Stripe', { db: db.prisma })).status).toBe(200);
    let pass = null;
    for (let i = 0; i < 100 && !pass; i++) {
      pass = await db.prisma.reconciliationPass.findFirst({ where: { reconciliationId, trigger: 'webhook', triggerRef: 'evt_l_2', status: 'completed' } });
      if (!pass) await new Promise((r) => setTimeout(r, 100));
    }
    // Reopened with the reason, then settled as Refunded by the automatic rule for a refund after the bank's credit.
    expect(pass).toMatchObject({ scope: 'incremental', keysRead: 1, reopened: 1, autoResolved: 1 });
    const after = await db.prisma.runResult.findFirstOrThrow({ where: { id: entry.id } });
    expect(after).toMatchObject({ state: 'resolved', finalStatus: 'Refunded', ruleId: 'refunded-after-bank-credit' });
    expect(after.statuses).toContain(';Stripe:Refunded;');
    const reopen = await db.prisma.resolution.findFirstOrThrow({ where: { resultId: entry.id, action: 'reopen' } });
    expect(reopen.reason).toMatch(/^Stripe now says Refunded \(was Paid\); it was resolved as Paid on /);
    expect(await revenue()).toBe(0n);
  });
});
