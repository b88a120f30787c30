import { NextResponse } from 'next/server';
import { requireApi } from '@/lib/auth/guard';
import { actionsFor } from '@/lib/domain/permissions';

/** The signed-in user and what the permission matrix lets them do. */
export async function GET() {
  const user = await requireApi('account:manage');
  if (user instanceof NextResponse) return user;
  return NextResponse.json({ user, permissions: actionsFor(user.role) });
}
