/**
 * Marketing channels: the names deals, spend and ROMI are grouped by. Common spellings of the same
 * channel in CRM lead sources, UTM fields and ad platforms are read as one name.
 */

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
