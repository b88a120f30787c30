import type { Tone } from '@/lib/domain/tone';
import type { Channel, DeliveryState } from '@/lib/features/alerts/rules';

export { labelOf } from '@/lib/domain/labels';

export const DELIVERY_TONE = { sent: 'ok', pending: 'neutral', retrying: 'warn', failed: 'bad', suppressed: 'neutral' } as const satisfies Record<DeliveryState, Tone>;
export const DELIVERY_LABEL = { sent: 'Sent', pending: 'Pending', retrying: 'Retrying', failed: 'Failed', suppressed: 'Held back' } as const satisfies Record<DeliveryState, string>;
export const CHANNEL_LABEL = { telegram: 'Telegram', email: 'E-mail', webhook: 'Webhook' } as const satisfies Record<Channel, string>;
export const ESCALATION_LABEL = {
  open: { label: 'Waiting', tone: 'warn' },
  acknowledged: { label: 'Acknowledged', tone: 'neutral' },
  resolved: { label: 'Resolved', tone: 'ok' },
} as const satisfies Record<'open' | 'acknowledged' | 'resolved', { label: string; tone: Tone }>;
