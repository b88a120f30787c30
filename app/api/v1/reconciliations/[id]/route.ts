import { endpoints } from '@/lib/api';
import { reconciliationViews } from '@/lib/api/views';
import { requestFullPass, updateReconciliation } from '@/lib/features/ledger';
import { NotFoundError } from '@/lib/server/core/app-error';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

async function view(id: string) {
  const [found] = await reconciliationViews(id);
  if (!found) throw new NotFoundError('No such reconciliation (or it is archived).');
  return found;
}

export const GET = defineApiRoute(endpoints.getReconciliation, async ({ params }) => view(params.id));

export const PATCH = defineApiRoute(endpoints.updateReconciliation, async ({ params, body, user }) => {
  const current = await view(params.id);
  const { fullPass } = await updateReconciliation(
    {
      id: params.id,
      name: body.name ?? current.name,
      description: body.description ?? current.description,
      ruleSetName: body.ruleSetName ?? current.ruleSetName,
      addSourceIds: body.addSourceIds ?? [],
      with: body.with ?? {},
      ...(body.matching ? { matching: body.matching } : {}),
    },
    user,
  );
  if (fullPass) await requestFullPass(params.id, fullPass, null, { actor: user });
  return { ...(await view(params.id)), fullPassQueued: fullPass !== null };
});
