import { numberFormat } from '@/lib/domain/money';

/** Okabe-Ito: a palette that stays distinct for the common colour-vision deficiencies. */
export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'] as const;
export const REVENUE_COLOR = '#0072B2';
export const SPEND_COLOR = '#E69F00';
export const LOSS_COLOR = '#D55E00';

/** Minor units as money, in the currency's own digits (lib/domain/money.ts): "$12,345", "$12,345.67", "¥1,000". */
export { formatMoney, minorToMajorNumber } from '@/lib/domain/money';

export function formatRatio(r: number | null): string {
  return r === null ? '—' : `${(r * 100).toFixed(0)}%`;
}

export function formatMultiple(r: number | null): string {
  return r === null ? '—' : `${r.toFixed(2)}×`;
}

export function formatCount(n: number): string {
  return numberFormat('en-US', Number.isInteger(n) ? {} : { maximumFractionDigits: 1 }).format(n);
}

export function monthLabel(month: string): string {
  const d = new Date(`${month}-01T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? month : d.toLocaleDateString('en-US', { month: 'short', year: 'numeric', timeZone: 'UTC' });
}
