import { endpoints } from '@/lib/api';
import { assignDiscrepancy } from '@/lib/features/review/resolve';
import { getPrisma } from '@/lib/server/db/client';
import { InvalidRequestError } from '@/lib/server/core/app-error';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const POST = defineApiRoute(endpoints.assignEntry, async ({ params, body, user }) => {
  let assigneeId: string | null = null;
  if (body.assignee) {
    const found = await getPrisma().user.findFirst({ where: { OR: [{ id: body.assignee }, { email: body.assignee.toLowerCase() }] }, select: { id: true } });
    if (!found) throw new InvalidRequestError(`No user "${body.assignee}". Assign to an active finance reviewer or admin (id or e-mail).`);
    assigneeId = found.id;
  }
  return assignDiscrepancy(params.id, body.version, assigneeId, user);
});
