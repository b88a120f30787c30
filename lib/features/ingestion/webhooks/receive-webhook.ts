/**
 * Webhook deliveries: verify, deduplicate, store.
 *
 * Every delivery leaves a WebhookAttempt row (accepted or not) for monitoring. An accepted
 * event writes its WebhookEvent (unique per source and event id), its SourceRecord (eventId as
 * provenance, no ingestion), the attempt, the source's lastIngestedAt and an audit row in ONE
 * transaction, so a replay finds the event and changes nothing, and a crash leaves nothing
 * half-written. Events may arrive out of order: WebhookEvent.eventAt (the event's own time) is
 * what readers order by (webhookRecordsByEventTime, currentWebhookRecords).
 *
 * Secrets are stored encrypted (lib/server/crypto/secrets.ts) and never logged or audited.
 */
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { IngestRecordSchema, type IngestRecord } from '@/lib/features/ingestion/profile';
import { MAX_EVENT_NESTING, StripeEventSchema, isStripePaymentObject, jsonNestingExceeds, mapStripeEvent, type StripeEvent } from '@/lib/features/ingestion/webhooks/stripe-event';
import { compileJsonNormalizer, flattenRecord, type JsonRecordNormalizer } from '@/lib/features/ingestion/connectors/normalize';
import { decryptSecrets } from './webhook-secrets';
import { verifyStripeSignature } from '@/lib/features/ingestion/webhooks/verify-stripe-signature';
import { createHash } from 'node:crypto';
import { toRecordRow } from '@/lib/server/db/record-insert';
import { writeAudit } from '@/lib/server/db/audit';
import { loggerFor } from '@/lib/server/observability/logger';
import { dataArrived } from '../data-arrived';

/** Largest accepted body; Stripe events are a few KB. */
export const WEBHOOK_MAX_BYTES = 1024 * 1024;

export type WebhookOutcome =
  | 'accepted'
  | 'duplicate'
  | 'bad_signature'
  | 'expired'
  | 'malformed'
  | 'unknown_source'
  /** Valid and signed, but it cannot be stored now (no profile, undecryptable secrets, a row the profile rejects). */
  | 'rejected'
  /** Not a POST (405). */
  | 'method_not_allowed'
  /** Refused by the per-IP webhook budget (429); only the first refusal per source and window is recorded. */
  | 'rate_limited'
  /** Refused by the HTTP server before the app saw it (431 headers too large, 400 malformed); reported by scripts/serve.mjs, at most once a minute per source. */
  | 'refused_by_server';

export interface WebhookDelivery {
  /** Source id or name, from the URL. */
  sourceRef: string;
  /** The raw body as received; null when it exceeded the size limit. */
  body: Uint8Array | null;
  /** The Stripe-Signature header. */
  signature: string | null;
  ip?: string | null;
  /** Current time in ms (tests). */
  nowMs?: number;
}

export interface WebhookReply {
  status: number;
  outcome: WebhookOutcome;
  body: Record<string, unknown>;
}

function isUniqueViolation(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as { code?: unknown; message?: unknown };
  return e.code === 'P2002' || (typeof e.message === 'string' && /unique constraint/i.test(e.message));
}

export async function recordAttempt(
  db: Client,
  a: { sourceId: string | null; sourceName: string; outcome: WebhookOutcome; reason?: string | null; ip?: string | null },
): Promise<void> {
  await db.webhookAttempt.create({
    data: {
      sourceId: a.sourceId,
      sourceName: a.sourceName.slice(0, 200),
      outcome: a.outcome,
      reason: a.reason?.slice(0, 1000) ?? null,
      ip: a.ip?.slice(0, 64) ?? null,
    },
  });
}

type PreparedRecord = Omit<IngestRecord, 'line'>;

type Mapping =
  | { kind: 'record'; record: PreparedRecord; via: 'profile' | 'builtin' }
  | { kind: 'none'; reason: string }
  | { kind: 'invalid'; reason: string };

/**
 * Maps an event with the source's current profile when that profile reads the event's
 * fields, else with the built-in Stripe mapping. A profile reading Stripe payment amounts as
 * major units would multiply them by 100, so for charges and payment intents it must say
 * units: minor to be used.
 */
export function mapWebhookEvent(
  event: StripeEvent,
  source: { name: string; kind: string },
  profileJson: string | null,
): Mapping {
  const object = event.data.object as Record<string, unknown>;
  let normalizer: JsonRecordNormalizer | null = null;
  let profileNote = '';
  if (profileJson) {
    try {
      normalizer = compileJsonNormalizer(profileJson, source);
    } catch {
      profileNote = ' (the current profile is not valid, so it was not used)';
    }
  }
  if (normalizer) {
    const flat = flattenRecord(object, { event: { id: event.id, type: event.type, created: event.created } });
    const unitsOk = !isStripePaymentObject(object) || normalizer.profile.amount.units === 'minor';
    if (unitsOk && normalizer.binds(flat)) {
      const r = normalizer.normalize(flat, 1);
      if (!r.ok) return { kind: 'invalid', reason: `The source's profile cannot read this event: ${r.error.reason}` };
      const { dataset, key, txId, at, date, amount, currency, status, code, attrs } = r.record;
      return { kind: 'record', via: 'profile', record: { dataset, key, txId, at, date, amount, currency, status, code, attrs } };
    }
  }
  const timeZone = normalizer?.profile.date.timeZone ?? 'UTC';
  const m = mapStripeEvent(event, { timeZone });
  // A charge or payment intent that cannot be read (a fractional amount, no currency) is refused,
  // not kept as an event without its record: the sender sees the error.
  if (!m.ok) return isStripePaymentObject(object) ? { kind: 'invalid', reason: `The event cannot be stored: ${m.reason}` } : { kind: 'none', reason: m.reason + profileNote };
  // The same last gate as every uploaded row: an absurd amount or date is never stored.
  const checked = IngestRecordSchema.safeParse(m.record);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    return { kind: 'invalid', reason: `The event cannot be stored: data.object.${String(issue.path[0] ?? 'id')}: ${issue.message}` };
  }
  return { kind: 'record', via: 'builtin', record: { ...m.record, dataset: normalizer?.profile.dataset ?? 'payments' } };
}

/**
 * Handles one delivery. Never throws for a bad delivery: every outcome is a reply with a
 * status and a JSON body, and an attempt row.
 */
export async function receiveWebhook(delivery: WebhookDelivery, opts: { db?: Client } = {}): Promise<WebhookReply> {
  const db = opts.db ?? getPrisma();
  const ref = delivery.sourceRef.trim();
  const ip = delivery.ip ?? null;
  const reply = async (
    status: number,
    outcome: WebhookOutcome,
    body: Record<string, unknown>,
    source: { id: string; name: string } | null,
    reason?: string,
  ): Promise<WebhookReply> => {
    await recordAttempt(db, { sourceId: source?.id ?? null, sourceName: source?.name ?? ref, outcome, reason: reason ?? (typeof body.error === 'string' ? body.error : null), ip });
    return { status, outcome, body };
  };

  const source = ref
    ? await db.source.findFirst({ where: { OR: [{ id: ref }, { name: ref }] } })
    : null;
  if (!source || source.archivedAt) {
    return reply(404, 'unknown_source', { error: `No webhook source "${ref.slice(0, 100)}". Check the endpoint URL.` }, null, source ? 'archived source' : 'unknown source');
  }
  if (delivery.body === null) {
    return reply(413, 'malformed', { error: `The payload is larger than ${WEBHOOK_MAX_BYTES} bytes.` }, source);
  }

  let secrets: string[];
  try {
    secrets = decryptSecrets(source.webhookSecretsEnc);
  } catch (e) {
    // A lost or rotated-away key: the sender retries, so nothing is lost once the key is back.
    loggerFor('webhooks', { sourceId: source.id }).error({ err: e }, 'cannot decrypt the webhook secrets of the source');
    return reply(500, 'rejected', { error: 'The webhook secrets of this source cannot be read on the server.' }, source, 'secrets cannot be decrypted');
  }
  if (secrets.length === 0) {
    return reply(400, 'bad_signature', { error: 'This source has no webhook secret configured; add one in the source settings.', reason: 'no_secret' }, source);
  }

  const nowMs = delivery.nowMs ?? Date.now();
  const check = verifyStripeSignature(delivery.body, delivery.signature, secrets, { now: Math.floor(nowMs / 1000) });
  if (!check.ok) {
    return reply(400, check.reason === 'expired' ? 'expired' : 'bad_signature', { error: check.message, reason: check.reason }, source, `${check.reason}: ${check.message}`);
  }

  let event: StripeEvent;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(delivery.body);
    if (jsonNestingExceeds(text)) {
      return reply(400, 'malformed', { error: `The event nests objects or arrays more than ${MAX_EVENT_NESTING} levels deep; it is not a Stripe event.` }, source);
    }
    const parsed = StripeEventSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.join('.') || 'event';
      return reply(400, 'malformed', { error: `The event is not Stripe-shaped: ${where}: ${issue?.message ?? 'invalid'}.` }, source);
    }
    event = parsed.data;
  } catch {
    return reply(400, 'malformed', { error: 'The body is not valid UTF-8 JSON.' }, source);
  }

  const payloadSha256 = createHash('sha256').update(delivery.body).digest('hex');
  const duplicate = async () => {
    const first = await db.webhookEvent.findUnique({ where: { sourceId_eventId: { sourceId: source.id, eventId: event.id } } });
    const differs = first && first.payloadSha256 !== payloadSha256;
    return reply(200, 'duplicate', { received: true, duplicate: true, eventId: event.id }, source,
      differs ? `event ${event.id} already received; this payload differs from the first delivery` : `event ${event.id} already received`);
  };
  if (await db.webhookEvent.findUnique({ where: { sourceId_eventId: { sourceId: source.id, eventId: event.id } }, select: { id: true } })) {
    return duplicate();
  }

  const version = await db.sourceProfileVersion.findFirst({ where: { sourceId: source.id }, orderBy: { version: 'desc' } });
  const mapping = mapWebhookEvent(event, source, version?.profile ?? null);
  if (mapping.kind === 'invalid') {
    return reply(422, 'rejected', { error: mapping.reason }, source);
  }
  if (mapping.kind === 'record' && !version) {
    return reply(409, 'rejected', { error: `Source "${source.name}" has no profile yet; create one so its events can be stored (the sender retries).` }, source, 'no profile');
  }

  const eventAt = new Date(event.created * 1000);
  const now = new Date(nowMs);
  try {
    await db.$transaction(async (tx) => {
      const row = await tx.webhookEvent.create({
        data: { sourceId: source.id, eventId: event.id, eventType: event.type, eventAt, receivedAt: now, payloadSha256 },
      });
      let audited: Record<string, unknown> | null = null;
      if (mapping.kind === 'record' && version) {
        const r = mapping.record;
        // One record inside the event's transaction: Prisma's create, not the bulk writer.
        await tx.sourceRecord.create({
          data: toRecordRow(r, { sourceId: source.id, ingestionId: null, profileVersionId: version.id, fileSha256: null, eventId: event.id, line: null }, text),
        });
        await tx.source.update({ where: { id: source.id }, data: { lastIngestedAt: now } });
        audited = { key: r.key, txId: r.txId, amountMinor: r.amount, currency: r.currency, status: r.status, code: r.code, mapping: mapping.via, profileVersion: version.version };
      }
      await tx.webhookAttempt.create({
        data: {
          sourceId: source.id,
          sourceName: source.name,
          outcome: 'accepted',
          reason: mapping.kind === 'none' ? `stored without a record: ${mapping.reason}`.slice(0, 1000) : null,
          ip: ip?.slice(0, 64) ?? null,
          receivedAt: now,
        },
      });
      await writeAudit(tx, {
        actor: null,
        action: 'webhook.accept',
        entityType: 'WebhookEvent',
        entityId: row.id,
        after: { sourceId: source.id, eventId: event.id, eventType: event.type, eventAt: eventAt.toISOString(), record: audited },
        ip,
      });
    });
  } catch (e) {
    if (isUniqueViolation(e)) return duplicate(); // a concurrent delivery of the same event won
    throw e;
  }
  if (mapping.kind === 'record') await dataArrived({ kind: 'webhook', sourceId: source.id, key: mapping.record.key, eventId: event.id }, db);
  return {
    status: 200,
    outcome: 'accepted',
    body: { received: true, eventId: event.id, recorded: mapping.kind === 'record' },
  };
}
