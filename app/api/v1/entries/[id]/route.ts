import { endpoints } from '@/lib/api';
import { discrepancyRow, getDiscrepancy } from '@/lib/features/review/discrepancies';
import { NotFoundError } from '@/lib/server/core/app-error';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const GET = defineApiRoute(endpoints.getEntry, async ({ params }) => {
  const [row, full] = await Promise.all([discrepancyRow(params.id), getDiscrepancy(params.id)]);
  if (!row || !full) throw new NotFoundError('No such entry.');
  return {
    ...row,
    sides: full.detail.sources.map((s) => ({
      name: s.name,
      ...(s.origin ? { origin: s.origin } : {}),
      present: s.present,
      count: s.count,
      status: s.status,
      code: s.code,
      amountMinor: s.amountMinor,
      currency: s.currency,
      date: s.date,
      ...(s.combined ? { combined: s.combined } : {}),
    })),
    violations: full.detail.violations as unknown as Record<string, unknown>[],
    resolutions: full.resolutions.map((r) => ({ id: r.id, when: r.when, who: r.who, action: r.action, reason: r.reason, auto: r.auto, undone: r.undone })),
    comments: full.comments.map((c) => ({ id: c.id, at: c.createdAt, author: c.authorEmail, body: c.body })),
  };
});
