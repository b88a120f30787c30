import { endpoints } from '@/lib/api';
import { passView } from '@/lib/api/views';
import { listPasses, requestFullPass } from '@/lib/features/ledger';
import { NotFoundError } from '@/lib/server/core/app-error';
import { getPrisma } from '@/lib/server/db/client';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

async function live(id: string): Promise<void> {
  const rec = await getPrisma().reconciliation.findUnique({ where: { id }, select: { archivedAt: true } });
  if (!rec || rec.archivedAt) throw new NotFoundError('No such reconciliation (or it is archived).');
}

export const GET = defineApiRoute(endpoints.listPasses, async ({ params, query }) => {
  await live(params.id);
  return { items: (await listPasses({ reconciliationId: params.id, take: query.limit })).map(passView) };
});

export const POST = defineApiRoute(endpoints.startPass, async ({ params, user }) => {
  await live(params.id);
  await requestFullPass(params.id, 'person', null, { actor: user });
  return { queued: true as const };
});
