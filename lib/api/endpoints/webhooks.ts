/** Webhooks out: subscribe a URL to Paidline's events (admins). */
import { z } from 'zod';
import { subscriptionSchema, WEBHOOK_EVENTS } from '@/lib/features/alerts/outgoing/subscriptions';
import type { ApiEndpoint } from '@/lib/server/pipeline/api';
import { id, idParams, ok, timestamp } from '../schemas';

const subscription = z.object({
  id,
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENTS)),
  description: z.string(),
  active: z.boolean(),
  createdAt: timestamp,
  deliveries: z.object({ sent: z.number().int(), failed: z.number().int(), waiting: z.number().int(), lastAt: timestamp.nullable(), lastError: z.string().nullable() }),
});

const EVENTS_DOC =
  'Each event is a POST of JSON {id, type, createdAt, data} signed like the alert webhook: X-Paidline-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>; X-Paidline-Event names the type. ' +
  'Events: entry.reopened (settled ledger entries new facts reopened), discrepancy.critical (critical entries a pass left open), pass.completed (a ledger pass and its counts), ingestion.failed. ' +
  'A delivery that does not get a 2xx is retried with backoff (30 s doubling, up to 8 attempts); the same id is sent on every attempt.';

export const listWebhooks = {
  id: 'listWebhooks',
  method: 'GET',
  path: '/webhooks',
  tag: 'Webhooks',
  summary: 'The webhook subscriptions and how their deliveries went',
  description: EVENTS_DOC,
  permission: 'settings:notifications',
  response: z.object({ items: z.array(subscription) }),
} satisfies ApiEndpoint;

export const createWebhook = {
  id: 'createWebhook',
  method: 'POST',
  path: '/webhooks',
  tag: 'Webhooks',
  summary: 'Subscribe a URL to events; the signing secret is in this answer only',
  description: EVENTS_DOC,
  permission: 'settings:notifications',
  body: subscriptionSchema,
  response: z.object({ id, secret: z.string().describe('Keep it: it is not shown again') }),
  status: 201,
  idempotent: true,
} satisfies ApiEndpoint;

export const deleteWebhook = {
  id: 'deleteWebhook',
  method: 'DELETE',
  path: '/webhooks/{id}',
  tag: 'Webhooks',
  summary: 'End a subscription (nothing more is sent to it)',
  permission: 'settings:notifications',
  params: idParams,
  response: ok,
} satisfies ApiEndpoint;

export const listWebhookDeliveries = {
  id: 'listWebhookDeliveries',
  method: 'GET',
  path: '/webhooks/{id}/deliveries',
  tag: 'Webhooks',
  summary: "A subscription's latest deliveries: event, state, attempts, the receiver's answer",
  permission: 'settings:notifications',
  params: idParams,
  query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
  response: z.object({
    items: z.array(z.object({ id, event: z.string(), state: z.string(), attempts: z.number().int(), responseStatus: z.number().int().nullable(), lastError: z.string().nullable(), createdAt: timestamp, sentAt: timestamp.nullable(), body: z.unknown() })),
  }),
} satisfies ApiEndpoint;
