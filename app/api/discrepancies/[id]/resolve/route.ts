import { NextResponse } from 'next/server';
import { z } from 'zod';
import { requireApi } from '@/lib/auth/guard';
import { resolveDiscrepancy } from '@/lib/features/review/resolve';
import { ConflictError, ForbiddenError, NotFoundError, ReviewError } from '@/lib/features/review/types';

export const dynamic = 'force-dynamic';

const bodySchema = z.object({ version: z.number().int().min(0) }).passthrough();

/** Resolves one discrepancy over the API (integrations, scripts): same rules as the page's action. */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const user = await requireApi('discrepancies:resolve');
  if (user instanceof NextResponse) return user;
  const { id } = await params;
  const resultId = Number(id);
  if (!Number.isInteger(resultId) || resultId <= 0) return NextResponse.json({ error: 'No such discrepancy.' }, { status: 404 });
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return NextResponse.json({ error: 'Send a JSON body: { "version", "action", "reason", ... }.' }, { status: 400 });
  }
  try {
    const parsed = bodySchema.parse(body);
    const out = await resolveDiscrepancy(resultId, parsed.version, parsed as never, { id: user.id, email: user.email, role: user.role });
    return NextResponse.json(out);
  } catch (error) {
    if (error instanceof ForbiddenError || error instanceof ConflictError || error instanceof ReviewError || error instanceof NotFoundError) {
      return NextResponse.json({ error: error.message }, { status: error.status });
    }
    if (error instanceof z.ZodError) return NextResponse.json({ error: error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') }, { status: 400 });
    throw error;
  }
}
