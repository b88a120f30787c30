import { NO_CAMPAIGN, type Touch } from './attribution';

/** Common spellings of ad channels in CRM lead sources and UTM fields, mapped to one channel name. */
const ALIASES: [RegExp, string][] = [
  [/^(google|google ads|adwords|paid search|ppc|cpc|google\s*\/\s*cpc)$/i, 'Google Ads'],
  [/^(meta|meta ads|facebook|fb|instagram|paid social|facebook ads)$/i, 'Meta Ads'],
  [/^(linkedin|linkedin ads|li)$/i, 'LinkedIn Ads'],
  [/^(organic|organic search|seo)$/i, 'Organic search'],
  [/^(direct|direct traffic)$/i, 'Direct'],
  [/^(email|e-mail|newsletter|email marketing)$/i, 'Email'],
  [/^(referral|referrals|partner)$/i, 'Referral'],
];

/** One spelling per channel: known aliases mapped, anything else trimmed as written. */
export function normalizeChannel(raw: string | undefined | null): string | null {
  const v = (raw ?? '').trim();
  if (!v) return null;
  for (const [re, name] of ALIASES) if (re.test(v)) return name;
  return v;
}

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
