import { z } from 'zod';
import { endpoints } from '@/lib/api';
import { wantsCsv } from '@/lib/api/csv';
import { romiRunOf } from '@/lib/api/romi';
import { decodeCursor, encodeCursor } from '@/lib/api/schemas';
import { dashboardRun } from '@/lib/features/romi/romi-queries';
import { drillCsv, parseRomiQuery } from '@/lib/features/romi/dashboard';
import { drillDown } from '@/lib/features/romi/drill-down';
import { writeAudit } from '@/lib/server/db/audit';
import { getPrisma } from '@/lib/server/db/client';
import { InvalidRequestError } from '@/lib/server/core/app-error';
import { csvResponse } from '@/lib/server/http/csv-response';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const GET = defineApiRoute(endpoints.romiRows, async ({ query, request, user, meta }) => {
  const run = await dashboardRun(getPrisma(), (await romiRunOf(query.reconciliation)) ?? undefined);
  if (!run) throw new InvalidRequestError('There are no ROMI figures yet: reconcile payments and upload deals and spend first.');
  const q = parseRomiQuery({ from: query.from, to: query.to, channel: query.channel, campaign: query.campaign, model: query.model });
  if (wantsCsv(request, query.format)) {
    await writeAudit(getPrisma(), { actor: user, action: 'export.romi', entityType: 'Run', entityId: run.runId, after: { via: 'api', kind: query.kind, from: q.from ?? null, to: q.to ?? null, channel: q.channel ?? null, campaign: q.campaign ?? null, model: q.model }, ...meta });
    return csvResponse(`romi-${query.kind}.csv`, drillCsv(run.runId, q, query.kind));
  }
  const after = decodeCursor(query.cursor, z.number().int().min(0));
  const page = await drillDown(run.runId, q.model, query.kind, { from: q.from, to: q.to, channel: q.channel, campaign: q.campaign }, { take: query.limit, after });
  const items = [...page.payments, ...page.deals, ...page.spend] as unknown as Record<string, unknown>[];
  return { items, nextCursor: page.next === null ? null : encodeCursor(page.next) };
});
