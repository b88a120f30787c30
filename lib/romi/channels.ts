import { NO_CAMPAIGN, type Touch } from './attribution';

/** The attributes touchesOf reads. */
export const TOUCH_FIELDS = ['channel', 'leadSource', 'campaign', 'utmSource', 'utmCampaign'] as const;

/**
 * A CRM record's touches, oldest first: the original source (channel / lead source with its campaign)
 * is the first touch, the latest UTM source and campaign the last. Identical neighbours collapse.
 */
export function touchesOf(attrs: Readonly<Record<string, string | undefined>>, channelOf: (raw: string) => string = (v) => v): Touch[] {
  const out: Touch[] = [];
  const push = (raw: string | undefined, campaign: string | undefined) => {
    const written = (raw ?? '').trim();
    if (!written) return;
    const channel = channelOf(written);
    const t = { channel, campaign: (campaign ?? '').trim() || NO_CAMPAIGN };
    const last = out[out.length - 1];
    if (!last || last.channel !== t.channel || last.campaign !== t.campaign) out.push(t);
  };
  push(attrs.channel ?? attrs.leadSource, attrs.campaign);
  // A UTM source without a UTM campaign has no campaign: the original source's campaign is not this touch's.
  push(attrs.utmSource, attrs.utmCampaign);
  return out;
}
