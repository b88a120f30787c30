/**
 * Every alert channel, by id. Adding a channel: its id in CHANNELS (rules.ts), a definition file
 * here, its settings section (settings.ts configSchema and the settings form).
 */
import { CHANNELS, type AlertKind, type AlertSeverity, type Channel } from '../rules';
import type { LoadedSettings } from '../settings';
import { emailChannel } from './email';
import { telegramChannel } from './telegram';
import type { AlertChannel } from './types';
import { webhookChannel } from './webhook';

export const ALERT_CHANNELS = { telegram: telegramChannel, email: emailChannel, webhook: webhookChannel } satisfies Record<Channel, AlertChannel>;

export function alertChannel(id: string): AlertChannel | undefined {
  return (ALERT_CHANNELS as Record<string, AlertChannel>)[id];
}

export { DeliveryError, type AlertChannel, type Sender } from './types';

/** The configured channel targets an alert of this kind goes to (empty: no channel configured). */
export function targetsFor(settings: LoadedSettings, kind: AlertKind, severity: AlertSeverity): { channel: Channel; target: string }[] {
  const { config } = settings;
  const channels: readonly Channel[] =
    kind === 'escalation' ? ['telegram'] : kind === 'test' ? CHANNELS : (config.rules[kind]?.channels ?? CHANNELS);
  const out: { channel: Channel; target: string }[] = [];
  for (const channel of channels) {
    const target = ALERT_CHANNELS[channel].target(settings, kind, severity);
    if (target) out.push({ channel, target });
  }
  return out;
}
