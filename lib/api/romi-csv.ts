/** The ROMI figures as CSV rows (total, per channel, campaign and month): what a spreadsheet or a BI tool reads. */
import { minorToDecimal } from '@/lib/domain/money';
import type { DashboardData } from '@/lib/features/romi/dashboard';
import type { Figures } from '@/lib/romi';
import { csvEscapeCell } from '@/lib/server/http/csv-safe';

const HEADER = ['level', 'channel', 'campaign', 'month', 'currency', 'revenue', 'refunds', 'net_revenue', 'not_yet_counted', 'spend', 'romi', 'roas', 'leads', 'deals', 'paid_deals', 'paid_transactions'];

/** One figure's cells, amounts as decimals in the currency's digits. */
function cells(f: Figures): (string | number | null)[] {
  const d = (minor: bigint) => minorToDecimal(minor, f.currency);
  const r = (x: number | null) => (x === null ? null : Number(x.toFixed(6)));
  return [f.currency, d(f.revenueMinor), d(f.refundMinor), d(f.netRevenueMinor), d(f.notCountedMinor), d(f.spendMinor), r(f.romi), r(f.roas), f.leads, f.deals, f.paidDeals, f.paidTx];
}

export async function* romiCsv(data: DashboardData): AsyncGenerator<string> {
  const line = (c: (string | number | null)[]) => `${c.map((x) => csvEscapeCell(x === null ? '' : String(x))).join(',')}\r\n`;
  const rows = (level: string, channel: string, campaign: string, month: string, figures: Figures[]) => figures.map((f) => line([level, channel, campaign, month, ...cells(f)])).join('');
  yield line(HEADER);
  yield rows('total', '', '', '', data.totals);
  // Across every period and channel (how final the figures are): only its not-yet-counted amount is meant.
  yield rows('not_yet_counted', '', '', '', data.notCountedAll);
  for (const c of data.channels) yield rows('channel', c.channel, '', '', c.figures);
  for (const c of data.campaigns) yield rows('campaign', c.channel, c.campaign, '', c.figures);
  for (const m of data.months) yield rows('month', '', '', m.month, m.figures);
}
