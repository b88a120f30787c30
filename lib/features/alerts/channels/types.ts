/**
 * An alert channel: where its alerts go (the target, from the notification settings) and how one
 * delivery is sent. Every channel of CHANNELS (rules.ts) has one definition (channels/index.ts);
 * a channel without one fails the type-check.
 */
import type { DbClient } from '@/lib/server/db/client';
import type { AlertPayload } from '../raise';
import type { AlertKind, AlertSeverity, Channel } from '../rules';
import type { LoadedSettings } from '../settings';

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
  }
}

export type AlertRow = { id: string; rule: string; severity: string; title: string; payload: string; firstSeenAt: Date; lastSeenAt: Date; count: number };
export type Job = { delivery: { id: string; channel: string; target: string; attempts: number }; alert: AlertRow; payload: AlertPayload; settings: LoadedSettings; db: DbClient };

/** Sends one delivery; returns the external id (Telegram message id) when there is one. */
export type Sender = (job: Job) => Promise<string | null>;

export type AlertChannel = {
  id: Channel;
  /** Where an alert of this kind and severity goes, or null when the channel is not configured for it. */
  target: (settings: LoadedSettings, kind: AlertKind, severity: AlertSeverity) => string | null;
  send: Sender;
};
