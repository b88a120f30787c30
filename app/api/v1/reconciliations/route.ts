import { endpoints } from '@/lib/api';
import { reconciliationViews } from '@/lib/api/views';
import { createReconciliation, requestFullPass, updateReconciliation } from '@/lib/features/ledger';
import { getPrisma } from '@/lib/server/db/client';
import { InvalidRequestError } from '@/lib/server/core/app-error';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const GET = defineApiRoute(endpoints.listReconciliations, async () => ({ items: await reconciliationViews() }));

export const POST = defineApiRoute(endpoints.createReconciliation, async ({ body, user }) => {
  const { matching, ruleSetName, ...input } = body;
  const ruleSet = ruleSetName ?? (await getPrisma().ruleSet.findFirst({ orderBy: { createdAt: 'desc' }, select: { name: true } }))?.name;
  if (!ruleSet) throw new InvalidRequestError('There is no rule set yet; an admin creates one under Settings -> Rules.');
  const created = await createReconciliation({ ...input, ruleSetName: ruleSet }, user);
  // Matching is set before the first pass, so the first pass already matches with it.
  if (matching) await updateReconciliation({ id: created.id, name: created.name, description: created.description, ruleSetName: created.ruleSetName, matching }, user);
  await requestFullPass(created.id, 'person', null, { actor: user });
  return (await reconciliationViews(created.id))[0]!;
});
