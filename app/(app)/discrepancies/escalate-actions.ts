'use server';

import { z } from 'zod';
import { escalateDiscrepancy } from '@/lib/features/escalation/escalations';
import { defineAction, issueMessages } from '@/lib/server/pipeline/action';

/** Escalates a discrepancy to the Telegram support chat (reviewers and admins). */
export const escalateAction = defineAction(
  {
    name: 'discrepancies.escalate',
    permission: 'discrepancies:escalate',
    input: z.tuple([z.coerce.number().int().positive(), z.coerce.number().int().min(0), z.unknown()]),
    invalidMessage: issueMessages.plain(),
    revalidate: { path: '/discrepancies', type: 'layout' },
  },
  async ([id, version, reason], { user }) => {
    const out = await escalateDiscrepancy(id, version, { reason: String(reason ?? '') }, { id: user.id, email: user.email, role: user.role });
    return { delivered: out.delivered };
  },
);
