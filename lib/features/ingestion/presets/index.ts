import { headerKey } from '../profile';
import { adyenSettlement } from './adyen-settlement';
import { bankStatement } from './bank-statement';
import { googleAdsCampaigns } from './google-ads-campaigns';
import { hubspotDeals } from './hubspot-deals';
import { linkedinAds } from './linkedin-ads';
import { metaAds } from './meta-ads';
import { paypalActivity } from './paypal-activity';
import { salesforceOpportunities } from './salesforce-opportunities';
import { stripeBalance } from './stripe-balance';
import { stripePayments } from './stripe-payments';
import type { Preset } from './types';

export type { Preset } from './types';

export const PRESETS: readonly Preset[] = [
  stripePayments,
  stripeBalance,
  paypalActivity,
  adyenSettlement,
  bankStatement,
  hubspotDeals,
  salesforceOpportunities,
  googleAdsCampaigns,
  metaAds,
  linkedinAds,
];

/** Matching form of a header name: case, spaces, punctuation and a "(USD)"-style currency ignored. */
export function signatureKey(name: string): string {
  return headerKey(name.replace(/\(\s*[A-Za-z]{3}\s*\)/, ''));
}

export interface PresetMatch { preset: Preset; matched: string[]; missing: string[]; score: number }

/**
 * Ranks presets against a header, best first. score = share of the preset's
 * signature found (0..1); extra and reordered columns do not count against it.
 * Ties go to the preset with the longer signature (more specific).
 */
export function detectPreset(header: readonly string[]): PresetMatch[] {
  const keys = new Set(header.map(signatureKey));
  const out: PresetMatch[] = [];
  for (const preset of PRESETS) {
    const matched: string[] = [];
    const missing: string[] = [];
    for (const s of preset.signature) (keys.has(signatureKey(s)) ? matched : missing).push(s);
    const score = matched.length / preset.signature.length;
    if (matched.length > 0) out.push({ preset, matched, missing, score });
  }
  return out.sort((a, b) => b.score - a.score || b.preset.signature.length - a.preset.signature.length);
}

export function presetById(id: string): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}
