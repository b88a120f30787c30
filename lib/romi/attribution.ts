/**
 * Attribution: how a deal's marketing touches share the credit for its leads, deals and revenue.
 * Weights are integers in parts per million so that splitting money stays exact (no floats).
 */

export const ATTRIBUTION_MODELS = ['last_touch', 'first_touch', 'linear'] as const;
export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number];
export const DEFAULT_MODEL: AttributionModel = 'last_touch';

export const MODEL_LABELS: Record<AttributionModel, string> = {
  last_touch: 'Last touch',
  first_touch: 'First touch',
  linear: 'Linear',
};

export const PPM = 1_000_000;
export const UNATTRIBUTED = 'Unattributed';
export const NO_CAMPAIGN = '(none)';

export type Touch = { channel: string; campaign: string };
export type Credit = Touch & { weightPpm: number };

export function isModel(v: unknown): v is AttributionModel {
  return typeof v === 'string' && (ATTRIBUTION_MODELS as readonly string[]).includes(v);
}

/**
 * Splits an integer total by weights with the largest-remainder method: the parts always sum to
 * the total exactly; ties go to the earlier weight. Works for negative totals (refunds) symmetrically.
 */
export function splitInteger(total: bigint, weightsPpm: readonly number[]): bigint[] {
  if (!weightsPpm.length) return [];
  const sign = total < 0n ? -1n : 1n;
  const abs = total * sign;
  const sum = BigInt(weightsPpm.reduce((a, b) => a + b, 0));
  const parts = weightsPpm.map((w) => (abs * BigInt(w)) / sum);
  const rems = weightsPpm.map((w, i) => ({ i, r: (abs * BigInt(w)) % sum }));
  let left = abs - parts.reduce((a, b) => a + b, 0n);
  rems.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (let k = 0; left > 0n; k++, left--) parts[rems[k % rems.length]!.i]! += 1n;
  return parts.map((p) => p * sign);
}

/**
 * The credits of a deal's touches (in time order) under a model. No touch: one credit to
 * "Unattributed". Linear merges repeated (channel, campaign) touches into one credit.
 */
export function attribute(touches: readonly Touch[], model: AttributionModel): Credit[] {
  if (!touches.length) return [{ channel: UNATTRIBUTED, campaign: NO_CAMPAIGN, weightPpm: PPM }];
  if (model === 'first_touch') return [{ ...touches[0]!, weightPpm: PPM }];
  if (model === 'last_touch') return [{ ...touches[touches.length - 1]!, weightPpm: PPM }];
  const shares = splitInteger(BigInt(PPM), touches.map(() => 1));
  const merged = new Map<string, Credit>();
  touches.forEach((t, i) => {
    const k = `${t.channel}\u0000${t.campaign}`;
    const c = merged.get(k);
    if (c) c.weightPpm += Number(shares[i]);
    else merged.set(k, { ...t, weightPpm: Number(shares[i]) });
  });
  return [...merged.values()];
}
