/** The ROMI figures as CSV rows (total, per channel, campaign and month): what a spreadsheet or a BI tool reads. */
import { minorToDecimal } from '@/lib/domain/money';
import type { DashboardData } from '@/lib/features/romi/dashboard';
import type { Figures } from '@/lib/romi';
import { csvEscapeCell } from '@/lib/server/http/csv-safe';

const HEADER = ['level', 'channel', 'campaign', 'month', 'currency', 'revenue', 'refunds', 'net_revenue', 'not_yet_counted', 'spend', 'romi', 'roas', 'leads', 'deals', 'paid_deals', 'paid_transactions'];

function line(cells: (string | number | null)[]): string {
  return `${cells.map((c) => csvEscapeCell(c === null ? '' : String(c))).join(',')}\r\n`;
}

function rows(level: string, channel: string, campaign: string, month: string, figures: Figures[]): string {
  return figures
    .map((f) =>
      line([
        level, channel, campaign, month, f.currency,
        minorToDecimal(f.revenueMinor, f.currency), minorToDecimal(f.refundMinor, f.currency), minorToDecimal(f.netRevenueMinor, f.currency),
        minorToDecimal(f.notCountedMinor, f.currency), minorToDecimal(f.spendMinor, f.currency),
        f.romi === null ? null : Number(f.romi.toFixed(6)), f.roas === null ? null : Number(f.roas.toFixed(6)),
        f.leads, f.deals, f.paidDeals, f.paidTx,
      ]),
    )
    .join('');
}

export async function* romiCsv(data: DashboardData): AsyncGenerator<string> {
  yield line(HEADER);
  yield rows('total', '', '', '', data.totals);
  // Across every period and channel (how final the figures are): only its not-yet-counted amount is meant.
  yield rows('not_yet_counted', '', '', '', data.notCountedAll);
  for (const c of data.channels) yield rows('channel', c.channel, '', '', c.figures);
  for (const c of data.campaigns) yield rows('campaign', c.channel, c.campaign, '', c.figures);
  for (const m of data.months) yield rows('month', '', '', m.month, m.figures);
}
