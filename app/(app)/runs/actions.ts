'use server';

import { z } from 'zod';
import { startRun } from '@/lib/features/runs';
import { defineFormAction, issueMessages } from '@/lib/server/pipeline/action';

const startSchema = z.object({
  sources: z.array(z.object({ sourceId: z.string(), ingestionIds: z.array(z.string()) })),
  ruleSetId: z.string().optional(),
  dateFrom: z.string().optional(),
  dateTo: z.string().optional(),
});

/** Starts a run in the background and returns at once; the run page shows its progress. */
export const startRunAction = defineFormAction(
  {
    name: 'runs.start',
    permission: 'runs:start',
    input: startSchema,
    invalidMessage: issueMessages.plain(),
    revalidate: '/runs',
    form: (formData) => ({
      sources: formData
        .getAll('source')
        .map(String)
        .filter(Boolean)
        .map((sourceId) => ({ sourceId, ingestionIds: formData.getAll(`ingestion:${sourceId}`).map(String).filter(Boolean) })),
      ruleSetId: String(formData.get('ruleSetId') ?? '') || undefined,
      dateFrom: String(formData.get('dateFrom') ?? '') || undefined,
      dateTo: String(formData.get('dateTo') ?? '') || undefined,
    }),
  },
  async (input, { user }) => {
    const { id } = await startRun(input, user);
    return { id };
  },
);
