type Tone = 'ok' | 'warn' | 'bad' | 'neutral';

export const DELIVERY_TONE: Record<string, Tone> = { sent: 'ok', pending: 'neutral', retrying: 'warn', failed: 'bad', suppressed: 'neutral' };
export const DELIVERY_LABEL: Record<string, string> = { sent: 'Sent', pending: 'Pending', retrying: 'Retrying', failed: 'Failed', suppressed: 'Held back' };
export const CHANNEL_LABEL: Record<string, string> = { telegram: 'Telegram', email: 'E-mail', webhook: 'Webhook' };
export const ESCALATION_LABEL: Record<string, { label: string; tone: Tone }> = {
  open: { label: 'Waiting', tone: 'warn' },
  acknowledged: { label: 'Acknowledged', tone: 'neutral' },
  resolved: { label: 'Resolved', tone: 'ok' },
};
