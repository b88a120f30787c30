import { normalizeChannel } from '@/lib/domain/channels';
import { NO_CAMPAIGN, type Touch } from './attribution';

export { normalizeChannel };

/**
 * A CRM record's touches, oldest first: the original source (channel / lead source with its campaign)
 * is the first touch, the latest UTM source and campaign the last. Identical neighbours collapse.
 */
export function touchesOf(attrs: Readonly<Record<string, string | undefined>>): Touch[] {
  const out: Touch[] = [];
  const push = (channel: string | null, campaign: string | undefined) => {
    if (!channel) return;
    const t = { channel, campaign: (campaign ?? '').trim() || NO_CAMPAIGN };
    const last = out[out.length - 1];
    if (!last || last.channel !== t.channel || last.campaign !== t.campaign) out.push(t);
  };
  push(normalizeChannel(attrs.channel ?? attrs.leadSource), attrs.campaign);
  // A UTM source without a UTM campaign has no campaign: the original source's campaign is not this touch's.
  push(normalizeChannel(attrs.utmSource), attrs.utmCampaign);
  return out;
}
