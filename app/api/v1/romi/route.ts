import { endpoints } from '@/lib/api';
import { romiRunOf } from '@/lib/api/romi';
import { dashboardData, parseRomiQuery } from '@/lib/features/romi/dashboard';
import { InvalidRequestError } from '@/lib/server/core/app-error';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const GET = defineApiRoute(endpoints.getRomi, async ({ query }) => {
  const run = await romiRunOf(query.reconciliation);
  const q = parseRomiQuery({ from: query.from, to: query.to, channel: query.channel, campaign: query.campaign, model: query.model, run: run ?? undefined });
  const data = await dashboardData(q);
  if (!data) throw new InvalidRequestError('There are no ROMI figures yet: reconcile payments and upload deals and spend first (GET /api/v1/reconciliations says when the ledger is settled).');
  return {
    asOf: data.run.builtAt,
    reconciliation: data.run.ledger ? { id: data.run.ledger.reconciliationId, name: data.run.ledger.name, lastPassAt: data.run.ledger.lastPassAt } : null,
    runId: data.run.runId,
    model: q.model,
    filter: { from: q.from ?? null, to: q.to ?? null, channel: q.channel ?? null, campaign: q.campaign ?? null },
    totals: data.totals,
    notYetCounted: data.notCountedAll,
    channels: data.channels,
    campaigns: data.campaigns,
    months: data.months,
    funnel: data.funnel,
    fx: data.fx,
  };
});
