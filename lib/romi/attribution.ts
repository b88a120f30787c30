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

/**
 * RomiCredit.model of credits that hold for every model: when the three attributions of a payment,
 * deal or spend row agree (no deal, one touch, spend), one set of credit rows instead of three.
 */
export const EVERY_MODEL = '*';
export type CreditModel = AttributionModel | typeof EVERY_MODEL;

/** The stored model values that hold a model's credits (for a query's `model IN (...)`). */
export function creditModelsOf(model: AttributionModel): CreditModel[] {
  return [model, EVERY_MODEL];
}

/** A model's credits among one row's stored credits (its own, or those for every model). */
export function creditsOfModel<T extends { model: string }>(credits: readonly T[], model: AttributionModel): T[] {
  return credits.filter((c) => c.model === model || c.model === EVERY_MODEL);
}

const sameCredits = (a: readonly Credit[], b: readonly Credit[]) =>
  a.length === b.length && a.every((c, i) => c.channel === b[i]!.channel && c.campaign === b[i]!.campaign && c.weightPpm === b[i]!.weightPpm);

/**
 * How a row's credits are stored, given its credits under each of `models`: once under EVERY_MODEL
 * when every model is there and all agree, else once per model.
 */
export function storedCredits<C extends Credit>(models: readonly AttributionModel[], perModel: readonly (readonly C[])[]): { model: CreditModel; credits: readonly C[] }[] {
  if (models.length === ATTRIBUTION_MODELS.length && perModel.every((cs) => sameCredits(cs, perModel[0]!))) return [{ model: EVERY_MODEL, credits: perModel[0]! }];
  return models.map((model, i) => ({ model, credits: perModel[i]! }));
}
