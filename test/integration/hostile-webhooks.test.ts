/**
 * Hostile webhook deliveries, on SQLite and PostgreSQL: bad, malformed, expired and replayed
 * signatures, bodies nested 100,000 levels deep, absurd amounts and times, oversize and
 * non-UTF-8 bodies. None leaves an accepted WebhookEvent or a record; each leaves an attempt
 * row saying why it was refused.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { setWebhookSecrets } from '@/lib/features/ingestion/webhooks/webhook-secrets';
import { handleWebhookRequest } from '@/lib/features/ingestion/webhooks/handle-request';
import { signStripePayload } from '@/lib/features/ingestion/webhooks/verify-stripe-signature';
import { resetSecretKeyCache } from '@/lib/server/crypto/secrets';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

const SECRET = 'whsec_hostile_secret_0123456789';
const NOW = 1_763_000_100;

function event(id: string, object: Record<string, unknown> = {}, created = NOW - 50): string {
  return JSON.stringify({ id, object: 'event', type: 'charge.succeeded', created, data: { object: { id: `ch_${id}`, object: 'charge', amount: 1999, currency: 'eur', status: 'succeeded', created: NOW - 60, ...object } } });
}
function signed(body: string | Uint8Array, opts: { secret?: string; t?: number; header?: string | null } = {}): Request {
  const t = opts.t ?? NOW;
  const header = opts.header !== undefined ? opts.header : `t=${t},v1=${signStripePayload(body, opts.secret ?? SECRET, t)}`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (header !== null) headers['stripe-signature'] = header;
  return new Request('http://localhost/api/webhooks/x', { method: 'POST', body: body as BodyInit, headers });
}

describe.each(DATABASE_KINDS)('hostile webhooks on %s', (kind) => {
  let db: TestDatabase;
  let sourceId: string;
  const send = async (req: Request) => {
    const res = await handleWebhookRequest(req, sourceId, { db: db.prisma, nowMs: NOW * 1000 });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  /** Nothing accepted beyond what the test says; the last attempt's outcome and reason. */
  async function expectRefused(eventsBefore: number, outcome: string, reason: RegExp) {
    expect(await db.prisma.webhookEvent.count()).toBe(eventsBefore);
    expect(await db.prisma.sourceRecord.count({ where: { sourceId } })).toBe(eventsBefore);
    const last = await db.prisma.webhookAttempt.findFirstOrThrow({ where: { sourceId }, orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }] });
    expect(last.outcome).toBe(outcome);
    expect(last.reason).toMatch(reason);
  }

  beforeAll(async () => {
    vi.stubEnv('PAIDLINE_SECRET_KEY', randomBytes(32).toString('base64'));
    resetSecretKeyCache();
    db = await createTestDatabase(kind);
    sourceId = (await db.prisma.source.create({ data: { name: 'Stripe hostile', kind: 'gateway' } })).id;
    await db.prisma.sourceProfileVersion.create({
      data: { sourceId, version: 1, profile: JSON.stringify({ dataset: 'payments', columns: { id: 'id', status: 'Status', amount: 'Amount', currency: 'Currency' } }) },
    });
    await setWebhookSecrets(sourceId, [SECRET], null, { db: db.prisma });
  });
  afterAll(async () => {
    await db?.drop();
    vi.unstubAllEnvs();
    resetSecretKeyCache();
  });

  it('a signature made with another secret: 400, nothing accepted', async () => {
    const r = await send(signed(event('evt_bad'), { secret: 'whsec_not_the_right_one_0000' }));
    expect(r).toEqual({ status: 400, body: { error: 'No signature matches the payload for any configured webhook secret.', reason: 'bad_signature' } });
    await expectRefused(0, 'bad_signature', /^bad_signature/);
  });

  it('a body changed after signing: 400, nothing accepted', async () => {
    const body = event('evt_tampered');
    const header = `t=${NOW},v1=${signStripePayload(body, SECRET, NOW)}`;
    const r = await send(signed(body.replace('1999', '999999'), { header }));
    expect(r.status).toBe(400);
    await expectRefused(0, 'bad_signature', /^bad_signature/);
  });

  it('a missing or malformed header: 400, nothing accepted', async () => {
    expect((await send(signed(event('evt_nohdr'), { header: null }))).body).toMatchObject({ reason: 'missing_header' });
    await expectRefused(0, 'bad_signature', /^missing_header/);
    expect((await send(signed(event('evt_junk'), { header: `t=${NOW},v1=zz'; DROP TABLE "WebhookEvent"; --` }))).body).toMatchObject({ reason: 'malformed_header' });
    await expectRefused(0, 'bad_signature', /^malformed_header/);
  });

  it('expired: correctly signed but 301 s old, or 301 s in the future: 400, nothing accepted', async () => {
    for (const t of [NOW - 301, NOW + 301]) {
      const r = await send(signed(event(`evt_old_${t}`), { t }));
      expect(r.status).toBe(400);
      expect(r.body.error).toBe('The signature timestamp is 301 s away from now (more than 300 s): refused as a possible replay.');
      await expectRefused(0, 'expired', /^expired/);
    }
  });

  it('replayed: the same event twice is accepted once; the second, even with another payload, is a no-op', async () => {
    const first = await send(signed(event('evt_once')));
    expect(first).toEqual({ status: 200, body: { received: true, eventId: 'evt_once', recorded: true } });
    const record = await db.prisma.sourceRecord.findFirstOrThrow({ where: { eventId: 'evt_once' } });
    const again = await send(signed(event('evt_once')));
    expect(again).toEqual({ status: 200, body: { received: true, duplicate: true, eventId: 'evt_once' } });
    await expectRefused(1, 'duplicate', /already received$/);
    const altered = await send(signed(event('evt_once', { amount: 5 })));
    expect(altered.body).toMatchObject({ duplicate: true });
    await expectRefused(1, 'duplicate', /this payload differs from the first delivery/);
    expect(await db.prisma.sourceRecord.findFirstOrThrow({ where: { eventId: 'evt_once' } })).toEqual(record);
  });

  it('a body nested 100,000 levels deep: 400 malformed, no stack overflow', async () => {
    const deep = event('evt_deep').replace('"status":"succeeded"', `"status":"succeeded","metadata":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`);
    const r = await send(signed(deep));
    expect(r).toEqual({ status: 400, body: { error: 'The event nests objects or arrays more than 64 levels deep; it is not a Stripe event.' } });
    await expectRefused(1, 'malformed', /more than 64 levels deep/);
  });

  it('an absurd amount, a fractional one, a negative charge and an event time after 2100 are refused, nothing stored', async () => {
    const huge = await send(signed(event('evt_huge', { amount: Number.MAX_SAFE_INTEGER })));
    expect(huge).toEqual({ status: 422, body: { error: 'The event cannot be stored: data.object.amount: the amount is implausibly large (over 10^15 minor units)' } });
    await expectRefused(1, 'rejected', /implausibly large/);
    const fraction = await send(signed(event('evt_frac', { amount: 19.99 })));
    expect(fraction).toEqual({ status: 422, body: { error: 'The event cannot be stored: charge.succeeded: data.object.amount must be an integer amount in minor units' } });
    await expectRefused(1, 'rejected', /must be an integer/);
    const negative = await send(signed(event('evt_negative', { amount: -500 })));
    expect(negative).toEqual({ status: 422, body: { error: 'The event cannot be stored: charge.succeeded: data.object.amount is negative (-500); charges and payment intents carry positive amounts, refunds in amount_refunded' } });
    await expectRefused(1, 'rejected', /is negative/);
    const future = await send(signed(event('evt_future', {}, 99_999_999_999)));
    expect(future).toEqual({ status: 400, body: { error: 'The event is not Stripe-shaped: created: the event time is after 2100.' } });
    expect(await db.prisma.webhookEvent.count({ where: { eventId: { in: ['evt_huge', 'evt_frac', 'evt_negative', 'evt_future'] } } })).toBe(0);
  });

  it('an oversize body (413) and a body that is not UTF-8 (400) are refused', async () => {
    const big = event('evt_big', { description: 'x'.repeat(1024 * 1024) });
    expect((await send(signed(big))).status).toBe(413);
    const latin1 = Buffer.from(event('evt_latin1', { description: 'caf\u00e9' }), 'latin1');
    expect(await send(signed(new Uint8Array(latin1)))).toEqual({ status: 400, body: { error: 'The body is not valid UTF-8 JSON.' } });
    expect(await db.prisma.webhookEvent.count({ where: { eventId: { in: ['evt_big', 'evt_latin1'] } } })).toBe(0);
  });
});
