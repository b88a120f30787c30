import { NextResponse } from 'next/server';
import { getPrisma, databaseKind } from '@/lib/db/client';

export const dynamic = 'force-dynamic';

/** Liveness and database reachability, for load balancers and monitoring. */
export async function GET() {
  const started = Date.now();
  try {
    await getPrisma().user.count();
    return NextResponse.json({ status: 'ok', database: databaseKind(), latencyMs: Date.now() - started });
  } catch {
    return NextResponse.json({ status: 'error', database: databaseKind(), error: 'Database unreachable' }, { status: 503 });
  }
}
