import { endpoints } from '@/lib/api';
import { romiRunOf } from '@/lib/api/romi';
import { dashboardData, parseRomiQuery } from '@/lib/features/romi/dashboard';
import { InvalidRequestError } from '@/lib/server/core/app-error';
import { defineApiRoute } from '@/lib/server/pipeline/api';
import { wantsCsv } from '@/lib/api/csv';
import { romiCsv } from '@/lib/api/romi-csv';
import { writeAudit } from '@/lib/server/db/audit';
import { getPrisma } from '@/lib/server/db/client';
import { csvResponse } from '@/lib/server/http/csv-response';

export const dynamic = 'force-dynamic';

export const GET = defineApiRoute(endpoints.getRomi, async ({ query, request, user, meta }) => {
  const run = await romiRunOf(query.reconciliation);
  const q = parseRomiQuery({ from: query.from, to: query.to, channel: query.channel, campaign: query.campaign, model: query.model, run: run ?? undefined });
  const data = await dashboardData(q);
  if (!data) throw new InvalidRequestError('There are no ROMI figures yet: reconcile payments and upload deals and spend first (GET /api/v1/reconciliations says when the ledger is settled).');
  if (wantsCsv(request, query.format)) {
    await writeAudit(getPrisma(), { actor: user, action: 'export.romi', entityType: 'Run', entityId: data.run.runId, after: { via: 'api', kind: 'figures', from: q.from ?? null, to: q.to ?? null, channel: q.channel ?? null, campaign: q.campaign ?? null, model: q.model }, ...meta });
    return csvResponse('romi-figures.csv', romiCsv(data));
  }
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
