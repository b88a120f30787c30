/**
 * Marketing channels: the names deals, spend and ROMI are grouped by. The company's own names count
 * (Settings -> Channels maps the others to them); the families below only suggest that two spellings
 * are one platform ("Google Ads" spend and a CRM's "Paid Search"), never rename anything by themselves.
 */

/** Common spellings of one platform in CRM lead sources, UTM fields and ad platforms, by family. */
const ALIASES: [RegExp, string][] = [
  [/^(google|google ads|adwords|paid search|ppc|cpc|google\s*\/\s*cpc|search ads)$/i, 'Google Ads'],
  [/^(meta|meta ads|facebook|fb|instagram|paid social|facebook ads)$/i, 'Meta Ads'],
  [/^(linkedin|linkedin ads|li|linkedin campaign manager)$/i, 'LinkedIn Ads'],
  [/^(organic|organic search|seo)$/i, 'Organic search'],
  [/^(direct|direct traffic)$/i, 'Direct'],
  [/^(email|e-mail|newsletter|email marketing)$/i, 'Email'],
  [/^(referral|referrals|partner)$/i, 'Referral'],
];

/** The platform family a spelling belongs to ("Google Ads" for "google / cpc" or "Paid Search"), or null. */
export function channelFamily(raw: string | undefined | null): string | null {
  const v = (raw ?? '').trim();
  if (!v) return null;
  for (const [re, name] of ALIASES) if (re.test(v)) return name;
  return null;
}
