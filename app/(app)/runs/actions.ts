'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { PermissionError, requireAction } from '@/lib/auth/guard';
import { startRun } from '@/lib/features/runs';
import { ForbiddenError, ReviewError } from '@/lib/features/review/types';

export type StartRunState = { status: 'idle' } | { status: 'error'; message: string } | { status: 'started'; id: string };

/** Starts a run in the background and returns at once; the run page shows its progress. */
export async function startRunAction(_prev: StartRunState, formData: FormData): Promise<StartRunState> {
  try {
    const user = await requireAction('runs:start');
    const sourceIds = formData.getAll('source').map(String).filter(Boolean);
    const sources = sourceIds.map((sourceId) => ({
      sourceId,
      ingestionIds: formData.getAll(`ingestion:${sourceId}`).map(String).filter(Boolean),
    }));
    const { id } = await startRun(
      {
        sources,
        ruleSetId: String(formData.get('ruleSetId') ?? '') || undefined,
        dateFrom: String(formData.get('dateFrom') ?? '') || undefined,
        dateTo: String(formData.get('dateTo') ?? '') || undefined,
      },
      user,
    );
    revalidatePath('/runs');
    return { status: 'started', id };
  } catch (error) {
    if (error instanceof PermissionError || error instanceof ForbiddenError || error instanceof ReviewError) return { status: 'error', message: error.message };
    if (error instanceof z.ZodError) return { status: 'error', message: error.issues.map((i) => i.message).join(' ') };
    throw error;
  }
}
