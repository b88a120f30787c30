import { NextResponse } from 'next/server';
import { z } from 'zod';
import { AppError, NotFoundError } from '@/lib/server/core/app-error';
import { resolveDiscrepancy } from '@/lib/features/review/resolve';
import { defineRoute } from '@/lib/server/pipeline/route';

export const dynamic = 'force-dynamic';

const bodySchema = z.object({ version: z.number().int().min(0) }).passthrough();

/** Resolves one discrepancy over the API (integrations, scripts): same rules as the page's action. */
export const POST = defineRoute(
  { name: '/api/discrepancies/[id]/resolve', permission: 'discrepancies:resolve', params: ['id'] },
  async (request, { user, params }) => {
    const resultId = Number(params.id);
    if (!Number.isInteger(resultId) || resultId <= 0) throw new NotFoundError('No such discrepancy.');
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      throw new AppError('invalid_input', 'Send a JSON body: { "version", "action", "reason", ... }.');
    }
    const parsed = bodySchema.parse(body);
    const out = await resolveDiscrepancy(resultId, parsed.version, parsed as never, { id: user.id, email: user.email, role: user.role });
    return NextResponse.json(out);
  },
);
