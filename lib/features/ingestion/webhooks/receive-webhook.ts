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
import { IngestRecordSchema, type IngestRecord } from '@/lib/features/ingestion/profile';
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { decryptSecret, encryptSecret, needsReencryption, reencryptSecret } from '@/lib/server/crypto/secrets';
import { compileJsonNormalizer, flattenRecord, type JsonRecordNormalizer } from '@/lib/features/ingestion/connectors/normalize';
import { isStripePaymentObject, jsonNestingExceeds, mapStripeEvent, MAX_EVENT_NESTING, StripeEventSchema, type StripeEvent } from '@/lib/features/ingestion/webhooks/stripe-event';
import { verifyStripeSignature } from '@/lib/features/ingestion/webhooks/verify-stripe-signature';
import { writeAudit } from '@/lib/server/db/audit';
import { getPrisma } from '@/lib/server/db/client';
import { toRecordRow } from '@/lib/server/db/record-insert';

type Client = ReturnType<typeof getPrisma>;
type Actor = { id: string; email: string } | null;

/** Largest accepted body; Stripe events are a few KB. */
export const WEBHOOK_MAX_BYTES = 1024 * 1024;
/** Secrets kept at once: the current one plus a few being rotated out. */
export const MAX_WEBHOOK_SECRETS = 5;

export type WebhookOutcome =
  | 'accepted'
  | 'duplicate'
  | 'bad_signature'
  | 'expired'
  | 'malformed'
  | 'unknown_source'
  /** Valid and signed, but it cannot be stored now (no profile, undecryptable secrets, a row the profile rejects). */
  | 'rejected';

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

async function recordAttempt(
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

/** The stored secrets of a source, decrypted. */
function decryptSecrets(enc: string | null): string[] {
  if (!enc) return [];
  const tokens = z.array(z.string()).parse(JSON.parse(enc));
  return tokens.map(decryptSecret);
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
    console.error(`[webhooks] cannot decrypt the webhook secrets of source ${source.id}: ${(e as Error).message}`);
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
  return {
    status: 200,
    outcome: 'accepted',
    body: { received: true, eventId: event.id, recorded: mapping.kind === 'record' },
  };
}

// ---------------------------------------------------------------- reading

export type WebhookRecord = {
  eventId: string;
  eventType: string;
  eventAt: Date;
  receivedAt: Date;
  key: string;
  txId: string;
  amountMinor: bigint;
  currency: string;
  status: string;
  code: string;
};

/** A source's webhook records ordered by event time (not arrival), oldest first. */
export async function webhookRecordsByEventTime(
  sourceId: string,
  opts: { key?: string; db?: Client } = {},
): Promise<WebhookRecord[]> {
  const db = opts.db ?? getPrisma();
  const records = await db.sourceRecord.findMany({
    where: { sourceId, eventId: { not: null }, ...(opts.key ? { key: opts.key } : {}) },
    select: { eventId: true, key: true, txId: true, amountMinor: true, currency: true, status: true, code: true },
  });
  if (records.length === 0) return [];
  const events = new Map<string, { eventType: string; eventAt: Date; receivedAt: Date }>();
  const ids = records.map((r) => r.eventId as string);
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.webhookEvent.findMany({
      where: { sourceId, eventId: { in: ids.slice(i, i + 500) } },
      select: { eventId: true, eventType: true, eventAt: true, receivedAt: true },
    });
    for (const r of rows) events.set(r.eventId, r);
  }
  const out: WebhookRecord[] = [];
  for (const r of records) {
    const e = events.get(r.eventId as string);
    if (!e) continue;
    out.push({ ...r, eventId: r.eventId as string, ...e });
  }
  out.sort((a, b) => a.eventAt.getTime() - b.eventAt.getTime() || a.receivedAt.getTime() - b.receivedAt.getTime() || a.eventId.localeCompare(b.eventId));
  return out;
}

/** Per key, the record of the latest event (by event time): the current state webhooks report. */
export async function currentWebhookRecords(sourceId: string, opts: { db?: Client } = {}): Promise<Map<string, WebhookRecord>> {
  const latest = new Map<string, WebhookRecord>();
  for (const r of await webhookRecordsByEventTime(sourceId, opts)) latest.set(r.key, r);
  return latest;
}

// ---------------------------------------------------------------- secrets

const secretSchema = z
  .string()
  .trim()
  .min(16, 'A webhook secret has at least 16 characters.')
  .max(512, 'A webhook secret has at most 512 characters.');

export const webhookSecretsSchema = z
  .array(secretSchema)
  .max(MAX_WEBHOOK_SECRETS, `Keep at most ${MAX_WEBHOOK_SECRETS} webhook secrets.`)
  .refine((a) => new Set(a).size === a.length, 'The same secret is listed twice.');

export class SourceNotFoundError extends Error {
  constructor(id: string) {
    super(`Source ${id} does not exist.`);
  }
}

/** A new random signing secret, for senders that let us choose it. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * Replaces a source's webhook secrets (first = newest; any of them verifies). An empty list
 * turns webhooks off. Audited in the same transaction, with counts only.
 */
export async function setWebhookSecrets(
  sourceId: string,
  secrets: readonly string[],
  actor: Actor,
  opts: { db?: Client } = {},
): Promise<{ count: number }> {
  const list = webhookSecretsSchema.parse(secrets);
  const db = opts.db ?? getPrisma();
  const enc = list.length ? JSON.stringify(list.map(encryptSecret)) : null;
  return db.$transaction(async (tx) => {
    const source = await tx.source.findUnique({ where: { id: sourceId }, select: { webhookSecretsEnc: true } });
    if (!source) throw new SourceNotFoundError(sourceId);
    const before = source.webhookSecretsEnc ? (JSON.parse(source.webhookSecretsEnc) as unknown[]).length : 0;
    await tx.source.update({ where: { id: sourceId }, data: { webhookSecretsEnc: enc } });
    await writeAudit(tx, {
      actor,
      action: 'source.webhook_secrets.set',
      entityType: 'Source',
      entityId: sourceId,
      before: { secrets: before },
      after: { secrets: list.length },
    });
    return { count: list.length };
  });
}

/**
 * Rotation: the new secret goes first and the newest `keepPrevious` old ones stay valid until
 * the sender has switched (then call again with keepPrevious 0, or setWebhookSecrets).
 */
export async function rotateWebhookSecret(
  sourceId: string,
  newSecret: string,
  actor: Actor,
  opts: { keepPrevious?: number; db?: Client } = {},
): Promise<{ count: number }> {
  const secret = secretSchema.parse(newSecret);
  const keep = Math.max(0, Math.min(opts.keepPrevious ?? 1, MAX_WEBHOOK_SECRETS - 1));
  const db = opts.db ?? getPrisma();
  const newToken = encryptSecret(secret);
  return db.$transaction(async (tx) => {
    const source = await tx.source.findUnique({ where: { id: sourceId }, select: { webhookSecretsEnc: true } });
    if (!source) throw new SourceNotFoundError(sourceId);
    const old = source.webhookSecretsEnc ? z.array(z.string()).parse(JSON.parse(source.webhookSecretsEnc)) : [];
    if (old.some((t) => { try { return decryptSecret(t) === secret; } catch { return false; } })) {
      throw new Error('This secret is already configured for the source.');
    }
    const next = [newToken, ...old.slice(0, keep)];
    await tx.source.update({ where: { id: sourceId }, data: { webhookSecretsEnc: JSON.stringify(next) } });
    await writeAudit(tx, {
      actor,
      action: 'source.webhook_secrets.rotate',
      entityType: 'Source',
      entityId: sourceId,
      before: { secrets: old.length },
      after: { secrets: next.length, keptPrevious: Math.min(keep, old.length) },
    });
    return { count: next.length };
  });
}

/** How many webhook secrets a source has (the UI shows this, never the secrets). */
export async function webhookSecretCount(sourceId: string, opts: { db?: Client } = {}): Promise<number> {
  const db = opts.db ?? getPrisma();
  const s = await db.source.findUnique({ where: { id: sourceId }, select: { webhookSecretsEnc: true } });
  return s?.webhookSecretsEnc ? (JSON.parse(s.webhookSecretsEnc) as unknown[]).length : 0;
}

/**
 * After PAIDLINE_SECRET_KEY changes (old key in PAIDLINE_SECRET_KEY_PREVIOUS): re-encrypts every
 * stored webhook secret and connector credential with the current key, one audited transaction
 * per source. Afterwards PAIDLINE_SECRET_KEY_PREVIOUS can be removed.
 */
export async function reencryptStoredSecrets(actor: Actor, opts: { db?: Client } = {}): Promise<{ sources: number }> {
  const db = opts.db ?? getPrisma();
  const sources = await db.source.findMany({
    where: { OR: [{ webhookSecretsEnc: { not: null } }, { connectorCredentialsEnc: { not: null } }] },
    select: { id: true },
  });
  let changed = 0;
  for (const { id } of sources) {
    // Read again inside the transaction so a concurrent edit is not overwritten.
    const done = await db.$transaction(async (tx) => {
      const s = await tx.source.findUniqueOrThrow({ where: { id }, select: { webhookSecretsEnc: true, connectorCredentialsEnc: true } });
      const tokens = s.webhookSecretsEnc ? z.array(z.string()).parse(JSON.parse(s.webhookSecretsEnc)) : [];
      const cred = s.connectorCredentialsEnc;
      if (!tokens.some(needsReencryption) && !(cred && needsReencryption(cred))) return false;
      await tx.source.update({
        where: { id },
        data: {
          webhookSecretsEnc: s.webhookSecretsEnc ? JSON.stringify(tokens.map(reencryptSecret)) : null,
          connectorCredentialsEnc: cred ? reencryptSecret(cred) : null,
        },
      });
      await writeAudit(tx, { actor, action: 'source.secrets.reencrypt', entityType: 'Source', entityId: id, after: { webhookSecrets: tokens.length, credentials: Boolean(cred) } });
      return true;
    });
    if (done) changed++;
  }
  return { sources: changed };
}
