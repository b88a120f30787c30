import { NextResponse } from 'next/server';
import { requireApi } from '@/lib/auth/guard';
import { getIngestion } from '@/lib/features/ingestion/ingestion-queries';

export const dynamic = 'force-dynamic';

/** Status and progress of one ingestion, polled by the upload panel. */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const user = await requireApi('sources:view');
  if (user instanceof NextResponse) return user;
  const { id } = await params;
  const ingestion = await getIngestion(id);
  if (!ingestion) return NextResponse.json({ error: 'No such ingestion.' }, { status: 404 });
  return NextResponse.json(ingestion);
}
