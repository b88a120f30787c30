import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getPrisma } from '@/lib/server/db/client';
import { currentWebhookRecords, webhookRecordsByEventTime } from '@/lib/features/ingestion/webhooks/webhook-records';
import { rotateWebhookSecret, setWebhookSecrets, webhookSecretCount } from '@/lib/features/ingestion/webhooks/webhook-secrets';
import { WEBHOOK_MAX_BYTES } from '@/lib/features/ingestion/webhooks/receive-webhook';
import { handleWebhookRequest } from '@/lib/features/ingestion/webhooks/handle-request';
import { resetSecretKeyCache } from '@/lib/server/crypto/secrets';
import { POST } from '@/app/api/webhooks/[source]/route';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { fromPeer } from '@/test/peer';

const stripe = new Stripe('sk_test_unused');
const SECRET = 'whsec_first_secret_0123456789';
const SECRET2 = 'whsec_second_secret_987654321';

/** A CSV-style Stripe profile: major units, so Stripe webhook amounts must not go through it. */
const csvProfile = {
  dataset: 'payments',
  columns: { id: 'id', status: 'Status', date: 'Created (UTC)', amount: 'Amount', currency: 'Currency' },
};
/** A profile written for webhook objects: minor units, status from the event type. */
const webhookProfile = {
  dataset: 'payments',
  columns: { id: 'id', status: 'event.type', date: 'created', amount: 'amount', currency: 'currency' },
  amount: { units: 'minor' },
  date: { format: 'epoch_s', timeZone: 'Europe/Berlin' },
  statusMap: { 'charge.succeeded': 'Paid', 'charge.refunded': 'Refunded' },
  useDefaultGlossary: false,
};

type Obj = Record<string, unknown>;
function event(id: string, type: string, created: number, object: Obj): string {
  return JSON.stringify({ id, object: 'event', type, created, livemode: false, data: { object } });
}
function charge(id: string, over: Obj = {}): Obj {
  return { id, object: 'charge', amount: 1999, amount_refunded: 0, currency: 'eur', status: 'succeeded', created: 1_763_000_000, payment_intent: 'pi_1', ...over };
}
function post(payload: string | Uint8Array, opts: { secret?: string; timestamp?: number; header?: string | null } = {}): Request {
  const text = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
  const header = opts.header !== undefined
    ? opts.header
    : stripe.webhooks.generateTestHeaderString({ payload: text, secret: opts.secret ?? SECRET, timestamp: opts.timestamp ?? Math.floor(Date.now() / 1000) });
  const headers: Record<string, string> = { 'content-type': 'application/json', ...fromPeer('203.0.113.9') };
  if (header !== null) headers['stripe-signature'] = header;
  return new Request('http://localhost/api/webhooks/x', { method: 'POST', body: payload as BodyInit, headers });
}

describe.each(DATABASE_KINDS)('webhooks on %s', (kind) => {
  let db: TestDatabase;
  let sourceId: string;
  let actor: { id: string; email: string };
  const send = async (ref: string, req: Request) => {
    const res = await handleWebhookRequest(req, ref, { db: db.prisma });
    return { status: res.status, body: (await res.json()) as Obj };
  };
  const counts = async () => ({
    events: await db.prisma.webhookEvent.count(),
    records: await db.prisma.sourceRecord.count(),
  });

  beforeAll(async () => {
    vi.stubEnv('PAIDLINE_SECRET_KEY', randomBytes(32).toString('base64'));
    resetSecretKeyCache();
    db = await createTestDatabase(kind);
    const user = await db.prisma.user.create({ data: { email: 'ana@example.com', name: 'Ana', passwordHash: 'x', role: 'admin' } });
    actor = { id: user.id, email: user.email };
    const source = await db.prisma.source.create({ data: { name: 'Stripe EU', kind: 'gateway' } });
    sourceId = source.id;
    await db.prisma.sourceProfileVersion.create({ data: { sourceId, version: 1, profile: JSON.stringify(csvProfile) } });
  });
  afterAll(async () => {
    await db?.drop();
    vi.unstubAllEnvs();
    resetSecretKeyCache();
  });

  it('stores webhook secrets encrypted, audited without the secret', async () => {
    await setWebhookSecrets(sourceId, [SECRET], actor, { db: db.prisma });
    const row = await db.prisma.source.findUniqueOrThrow({ where: { id: sourceId } });
    expect(row.webhookSecretsEnc).not.toContain(SECRET);
    expect(JSON.parse(row.webhookSecretsEnc!)).toHaveLength(1);
    const audit = await db.prisma.auditLog.findFirstOrThrow({ where: { action: 'source.webhook_secrets.set', entityId: sourceId } });
    expect(audit.actorId).toBe(actor.id);
    expect(`${audit.before}${audit.after}`).not.toContain('whsec');
    expect(JSON.parse(audit.after!)).toEqual({ secrets: 1 });
    expect(await webhookSecretCount(sourceId, { db: db.prisma })).toBe(1);
    await expect(setWebhookSecrets(sourceId, ['short'], actor, { db: db.prisma })).rejects.toThrow(/at least 16/);
  });

  it('accepts a signed charge.succeeded: event, record, attempt and audit together', async () => {
    const payload = event('evt_ok_1', 'charge.succeeded', 1_763_000_005, charge('ch_ok_1'));
    const r = await send('Stripe EU', post(payload));
    expect(r).toEqual({ status: 200, body: { received: true, eventId: 'evt_ok_1', recorded: true } });
    const rec = await db.prisma.sourceRecord.findFirstOrThrow({ where: { eventId: 'evt_ok_1' } });
    const v1 = await db.prisma.sourceProfileVersion.findFirstOrThrow({ where: { sourceId } });
    expect(rec).toMatchObject({
      sourceId, ingestionId: null, profileVersionId: v1.id, dataset: 'payments', key: 'CH_OK_1', txId: 'ch_ok_1',
      amountMinor: 1999n, currency: 'EUR', status: 'Paid', code: 'succeeded', date: '2025-11-13', raw: payload,
    });
    expect(rec.occurredAt?.toISOString()).toBe(new Date(1_763_000_000_000).toISOString());
    const ev = await db.prisma.webhookEvent.findFirstOrThrow({ where: { eventId: 'evt_ok_1' } });
    expect(ev.eventAt.getTime()).toBe(1_763_000_005_000);
    expect(ev.eventType).toBe('charge.succeeded');
    const attempt = await db.prisma.webhookAttempt.findFirstOrThrow({ where: { outcome: 'accepted' } });
    expect(attempt).toMatchObject({ sourceId, sourceName: 'Stripe EU', ip: '203.0.113.9' });
    const src = await db.prisma.source.findUniqueOrThrow({ where: { id: sourceId } });
    expect(src.lastIngestedAt).not.toBeNull();
    const audit = await db.prisma.auditLog.findFirstOrThrow({ where: { action: 'webhook.accept', entityId: ev.id } });
    expect(JSON.parse(audit.after!).record).toMatchObject({ amountMinor: 1999, currency: 'EUR', status: 'Paid', mapping: 'builtin' });
  });

  it('answers a replay with duplicate and writes nothing new', async () => {
    const payload = event('evt_ok_1', 'charge.succeeded', 1_763_000_005, charge('ch_ok_1'));
    const before = await counts();
    const r = await send('Stripe EU', post(payload));
    expect(r).toEqual({ status: 200, body: { received: true, duplicate: true, eventId: 'evt_ok_1' } });
    expect(await counts()).toEqual(before);
    expect(await db.prisma.webhookAttempt.count({ where: { outcome: 'duplicate' } })).toBe(1);
    expect(await db.prisma.auditLog.count({ where: { action: 'webhook.accept' } })).toBe(1);
  });

  it('stores an event delivered concurrently several times exactly once', async () => {
    const payload = event('evt_race', 'charge.succeeded', 1_763_000_010, charge('ch_race'));
    const replies = await Promise.all(Array.from({ length: 5 }, () => send('Stripe EU', post(payload))));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(replies.filter((r) => r.body.duplicate !== true)).toHaveLength(1);
    expect(await db.prisma.webhookEvent.count({ where: { eventId: 'evt_race' } })).toBe(1);
    expect(await db.prisma.sourceRecord.count({ where: { eventId: 'evt_race' } })).toBe(1);
  });

  it('refuses bad, expired and missing signatures with a clear error and an attempt row', async () => {
    const before = await counts();
    const payload = event('evt_bad', 'charge.succeeded', 1_763_000_000, charge('ch_bad'));
    const bad = await send('Stripe EU', post(payload, { secret: 'whsec_not_the_right_one_000' }));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ reason: 'bad_signature', error: expect.stringMatching(/No signature matches/) });
    const expired = await send('Stripe EU', post(payload, { timestamp: Math.floor(Date.now() / 1000) - 301 }));
    expect(expired).toMatchObject({ status: 400, body: { reason: 'expired' } });
    const missing = await send('Stripe EU', post(payload, { header: null }));
    expect(missing).toMatchObject({ status: 400, body: { reason: 'missing_header' } });
    const malformedHeader = await send('Stripe EU', post(payload, { header: 'v1=zz' }));
    expect(malformedHeader).toMatchObject({ status: 400, body: { reason: 'malformed_header' } });
    // the body changed after signing
    const tampered = post(payload).headers.get('stripe-signature')!;
    const changed = await send('Stripe EU', post(payload.replace('1999', '9999'), { header: tampered }));
    expect(changed).toMatchObject({ status: 400, body: { reason: 'bad_signature' } });
    expect(await counts()).toEqual(before);
    const attempts = await db.prisma.webhookAttempt.findMany({ where: { sourceId, outcome: { in: ['bad_signature', 'expired'] } } });
    expect(attempts.map((a) => a.outcome).sort()).toEqual(['bad_signature', 'bad_signature', 'bad_signature', 'bad_signature', 'expired']);
    expect(attempts.every((a) => a.reason && !a.reason.includes('whsec'))).toBe(true);
  });

  it('answers 404 for an unknown source and records the attempt', async () => {
    const r = await send('no-such-source', post(event('evt_x', 'charge.succeeded', 1, charge('ch_x'))));
    expect(r.status).toBe(404);
    expect(r.body.error).toMatch(/No webhook source "no-such-source"/);
    const a = await db.prisma.webhookAttempt.findFirstOrThrow({ where: { outcome: 'unknown_source' } });
    expect(a).toMatchObject({ sourceId: null, sourceName: 'no-such-source' });
  });

  it('answers 413 for a body over the limit, without reading it all', async () => {
    const big = new Uint8Array(WEBHOOK_MAX_BYTES + 1).fill(0x20);
    const r = await send('Stripe EU', post(big, { header: 't=1,v1=' + '0'.repeat(64) }));
    expect(r.status).toBe(413);
    const small = await handleWebhookRequest(post(event('evt_s', 'charge.succeeded', 1, charge('ch_s'))), 'Stripe EU', { db: db.prisma, maxBytes: 50 });
    expect(small.status).toBe(413);
    expect(await db.prisma.webhookAttempt.count({ where: { outcome: 'malformed', sourceId } })).toBe(2);
  });

  it('refuses signed bodies that are not JSON or not Stripe-shaped', async () => {
    const notJson = await send('Stripe EU', post('{"id": "evt_1", oops'));
    expect(notJson).toMatchObject({ status: 400, body: { error: expect.stringMatching(/not valid UTF-8 JSON/) } });
    const shape = await send('Stripe EU', post(JSON.stringify({ id: 'evt_shape', type: 'charge.succeeded', data: {} })));
    expect(shape).toMatchObject({ status: 400, body: { error: expect.stringMatching(/not Stripe-shaped/) } });
    expect(await db.prisma.webhookEvent.count({ where: { eventId: 'evt_shape' } })).toBe(0);
  });

  it('keeps out-of-order events and orders them by event time', async () => {
    const refunded = event('evt_oo_2', 'charge.refunded', 1_763_000_200, charge('ch_oo', { amount_refunded: 1999, refunded: true }));
    const succeeded = event('evt_oo_1', 'charge.succeeded', 1_763_000_100, charge('ch_oo'));
    expect((await send('Stripe EU', post(refunded))).status).toBe(200);
    expect((await send('Stripe EU', post(succeeded))).status).toBe(200);
    const ordered = await webhookRecordsByEventTime(sourceId, { key: 'CH_OO', db: db.prisma });
    expect(ordered.map((r) => [r.eventId, r.status, r.code])).toEqual([
      ['evt_oo_1', 'Paid', 'succeeded'],
      ['evt_oo_2', 'Refunded', 'refunded'],
    ]);
    // arrival order was the opposite
    expect(ordered[0]!.receivedAt.getTime()).toBeGreaterThanOrEqual(ordered[1]!.receivedAt.getTime());
    expect((await currentWebhookRecords(sourceId, { db: db.prisma })).get('CH_OO')?.status).toBe('Refunded');
  });

  it('maps payment intents, and stores non-payment events without a record', async () => {
    const pi = event('evt_pi', 'payment_intent.payment_failed', 1_763_000_300, { id: 'pi_9', object: 'payment_intent', amount: 500, currency: 'usd', status: 'requires_payment_method', created: 1_763_000_290 });
    expect((await send(sourceId, post(pi))).body).toMatchObject({ recorded: true });
    expect(await db.prisma.sourceRecord.findFirstOrThrow({ where: { eventId: 'evt_pi' } })).toMatchObject({ status: 'Failed', code: 'failed', amountMinor: 500n, currency: 'USD' });
    const cust = event('evt_cust', 'customer.created', 1_763_000_300, { id: 'cus_1', object: 'customer', email: 'a@b.c' });
    expect(await send('Stripe EU', post(cust))).toEqual({ status: 200, body: { received: true, eventId: 'evt_cust', recorded: false } });
    expect(await db.prisma.webhookEvent.count({ where: { eventId: 'evt_cust' } })).toBe(1);
    expect(await db.prisma.sourceRecord.count({ where: { eventId: 'evt_cust' } })).toBe(0);
    const a = await db.prisma.webhookAttempt.findFirstOrThrow({ where: { reason: { contains: 'stored without a record' } } });
    expect(a.outcome).toBe('accepted');
  });

  it('uses the current profile version when it reads the event (minor units)', async () => {
    const v2 = await db.prisma.sourceProfileVersion.create({ data: { sourceId, version: 2, profile: JSON.stringify(webhookProfile) } });
    const late = 1_763_075_000; // 2025-11-13T23:03:20Z = 2025-11-14 in Berlin
    await send('Stripe EU', post(event('evt_prof', 'charge.succeeded', late, charge('ch_prof', { created: late }))));
    const rec = await db.prisma.sourceRecord.findFirstOrThrow({ where: { eventId: 'evt_prof' } });
    expect(rec).toMatchObject({ profileVersionId: v2.id, status: 'Paid', code: 'charge.succeeded', amountMinor: 1999n, date: '2025-11-14' });
    // a status the profile does not know stays Unknown (no default glossary in this profile)
    await send('Stripe EU', post(event('evt_prof2', 'charge.failed', late, charge('ch_prof2', { status: 'failed' }))));
    expect(await db.prisma.sourceRecord.findFirstOrThrow({ where: { eventId: 'evt_prof2' } })).toMatchObject({ status: 'Unknown', code: 'charge.failed' });
  });

  it('rotates secrets: old and new both verify until the old one is dropped', async () => {
    await rotateWebhookSecret(sourceId, SECRET2, actor, { db: db.prisma });
    expect(await webhookSecretCount(sourceId, { db: db.prisma })).toBe(2);
    expect((await send('Stripe EU', post(event('evt_rot_old', 'charge.succeeded', 1, charge('ch_r1')), { secret: SECRET }))).status).toBe(200);
    expect((await send('Stripe EU', post(event('evt_rot_new', 'charge.succeeded', 1, charge('ch_r2')), { secret: SECRET2 }))).status).toBe(200);
    await rotateWebhookSecret(sourceId, 'whsec_third_secret_abcdefghij', actor, { db: db.prisma, keepPrevious: 0 });
    expect((await send('Stripe EU', post(event('evt_rot_gone', 'charge.succeeded', 1, charge('ch_r3')), { secret: SECRET2 }))).status).toBe(400);
    const audits = await db.prisma.auditLog.findMany({ where: { action: 'source.webhook_secrets.rotate' } });
    expect(audits.map((a) => JSON.parse(a.after!))).toEqual([{ secrets: 2, keptPrevious: 1 }, { secrets: 1, keptPrevious: 0 }]);
    await setWebhookSecrets(sourceId, [SECRET], actor, { db: db.prisma });
  });

  it('refuses (409) a record for a source without a profile, and accepts the retry once one exists', async () => {
    const s = await db.prisma.source.create({ data: { name: 'New gateway', kind: 'gateway' } });
    await setWebhookSecrets(s.id, [SECRET], null, { db: db.prisma });
    const payload = event('evt_np', 'charge.succeeded', 1_763_000_000, charge('ch_np'));
    const r = await send('New gateway', post(payload));
    expect(r.status).toBe(409);
    expect(r.body.error).toMatch(/no profile yet/);
    expect(await db.prisma.webhookEvent.count({ where: { sourceId: s.id } })).toBe(0);
    await db.prisma.sourceProfileVersion.create({ data: { sourceId: s.id, version: 1, profile: JSON.stringify(csvProfile) } });
    expect((await send('New gateway', post(payload))).status).toBe(200);
    expect(await db.prisma.sourceRecord.count({ where: { sourceId: s.id } })).toBe(1);
  });

  it('refuses a source with no webhook secret', async () => {
    const s = await db.prisma.source.create({ data: { name: 'Unsigned', kind: 'gateway' } });
    const r = await send(s.id, post(event('evt_u', 'charge.succeeded', 1, charge('ch_u'))));
    expect(r).toMatchObject({ status: 400, body: { reason: 'no_secret' } });
  });

  it('the route handler POST works with a plain Request (DATABASE_URL)', async () => {
    vi.stubEnv('DATABASE_URL', db.url);
    try {
      const payload = event('evt_route', 'charge.succeeded', 1_763_000_000, charge('ch_route'));
      const res = await POST(post(payload), { params: Promise.resolve({ source: 'Stripe EU' }) });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ received: true, eventId: 'evt_route', recorded: true });
      const again = await POST(post(payload), { params: Promise.resolve({ source: sourceId }) });
      expect(await again.json()).toMatchObject({ duplicate: true });
    } finally {
      await getPrisma().$disconnect();
      vi.stubEnv('DATABASE_URL', '');
    }
  });
});
